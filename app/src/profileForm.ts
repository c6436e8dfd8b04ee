// Profile edits as typed in Settings, checked and shaped into column values. The checks
// mirror the server (accounts/serializers.py ProfileSerializer, the Profile model's choices,
// validators and constraints, which sync/writers.py ProfileWriter applies through
// full_clean) so a profile saved on the device is never refused when it syncs. Pure: the
// caller passes today's date in the member's zone.
import type { Profile } from './db/rows'
import { isValidZone } from './time'

// The same words as the first-run step (aboutYou.ts), so both forms read alike.
export const SEXES: [string, string][] = [
  ['', 'Prefer not to say'],
  ['female', 'Female'],
  ['male', 'Male'],
]

export const MENOPAUSE_STATUSES: [string, string][] = [
  ['pre', 'Before menopause (premenopausal)'],
  ['peri', 'Around menopause (perimenopausal)'],
  ['post', 'After menopause (postmenopausal)'],
  ['unknown', 'Not sure'],
]

export const WEEKDAYS: [string, string][] = [
  ['1', 'Monday'],
  ['2', 'Tuesday'],
  ['3', 'Wednesday'],
  ['4', 'Thursday'],
  ['5', 'Friday'],
  ['6', 'Saturday'],
  ['7', 'Sunday'],
]

// The server refuses a birth year more than 120 years back (ProfileSerializer).
export const MAX_AGE_YEARS = 120
// Profile.weight_kg: DecimalField(max_digits=5, decimal_places=1), 2 to 400.
export const WEIGHT_MIN_KG = 2
export const WEIGHT_MAX_KG = 400

export interface AboutDraft {
  date_of_birth: string
  sex: string
  menopause_status: string
  final_period_date: string
  pregnant: boolean
  lactating: boolean
  weight_kg: string
  timezone: string
}

export interface ReminderDraft {
  reminder_weekday: string
  reminder_time: string
  remind_in_app: boolean
  remind_by_push: boolean
  remind_by_email: boolean
  quiet_hours_start: string
  quiet_hours_end: string
}

export type AboutValues = Pick<Profile, 'date_of_birth' | 'sex' | 'menopause_status' | 'final_period_date' | 'pregnant' | 'lactating' | 'weight_kg' | 'timezone'>
export type ReminderValues = Pick<
  Profile,
  'reminder_weekday' | 'reminder_time' | 'remind_in_app' | 'remind_by_push' | 'remind_by_email' | 'quiet_hours_start' | 'quiet_hours_end'
>

export type Errors<D> = Partial<Record<keyof D, string>>
export type Checked<D, V> = { ok: true; values: V } | { ok: false; errors: Errors<D> }

export function aboutDraft(profile: Profile): AboutDraft {
  return {
    date_of_birth: profile.date_of_birth ?? '',
    sex: profile.sex,
    menopause_status: profile.menopause_status || 'unknown',
    final_period_date: profile.final_period_date ?? '',
    pregnant: profile.pregnant,
    lactating: profile.lactating,
    weight_kg: profile.weight_kg === null ? '' : String(profile.weight_kg),
    timezone: profile.timezone,
  }
}

