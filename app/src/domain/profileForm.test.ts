import { describe, expect, it, vi } from 'vitest'

import {
  aboutDraft,
  canonicalZone,
  checkAbout,
  checkDoseReminders,
  doseReminderDraft,
  usualRefillDays,
  checkDay,
  checkFirstRun,
  checkReminder,
  clockTime,
  dayDraft,
  firstRunDraft,
  isIsoDate,
  parseWeight,
  reminderDraft,
  zoneChoices,
  type AboutDraft,
  type DayDraft,
  type FirstRunDraft,
  type ReminderDraft,
} from './profileForm'
import type { Profile } from './rows'

const TODAY = '2025-11-26'

// Chromium accepts UTC offsets such as "+02:00" as time zones; Node does not. This lets a
// test play the browser.
const engine = vi.hoisted(() => ({ acceptsOffsets: false }))
vi.mock('./time', async (importOriginal) => {
  const real = await importOriginal<typeof import('./time')>()
  const offset = /^[+-]\d\d:\d\d$/
  return { ...real, isValidZone: (zone: string) => (engine.acceptsOffsets && offset.test(zone)) || real.isValidZone(zone) }
})

const profile: Profile = {
  id: '6f1c2f36-4a55-4c52-9d1c-0b6c1f1f2a11',
  date_of_birth: '1968-04-21',
  sex: 'female',
  menopause_status: 'post',
  final_period_date: '2019-08-01',
  pregnant: false,
  lactating: false,
  weight_kg: 64.5,
  timezone: 'Europe/Amsterdam',
  units: 'metric',
  reminder_weekday: 7,
  reminder_time: '18:00',
  remind_in_app: true,
  remind_by_push: true,
  remind_by_email: false,
  quiet_hours_start: '22:00',
  quiet_hours_end: '07:00',
  wake_time: '07:00',
  breakfast_time: '07:30',
  lunch_time: '12:30',
  dinner_time: '18:30',
  bed_time: '22:30',
  follow_up_minutes: 30,
  reminder_zone: 'home',
  phone_timezone: '',
  dose_reminders_by_email: false,
  updated_at: 0,
}

function about(changes: Partial<AboutDraft>): AboutDraft {
  return { ...aboutDraft(profile), ...changes }
}

function reminder(changes: Partial<ReminderDraft>): ReminderDraft {
  return { ...reminderDraft(profile), ...changes }
}

function aboutErrors(changes: Partial<AboutDraft>) {
  const result = checkAbout(about(changes), TODAY)
  return result.ok ? {} : result.errors
}

function reminderErrors(changes: Partial<ReminderDraft>) {
  const result = checkReminder(reminder(changes))
  return result.ok ? {} : result.errors
}

