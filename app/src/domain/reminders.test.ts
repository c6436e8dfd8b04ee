import { describe, expect, it } from 'vitest'

import { canSnooze, nextMeal, outsideQuietHours, reminderOf, reminderView, reminderWords, snoozeToSend, snoozeUntil, reminderZone } from './reminders'
import type { DoseReminder, Profile, Regimen } from './rows'
import { occurrencesOn } from './schedule'
import { instantOf } from './time'

const AMS = 'Europe/Amsterdam'
const NYC = 'America/New_York'
const DAY = '2026-11-23'
const at = (time: string, zone = AMS) => instantOf(DAY, time, zone)
const MIN = 60_000

const PLAN: Regimen = {
  id: 'plan', product_id: 'aln', servings_per_dose: 1, schedule_kind: 'daily', times: '["08:00","20:00"]', weekdays: '[]',
  day_of_month: null, interval_days: null, start_date: '2026-11-01', end_date: null, note: '', confirmed_findings: '[]',
  remind: true, follow_up_minutes: null, pack_size: null, refill_days: 7, created_at: 0, updated_at: 0,
}
const PROFILE = {
  timezone: AMS, reminder_zone: 'home', phone_timezone: '', quiet_hours_start: null, quiet_hours_end: null,
  wake_time: '07:00', breakfast_time: '07:30', lunch_time: '12:30', dinner_time: '18:30', bed_time: '22:30',
} satisfies Partial<Profile>
const [EIGHT, TWENTY] = occurrencesOn(PLAN, DAY, AMS)

function row(values: Partial<DoseReminder> = {}): DoseReminder {
  return { id: 'r8', regimen_id: 'plan', due_at: at('08:00'), state: 'sent', snoozed_until: null, next_at: at('08:30'), follow_up_sent: false, late: false, ...values }
}

function view(values: Partial<Parameters<typeof reminderView>[0]> = {}) {
  return reminderView({ regimen: PLAN, occurrence: EIGHT, logged: false, reminder: null, snooze: null, profile: PROFILE, zone: AMS, now: at('07:00'), ...values })
}

describe('reminderOf', () => {
  it('finds the server’s row of a dose, in the home zone or in the phone’s', () => {
    expect(reminderOf(EIGHT, [row({ id: 'r20', due_at: at('20:00') }), row()], AMS)?.id).toBe('r8')
    // Travelling in New York with reminders on the phone's zone: 08:00 there.
    const travelling = row({ id: 'ny', due_at: at('08:00', NYC) })
    expect(reminderOf(EIGHT, [travelling], reminderZone({ ...PROFILE, reminder_zone: 'phone', phone_timezone: NYC }, AMS))?.id).toBe('ny')
    expect(reminderOf(EIGHT, [travelling], AMS)).toBeNull()
    expect(reminderOf(TWENTY, [row()], AMS)).toBeNull()
  })

  it('keeps the home zone until the phone has told its own', () => {
    expect(reminderZone({ ...PROFILE, reminder_zone: 'phone', phone_timezone: '' }, AMS)).toBe(AMS)
    expect(reminderZone(null, NYC)).toBe(NYC)
  })
})

