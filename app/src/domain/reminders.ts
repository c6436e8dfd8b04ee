// Dose reminders as Today shows them: for each open dose, the reminder to come, or what the
// server's reminder did (sent, snoozed, a follow-up to come), and a snooze asked on this phone
// and not yet sent. The server plans and sends the reminders (notifications/dose_reminders.py);
// the phone only reads its rows (dose_reminders) and says them in words.
import { memberDayOf } from './planFacts'
import { mealsOf } from './planTypes'
import type { DoseReminder, Profile, Regimen } from './rows'
import type { Occurrence } from './schedule'
import { addDays, instantOf, localDate, localTime } from './time'

// The server's snooze choices (notifications/dose_reminders.py SNOOZE_MINUTES).
export const SNOOZE_MINUTES = [10, 30, 60] as const
export type SnoozeMinutes = (typeof SNOOZE_MINUTES)[number]
export type SnoozeChoice = { minutes: SnoozeMinutes } | { next_meal: true }

// A quiet-hours reminder still comes at their end within this long of the dose (the server's
// REACH: after that the dose is no longer current).
const STILL_CURRENT_MS = 3 * 60 * 60 * 1000

type ReminderProfile = Pick<Profile, 'timezone' | 'reminder_zone' | 'phone_timezone' | 'quiet_hours_start' | 'quiet_hours_end'> &
  Partial<Pick<Profile, 'wake_time' | 'breakfast_time' | 'lunch_time' | 'dinner_time' | 'bed_time'>>

/** The zone reminders are timed in: the phone's, when the member chose it and this app told
 * the server the phone's zone, else home (accounts.models.Profile.reminder_zone_now). */
export function reminderZone(profile: ReminderProfile | null, homeZone: string): string {
  if (profile?.reminder_zone === 'phone' && profile.phone_timezone) return profile.phone_timezone
  return profile?.timezone || homeZone
}

/** The instant a dose is reminded of: its wall time in the reminder zone. */
export function reminderMoment(occurrence: Occurrence, zone: string): number {
  return instantOf(occurrence.date, occurrence.time, zone)
}

/** The server's reminder row for a dose, if it has one. */
export function reminderOf(occurrence: Occurrence, reminders: DoseReminder[], zone: string): DoseReminder | null {
  const moments = new Set([occurrence.dueAt, reminderMoment(occurrence, zone)])
  return reminders.find((r) => r.regimen_id === occurrence.regimenId && moments.has(r.due_at)) ?? null
}

/** A local time moved out of quiet hours: [time, days later] (accounts/reminder_moments.py). */
export function outsideQuietHours(at: string, start: string | null, end: string | null): [string, number] {
  if (!start || !end || start === end) return [at, 0]
  if (start < end) return start <= at && at < end ? [end, 0] : [at, 0]
  if (at >= start) return [end, 1]
  return at < end ? [end, 0] : [at, 0]
}

/** A snooze asked on this phone: waiting to be sent, sent (until the server's end, shown
 * until the next pull brings the row as snoozed), or refused. */
export interface LocalSnooze {
  reminder: string
  until: number
  sent: boolean
  // The server said no, in its words; shown until the member dismisses it.
  refused: string | null
}

export type ReminderView =
  | { kind: 'upcoming'; at: number; quiet: boolean }
  | { kind: 'quiet' }
  | { kind: 'sent'; at: number; next: number | null }
  | { kind: 'snoozed'; until: number; sending: boolean }
  | { kind: 'refused'; reason: string; reminder: string }
  | { kind: 'over' }
  | { kind: 'none' }

interface ViewInput {
  regimen: Regimen
  occurrence: Occurrence
  logged: boolean
  reminder: DoseReminder | null
  snooze: LocalSnooze | null
  profile: ReminderProfile | null
  zone: string // the reminder zone
  now: number
}