describe('About you', () => {
  it('turns an unchanged profile back into the same values', () => {
    const result = checkAbout(aboutDraft(profile), TODAY)
    expect(result).toEqual({
      ok: true,
      values: {
        date_of_birth: '1968-04-21',
        sex: 'female',
        menopause_status: 'post',
        final_period_date: '2019-08-01',
        pregnant: false,
        lactating: false,
        weight_kg: 64.5,
        timezone: 'Europe/Amsterdam',
      },
    })
  })

  it('refuses a date of birth in the future but accepts today', () => {
    expect(aboutErrors({ date_of_birth: '2025-11-27', final_period_date: '' }).date_of_birth).toMatch(/future/)
    expect(aboutErrors({ date_of_birth: TODAY, final_period_date: '' }).date_of_birth).toBeUndefined()
  })

  it('keeps the server’s age bound: a birth year at most 120 years back', () => {
    expect(aboutErrors({ date_of_birth: '1905-01-01' }).date_of_birth).toBeUndefined()
    expect(aboutErrors({ date_of_birth: '1904-12-31' }).date_of_birth).toMatch(/120 years/)
  })

  it('refuses dates that do not exist or are not year-month-day', () => {
    expect(isIsoDate('2024-02-29')).toBe(true)
    expect(isIsoDate('2025-02-29')).toBe(false)
    expect(aboutErrors({ date_of_birth: '21/04/1968' }).date_of_birth).toMatch(/year-month-day/)
  })

  it('asks for a date of birth (the app sends a profile without one back to first run)', () => {
    expect(aboutErrors({ date_of_birth: '' }).date_of_birth).toMatch(/Enter your date of birth/)
    expect(aboutErrors({ date_of_birth: '  ' }).date_of_birth).toMatch(/Enter your date of birth/)
  })

  it('refuses a final period in the future or before birth', () => {
    expect(aboutErrors({ final_period_date: '2026-01-01' }).final_period_date).toMatch(/future/)
    expect(aboutErrors({ final_period_date: '1960-01-01' }).final_period_date).toMatch(/after your date of birth/)
    expect(aboutErrors({ final_period_date: '2019-08-01' }).final_period_date).toBeUndefined()
  })

  it('keeps a final period date only after menopause', () => {
    const post = checkAbout(about({ menopause_status: 'post' }), TODAY)
    expect(post.ok && post.values.final_period_date).toBe('2019-08-01')
    const peri = checkAbout(about({ menopause_status: 'peri', final_period_date: '2030-01-01' }), TODAY)
    expect(peri.ok && peri.values.final_period_date).toBeNull()
  })

  it('never stores a pregnant or lactating male profile (the server refuses it)', () => {
    const result = checkAbout(about({ sex: 'male', pregnant: true, lactating: true }), TODAY)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.values).toMatchObject({ pregnant: false, lactating: false, menopause_status: 'unknown', final_period_date: null })
  })

  it('asks about pregnancy only before menopause, as the first-run step does', () => {
    const before = checkAbout(about({ menopause_status: 'pre', lactating: true }), TODAY)
    expect(before.ok && before.values.lactating).toBe(true)
    const after = checkAbout(about({ menopause_status: 'post', lactating: true }), TODAY)
    expect(after.ok && after.values.lactating).toBe(false)
    const unsaid = checkAbout(about({ sex: '', pregnant: true }), TODAY)
    expect(unsaid.ok && [unsaid.values.pregnant, unsaid.values.menopause_status]).toEqual([false, 'unknown'])
  })

  it('keeps the weight within 2 to 400 kg, in tenths', () => {
    expect(aboutErrors({ weight_kg: '1.9' }).weight_kg).toMatch(/between 2 and 400/)
    expect(aboutErrors({ weight_kg: '400.1' }).weight_kg).toMatch(/between 2 and 400/)
    expect(aboutErrors({ weight_kg: '64.55' }).weight_kg).toMatch(/one decimal/)
    expect(aboutErrors({ weight_kg: 'heavy' }).weight_kg).toMatch(/number/)
    expect(aboutErrors({ weight_kg: '400' }).weight_kg).toBeUndefined()
    expect(aboutErrors({ weight_kg: '2' }).weight_kg).toBeUndefined()
  })

  it('reads a decimal comma and an empty weight', () => {
    expect(parseWeight('64,7')).toBe(64.7)
    expect(parseWeight(' ')).toBeNull()
    const result = checkAbout(about({ weight_kg: '70,3' }), TODAY)
    expect(result.ok && result.values.weight_kg).toBe(70.3)
  })

  it('accepts IANA zones only, spelled as the server knows them', () => {
    expect(aboutErrors({ timezone: 'Europe/Atlantis' }).timezone).toBeDefined()
    expect(aboutErrors({ timezone: '+02:00' }).timezone).toBeDefined()
    expect(aboutErrors({ timezone: '' }).timezone).toBeDefined()
    expect(canonicalZone('europe/amsterdam')).toBe('Europe/Amsterdam')
    expect(canonicalZone('UTC')).toBe('UTC')
    const result = checkAbout(about({ timezone: ' pacific/auckland ' }), TODAY)
    expect(result.ok && result.values.timezone).toBe('Pacific/Auckland')
  })

  it('refuses UTC offsets even where the browser takes them (the server does not)', () => {
    engine.acceptsOffsets = true
    try {
      expect(canonicalZone('+02:00')).toBeNull()
      expect(canonicalZone('Europe/Amsterdam')).toBe('Europe/Amsterdam')
    } finally {
      engine.acceptsOffsets = false
    }
  })

  it('takes only the server’s choices for sex and menopause', () => {
    expect(aboutErrors({ sex: 'other' }).sex).toBeDefined()
    expect(aboutErrors({ menopause_status: 'late' }).menopause_status).toBeDefined()
    expect(aboutErrors({ sex: 'male', menopause_status: 'late' }).menopause_status).toBeUndefined()
  })

  it('reports every problem at once', () => {
    const errors = aboutErrors({ date_of_birth: '2999-01-01', weight_kg: '0', timezone: 'Nowhere' })
    expect(Object.keys(errors).sort()).toEqual(['date_of_birth', 'timezone', 'weight_kg'])
  })
})