describe('reminderView', () => {
  it('says when the reminder will come, out of quiet hours', () => {
    expect(reminderWords(view(), AMS)).toBe('Reminder at 08:00')
    const quiet = view({ profile: { ...PROFILE, quiet_hours_start: '22:00', quiet_hours_end: '08:30' } })
    expect(reminderWords(quiet, AMS)).toBe('Reminder at 08:30, when your quiet hours end')
    // Held past the dose's time: no reminder at all.
    expect(view({ profile: { ...PROFILE, quiet_hours_start: '06:00', quiet_hours_end: '12:00' } })).toEqual({ kind: 'quiet' })
  })

  it('says nothing for a dose logged, a plan without reminders or a time gone by with no reminder', () => {
    expect(view({ logged: true, reminder: row() })).toEqual({ kind: 'none' })
    expect(view({ regimen: { ...PLAN, remind: false } })).toEqual({ kind: 'none' })
    expect(view({ now: at('09:00') })).toEqual({ kind: 'none' })
  })

  it('tells what the server did: reminded, a follow-up to come, snoozed, over', () => {
    const sent = view({ reminder: row(), now: at('08:05') })
    expect(reminderWords(sent, AMS)).toBe('Reminded at 08:00; once more at 08:30 if not logged')
    expect(canSnooze(sent)).toBe(true)
    expect(reminderWords(view({ reminder: row({ follow_up_sent: true, next_at: null }), now: at('08:40') }), AMS)).toBe('Reminded at 08:00')
    const snoozed = view({ reminder: row({ state: 'snoozed', snoozed_until: at('08:40'), next_at: at('08:40') }), now: at('08:10') })
    expect(reminderWords(snoozed, AMS)).toBe('Snoozed until 08:40')
    expect(canSnooze(snoozed)).toBe(true)
    const over = view({ reminder: row({ state: 'done', next_at: null }), now: at('10:00') })
    expect(over).toEqual({ kind: 'over' })
    expect(canSnooze(over)).toBe(false)
  })

  it('shows a snooze asked on this phone until the server has it, and a refusal until dismissed', () => {
    const asked = view({ reminder: row(), snooze: { reminder: 'r8', until: at('08:15'), sent: false, refused: null }, now: at('08:05') })
    expect(reminderWords(asked, AMS)).toBe('Snoozed until 08:15 (sent when online)')
    expect(canSnooze(asked)).toBe(false)
    // Sent, and the pull has not brought the row as snoozed yet: the server's end.
    const sent = view({ reminder: row(), snooze: { reminder: 'r8', until: at('08:15'), sent: true, refused: null }, now: at('08:05') })
    expect(reminderWords(sent, AMS)).toBe('Snoozed until 08:15')
    expect(canSnooze(sent)).toBe(true)
    const refused = view({ reminder: row(), snooze: { reminder: 'r8', until: at('08:15'), sent: false, refused: 'This dose is logged, or its reminders are over.' }, now: at('08:05') })
    expect(refused).toEqual({ kind: 'refused', reason: 'This dose is logged, or its reminders are over.', reminder: 'r8' })
  })
})

describe('outsideQuietHours', () => {
  it('moves a time inside quiet hours to their end, across midnight too', () => {
    expect(outsideQuietHours('23:00', '22:00', '07:00')).toEqual(['07:00', 1])
    expect(outsideQuietHours('06:00', '22:00', '07:00')).toEqual(['07:00', 0])
    expect(outsideQuietHours('08:00', '22:00', '07:00')).toEqual(['08:00', 0])
    expect(outsideQuietHours('13:00', '12:00', '14:00')).toEqual(['14:00', 0])
    expect(outsideQuietHours('13:00', null, null)).toEqual(['13:00', 0])
    expect(outsideQuietHours('13:00', '12:00', '12:00')).toEqual(['13:00', 0])
  })
})

describe('snoozing', () => {
  it('ends at the next meal of the usual day, or cannot when none is left', () => {
    expect(nextMeal(PROFILE, at('08:05'), AMS)).toBe(at('12:30'))
    expect(nextMeal({ ...PROFILE, lunch_time: null }, at('08:05'), AMS)).toBe(at('18:30'))
    expect(nextMeal(PROFILE, at('19:00'), AMS)).toBeNull()
    expect(snoozeUntil({ minutes: 30 }, PROFILE, at('08:05'), AMS)).toBe(at('08:35'))
  })

  it('sends a snooze asked offline as the longest choice that still ends in time', () => {
    expect(snoozeToSend({ minutes: 60 }, at('08:00'), at('08:20'))).toEqual({ minutes: 30 })
    expect(snoozeToSend({ minutes: 30 }, at('08:00'), at('08:00') + 5 * MIN)).toEqual({ minutes: 10 })
    expect(snoozeToSend({ minutes: 10 }, at('08:00'), at('08:03'))).toEqual({ minutes: 10 })
    expect(snoozeToSend({ minutes: 10 }, at('08:00'), at('08:11'))).toBeNull()
    expect(snoozeToSend({ next_meal: true }, at('08:00'), at('11:00'))).toEqual({ next_meal: true })
  })
})