/** What Today says about a dose's reminders. Nothing once the dose is logged. */
export function reminderView({ regimen, occurrence, logged, reminder, snooze, profile, zone, now }: ViewInput): ReminderView {
  if (logged) return { kind: 'none' }
  if (snooze?.refused) return { kind: 'refused', reason: snooze.refused, reminder: snooze.reminder }
  if (snooze && snooze.until > now) return { kind: 'snoozed', until: snooze.until, sending: !snooze.sent }
  if (reminder) return sentView(reminder, now)
  if (!regimen.remind) return { kind: 'none' }
  const due = reminderMoment(occurrence, zone)
  if (due <= now) return { kind: 'none' }
  return upcomingView(due, profile, zone)
}

function sentView(reminder: DoseReminder, now: number): ReminderView {
  if (reminder.state === 'snoozed' && reminder.snoozed_until !== null && reminder.snoozed_until > now) {
    return { kind: 'snoozed', until: reminder.snoozed_until, sending: false }
  }
  if (reminder.state === 'done' || reminder.state === 'window') return { kind: 'over' }
  const next = !reminder.follow_up_sent && reminder.next_at !== null && reminder.next_at > now ? reminder.next_at : null
  return { kind: 'sent', at: reminder.due_at, next }
}

function upcomingView(due: number, profile: ReminderProfile | null, zone: string): ReminderView {
  const [time, later] = outsideQuietHours(localTime(due, zone), profile?.quiet_hours_start ?? null, profile?.quiet_hours_end ?? null)
  const at = instantOf(addDays(localDate(due, zone), later), time, zone)
  if (at === due) return { kind: 'upcoming', at, quiet: false }
  return at - due <= STILL_CURRENT_MS ? { kind: 'upcoming', at, quiet: true } : { kind: 'quiet' }
}

/** Whether the member may snooze the dose from Today: its reminder came and it is open. */
export function canSnooze(view: ReminderView): boolean {
  return view.kind === 'sent' || (view.kind === 'snoozed' && !view.sending)
}

/** The next meal of the day after `now` in the reminder zone (the usual day), or null. */
export function nextMeal(profile: ReminderProfile | null, now: number, zone: string): number | null {
  const today = localDate(now, zone)
  const time = localTime(now, zone)
  const later = mealsOf(memberDayOf(profile as Profile | null))
    .map(([, at]) => at)
    .filter((at) => at > time)
    .sort()
  return later.length ? instantOf(today, later[0], zone) : null
}

/** When a snooze asked at `now` ends, as the server will work it out; null: no meal is left. */
export function snoozeUntil(choice: SnoozeChoice, profile: ReminderProfile | null, now: number, zone: string): number | null {
  if ('next_meal' in choice) return nextMeal(profile, now, zone)
  return now + choice.minutes * 60_000
}

/** The snooze to send for one asked at `askedAt` and sent at `now` (offline in between): the
 * longest of the server's choices that still ends by the time asked for; null once that time
 * has come (the server's reminders go on as they were). The next meal is the server's to
 * work out. */
export function snoozeToSend(choice: SnoozeChoice, askedAt: number, now: number): SnoozeChoice | null {
  if ('next_meal' in choice) return choice
  const left = askedAt + choice.minutes * 60_000 - now
  if (left <= 0) return null
  const fits = SNOOZE_MINUTES.filter((m) => m * 60_000 <= left)
  return { minutes: fits.length ? fits[fits.length - 1] : SNOOZE_MINUTES[0] }
}

/** Words for a reminder view, in the reminder zone ("Reminder at 08:00"). */
export function reminderWords(view: ReminderView, zone: string): string {
  const at = (ms: number) => localTime(ms, zone)
  switch (view.kind) {
    case 'upcoming':
      return view.quiet ? `Reminder at ${at(view.at)}, when your quiet hours end` : `Reminder at ${at(view.at)}`
    case 'quiet':
      return 'No reminder: it falls in your quiet hours'
    case 'sent':
      return view.next ? `Reminded at ${at(view.at)}; once more at ${at(view.next)} if not logged` : `Reminded at ${at(view.at)}`
    case 'snoozed':
      return view.sending ? `Snoozed until ${at(view.until)} (sent when online)` : `Snoozed until ${at(view.until)}`
    case 'refused':
      return `Not snoozed: ${view.reason}`
    case 'over':
      return 'No more reminders for this dose'
    default:
      return ''
  }
}