describe('Weekly reminder', () => {
  it('turns an unchanged reminder back into the same values', () => {
    expect(checkReminder(reminderDraft(profile))).toEqual({
      ok: true,
      values: {
        reminder_weekday: 7,
        reminder_time: '18:00',
        remind_in_app: true,
        remind_by_push: true,
        remind_by_email: false,
        quiet_hours_start: '22:00',
        quiet_hours_end: '07:00',
      },
    })
  })

  it('needs quiet hours at both ends or neither', () => {
    expect(reminderErrors({ quiet_hours_end: '' }).quiet_hours_end).toMatch(/both/)
    expect(reminderErrors({ quiet_hours_start: '' }).quiet_hours_start).toMatch(/both/)
    const none = checkReminder(reminder({ quiet_hours_start: '', quiet_hours_end: '' }))
    expect(none.ok && [none.values.quiet_hours_start, none.values.quiet_hours_end]).toEqual([null, null])
  })

  it('refuses quiet hours that end when they start', () => {
    expect(reminderErrors({ quiet_hours_start: '22:00', quiet_hours_end: '22:00' }).quiet_hours_end).toMatch(/another time/)
  })

  it('takes reminder times as HH:MM within a day', () => {
    expect(clockTime('07:30')).toBe('07:30')
    expect(clockTime('07:30:00')).toBe('07:30')
    expect(clockTime('7:30')).toBeNull()
    expect(clockTime('24:00')).toBeNull()
    expect(clockTime('12:60')).toBeNull()
    expect(reminderErrors({ reminder_time: '25:00' }).reminder_time).toMatch(/time of day/)
    expect(reminderErrors({ reminder_time: '' }).reminder_time).toMatch(/time of day/)
    expect(reminderErrors({ quiet_hours_start: '9pm' }).quiet_hours_start).toMatch(/time of day/)
  })

  it('takes ISO weekdays 1 to 7 only', () => {
    expect(reminderErrors({ reminder_weekday: '0' }).reminder_weekday).toBeDefined()
    expect(reminderErrors({ reminder_weekday: '8' }).reminder_weekday).toBeDefined()
    const monday = checkReminder(reminder({ reminder_weekday: '1' }))
    expect(monday.ok && monday.values.reminder_weekday).toBe(1)
  })
})