export function reminderDraft(profile: Profile): ReminderDraft {
  return {
    reminder_weekday: String(profile.reminder_weekday),
    reminder_time: profile.reminder_time,
    remind_in_app: profile.remind_in_app,
    remind_by_push: profile.remind_by_push,
    remind_by_email: profile.remind_by_email,
    quiet_hours_start: profile.quiet_hours_start ?? '',
    quiet_hours_end: profile.quiet_hours_end ?? '',
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A real calendar date "YYYY-MM-DD" (not 2025-02-30). */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value)
  if (!match) return false
  const [year, month, day] = match.slice(1).map(Number)
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

// The questions asked follow the first-run step (aboutYou.ts), so a profile reads the same
// in both. Menopause and pregnancy belong to the female reference intakes (the server
// refuses a male profile that is pregnant or lactating).
export function showsMenopause(sex: string): boolean {
  return sex === 'female'
}

// The final period is known for sure only once menopause is behind.
export function showsFinalPeriod(draft: Pick<AboutDraft, 'sex' | 'menopause_status'>): boolean {
  return showsMenopause(draft.sex) && draft.menopause_status === 'post'
}

export function showsPregnancy(draft: Pick<AboutDraft, 'sex' | 'menopause_status'>): boolean {
  return showsMenopause(draft.sex) && draft.menopause_status !== 'post'
}

function checkBirthDate(value: string, today: string): string | null {
  // The server allows none, but the app asks for it on first run (Onboarding) and would
  // send a member without one back there.
  if (value === '') return 'Enter your date of birth: the reference intakes depend on your age.'
  if (!isIsoDate(value)) return 'Enter a date as year-month-day, e.g. 1968-04-21.'
  if (value > today) return 'A date of birth cannot be in the future.'
  if (Number(value.slice(0, 4)) < Number(today.slice(0, 4)) - MAX_AGE_YEARS) return `Enter a real date of birth (at most ${MAX_AGE_YEARS} years ago).`
  return null
}

function checkFinalPeriod(value: string, birth: string, today: string): string | null {
  if (value === '') return null
  if (!isIsoDate(value)) return 'Enter a date as year-month-day, e.g. 2021-03-01.'
  if (value > today) return 'The final period date cannot be in the future.'
  if (birth && isIsoDate(birth) && value <= birth) return 'The final period date must be after your date of birth.'
  return null
}

/** The weight in kg as typed ("64.5" or "64,5"); null when empty, NaN when not a number. */
export function parseWeight(value: string): number | null {
  const text = value.trim().replace(',', '.')
  if (text === '') return null
  return /^\d+(\.\d*)?$/.test(text) ? Number(text) : NaN
}

function checkWeight(value: string): string | null {
  const weight = parseWeight(value)
  if (weight === null) return null
  if (Number.isNaN(weight)) return 'Enter your weight as a number of kilograms, e.g. 64.5.'
  if (weight < WEIGHT_MIN_KG || weight > WEIGHT_MAX_KG) return `Enter a weight between ${WEIGHT_MIN_KG} and ${WEIGHT_MAX_KG} kg.`
  // Tenths only (decimal_places=1); compared with a tolerance for binary fractions.
  if (Math.abs(weight * 10 - Math.round(weight * 10)) > 1e-9) return 'Give the weight to one decimal place at most, e.g. 64.5.'
  return null
}

// An IANA name such as "Europe/Amsterdam" or "UTC"; browsers also accept offsets like
// "+02:00", which the server refuses.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/

/** The zone as the server spells it (browsers accept "europe/amsterdam"; the server's list
 * is case-sensitive), or null when it is not an IANA time zone. */
export function canonicalZone(value: string): string | null {
  const zone = value.trim()
  if (!ZONE_NAME.test(zone) || !isValidZone(zone)) return null
  const spelled = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone
  return spelled.toLowerCase() === zone.toLowerCase() ? spelled : zone
}

/** Check the "About you" fields; on success, the values to store on the profile. */
export function checkAbout(draft: AboutDraft, today: string): Checked<AboutDraft, AboutValues> {
  const female = showsMenopause(draft.sex)
  const pregnancy = showsPregnancy(draft)
  const finalPeriod = showsFinalPeriod(draft) ? draft.final_period_date.trim() : ''
  const zone = canonicalZone(draft.timezone)
  const errors: Errors<AboutDraft> = {}
  const birthProblem = checkBirthDate(draft.date_of_birth.trim(), today)
  if (birthProblem) errors.date_of_birth = birthProblem
  // Compared with the date of birth only when that is valid: one mistake, one message.
  const periodProblem = checkFinalPeriod(finalPeriod, birthProblem ? '' : draft.date_of_birth.trim(), today)
  if (periodProblem) errors.final_period_date = periodProblem
  const weightProblem = checkWeight(draft.weight_kg)
  if (weightProblem) errors.weight_kg = weightProblem
  if (!zone) errors.timezone = 'Choose a time zone from the list, e.g. Europe/Amsterdam.'
  if (!SEXES.some(([value]) => value === draft.sex)) errors.sex = 'Choose one of the options.'
  if (female && !MENOPAUSE_STATUSES.some(([value]) => value === draft.menopause_status)) errors.menopause_status = 'Choose one of the options.'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return {
    ok: true,
    values: {
      date_of_birth: draft.date_of_birth.trim(),
      sex: draft.sex,
      menopause_status: female ? draft.menopause_status : 'unknown',
      final_period_date: finalPeriod || null,
      pregnant: pregnancy && draft.pregnant,
      lactating: pregnancy && draft.lactating,
      weight_kg: parseWeight(draft.weight_kg),
      timezone: zone as string,
    },
  }
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)(:00)?$/

/** "HH:MM" as the server stores it, or null when the text is not a time of day. */
export function clockTime(value: string): string | null {
  const match = CLOCK.exec(value.trim())
  return match ? `${match[1]}:${match[2]}` : null
}

/** Check the weekly reminder fields; on success, the values to store on the profile. */
export function checkReminder(draft: ReminderDraft): Checked<ReminderDraft, ReminderValues> {
  const errors: Errors<ReminderDraft> = {}
  const weekday = Number(draft.reminder_weekday)
  if (!Number.isInteger(weekday) || weekday < 1 || weekday > 7) errors.reminder_weekday = 'Choose a day of the week.'
  const time = clockTime(draft.reminder_time)
  if (!time) errors.reminder_time = 'Enter a time of day as hours and minutes, e.g. 18:00.'
  const start = draft.quiet_hours_start.trim()
  const end = draft.quiet_hours_end.trim()
  const quietStart = start ? clockTime(start) : null
  const quietEnd = end ? clockTime(end) : null
  if (start && !quietStart) errors.quiet_hours_start = 'Enter a time of day, e.g. 22:00.'
  if (end && !quietEnd) errors.quiet_hours_end = 'Enter a time of day, e.g. 07:00.'
  // The server's constraint: both ends of the quiet hours, or neither.
  if (Boolean(start) !== Boolean(end)) {
    errors[start ? 'quiet_hours_end' : 'quiet_hours_start'] = 'Give both ends of the quiet hours, or leave both empty.'
  } else if (quietStart && quietStart === quietEnd) {
    errors.quiet_hours_end = 'Quiet hours need to end at another time than they start.'
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return {
    ok: true,
    values: {
      reminder_weekday: weekday,
      reminder_time: time as string,
      remind_in_app: draft.remind_in_app,
      remind_by_push: draft.remind_by_push,
      remind_by_email: draft.remind_by_email,
      quiet_hours_start: quietStart,
      quiet_hours_end: quietEnd,
    },
  }
}