describe('First run', () => {
  // A new member: no answers yet, the server's default zone and reminder.
  const newcomer: Profile = { ...profile, date_of_birth: null, sex: '', menopause_status: 'unknown', final_period_date: null, weight_kg: null, timezone: 'UTC' }

  function firstRun(changes: Partial<FirstRunDraft>): FirstRunDraft {
    return { ...firstRunDraft(newcomer, 'Europe/Amsterdam'), date_of_birth: '1962-06-01', ...changes }
  }

  function firstRunErrors(changes: Partial<FirstRunDraft>) {
    const result = checkFirstRun(firstRun(changes), TODAY)
    return result.ok ? {} : result.errors
  }

  it('pre-fills the device zone and the saved reminder, and asks no weight', () => {
    const draft = firstRunDraft(newcomer, 'Europe/Amsterdam')
    expect(draft).toMatchObject({ timezone: 'Europe/Amsterdam', reminder_weekday: '7', reminder_time: '18:00' })
    expect(draft).not.toHaveProperty('weight_kg')
    expect(firstRunDraft({ ...newcomer, reminder_weekday: 0, reminder_time: '' }, 'UTC')).toMatchObject({ reminder_weekday: '7', reminder_time: '18:00' })
    expect(firstRunDraft({ ...newcomer, reminder_weekday: 2, reminder_time: '07:30:00' }, 'UTC')).toMatchObject({ reminder_weekday: '2', reminder_time: '07:30' })
  })

  it('offers every zone the browser knows, each one the check takes as it is', () => {
    const zones = zoneChoices('Europe/Amsterdam')
    expect(zones).toContain('Europe/Amsterdam')
    expect(zones).toContain('UTC')
    expect(zones).toEqual([...zones].sort())
    expect(zones.filter((zone) => canonicalZone(zone) !== zone)).toEqual([])
  })

  it('gives a woman after menopause her final period date, with the weekly summary', () => {
    const result = checkFirstRun(firstRun({ sex: 'female', menopause_status: 'post', final_period_date: '2014-09-01', pregnant: true }), TODAY)
    expect(result).toEqual({
      ok: true,
      values: {
        date_of_birth: '1962-06-01',
        sex: 'female',
        menopause_status: 'post',
        final_period_date: '2014-09-01',
        pregnant: false,
        lactating: false,
        timezone: 'Europe/Amsterdam',
        reminder_weekday: 7,
        reminder_time: '18:00',
      },
    })
  })

  it('drops the menopause and pregnancy answers for a man', () => {
    const result = checkFirstRun(firstRun({ sex: 'male', menopause_status: 'post', final_period_date: '2014-09-01', pregnant: true }), TODAY)
    expect(result.ok && result.values).toMatchObject({ menopause_status: 'unknown', final_period_date: null, pregnant: false, lactating: false })
  })

  it('needs a real date of birth in the past, in the same words as Settings', () => {
    expect(firstRunErrors({ date_of_birth: '' }).date_of_birth).toBe('Enter your date of birth: the reference intakes depend on your age.')
    expect(firstRunErrors({ date_of_birth: '2025-11-27' }).date_of_birth).toBe('A date of birth cannot be in the future.')
    expect(firstRunErrors({ date_of_birth: '1900-01-01' }).date_of_birth).toMatch(/^Enter a real date of birth \(at most \d+ years ago\)\.$/)
    expect(firstRunErrors({ date_of_birth: TODAY }).date_of_birth).toBeUndefined()
  })

  it('keeps the final period between birth and today, in the same words as Settings', () => {
    const post = { sex: 'female', menopause_status: 'post' }
    expect(firstRunErrors({ ...post, final_period_date: '2026-01-01' }).final_period_date).toBe('The final period date cannot be in the future.')
    expect(firstRunErrors({ ...post, final_period_date: '1950-01-01' }).final_period_date).toBe('The final period date must be after your date of birth.')
    expect(firstRunErrors({ ...post, final_period_date: '2014-13-01' }).final_period_date).toBe('Enter a date as year-month-day, e.g. 2021-03-01.')
    expect(firstRunErrors({ ...post, final_period_date: '' }).final_period_date).toBeUndefined()
  })

  it('needs a known zone and a summary day and time, in the same words as Settings', () => {
    expect(firstRunErrors({ timezone: 'Mars/Olympus' }).timezone).toBe('Choose a time zone from the list, e.g. Europe/Amsterdam.')
    expect(firstRunErrors({ reminder_time: '7pm' }).reminder_time).toBe('Enter a time of day as hours and minutes, e.g. 18:00.')
    expect(firstRunErrors({ reminder_weekday: '0' }).reminder_weekday).toBe('Choose a day of the week.')
  })
})

describe('your usual day', () => {
  const day = (changes: Partial<DayDraft>): DayDraft => ({ ...dayDraft(profile), ...changes })

  it('starts from the profile’s day, or the server’s defaults before it has one', () => {
    expect(dayDraft(profile)).toMatchObject({ wake_time: '07:00', breakfast_time: '07:30', lunch_time: '12:30', dinner_time: '18:30', bed_time: '22:30', skip_lunch: false })
    expect(dayDraft({ ...profile, wake_time: '', bed_time: '', breakfast_time: null })).toMatchObject({ wake_time: '07:00', bed_time: '22:30', skip_breakfast: false })
    expect(dayDraft({ ...profile, lunch_time: null })).toMatchObject({ lunch_time: '12:30', skip_lunch: true })
  })

  it('stores a skipped meal as none', () => {
    expect(checkDay(day({ skip_lunch: true, lunch_time: 'not a time' }))).toEqual({
      ok: true,
      values: { wake_time: '07:00', breakfast_time: '07:30', lunch_time: null, dinner_time: '18:30', bed_time: '22:30' },
    })
  })

  it('holds the server’s rules: waking before bed, meals between them and in order', () => {
    const errors = (changes: Partial<DayDraft>) => {
      const checked = checkDay(day(changes))
      return checked.ok ? {} : checked.errors
    }
    expect(errors({ wake_time: '23:00' })).toEqual({ bed_time: 'Bedtime comes after waking, on the same day.' })
    expect(errors({ bed_time: '07:00', wake_time: '07:00' })).toEqual({ bed_time: 'Bedtime comes after waking, on the same day.' })
    expect(errors({ breakfast_time: '06:30' })).toEqual({ breakfast_time: 'Meals fall between waking and bedtime.' })
    expect(errors({ dinner_time: '12:00' })).toEqual({ dinner_time: 'Breakfast, lunch and dinner come in that order.' })
    expect(errors({ lunch_time: '' })).toEqual({ lunch_time: 'Enter the time of your lunch, e.g. 12:30, or tick “I skip lunch”.' })
    // Meals at waking or bedtime, and two meals at once, are allowed (the server's <=).
    expect(errors({ breakfast_time: '07:00', lunch_time: '18:30', dinner_time: '22:30' })).toEqual({})
  })
})

describe('dose reminder settings', () => {
  it('keeps the server’s limits: follow-up 5 to 240 minutes, refill notice 1 to 60 days, home or phone', () => {
    const draft = doseReminderDraft(profile, 7)
    expect(draft).toEqual({ follow_up_minutes: '30', dose_reminders_by_email: false, reminder_zone: 'home', refill_days: '7' })
    expect(checkDoseReminders({ ...draft, follow_up_minutes: '4', refill_days: '61', reminder_zone: 'away' })).toEqual({
      ok: false,
      errors: { follow_up_minutes: 'Give the minutes from 5 to 240.', refill_days: 'Give a number of days from 1 to 60.', reminder_zone: 'Choose one of the options.' },
    })
    expect(checkDoseReminders({ ...draft, follow_up_minutes: '45', reminder_zone: 'phone', dose_reminders_by_email: true, refill_days: '10' })).toEqual({
      ok: true,
      values: { follow_up_minutes: 45, reminder_zone: 'phone', dose_reminders_by_email: true, refill_days: 10 },
    })
  })

  it('offers the refill notice most plans have', () => {
    expect(usualRefillDays([])).toBe(7)
    expect(usualRefillDays([{ refill_days: 10 }, { refill_days: 14 }, { refill_days: 10 }])).toBe(10)
    // A plan still waiting for its settings (0) does not count.
    expect(usualRefillDays([{ refill_days: 0 }, { refill_days: 3 }])).toBe(3)
  })
})
