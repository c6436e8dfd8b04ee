// The profile's choices and rules, for both forms that edit it: Settings ("About you" and
// "Weekly reminder") and the first-run step (Onboarding: "About you" with the weekly
// summary's day and time). Fields as typed are checked and shaped into column values. The
// checks mirror the server (accounts/serializers.py ProfileSerializer, the Profile model's
// choices, validators and constraints, which syncapi/writers.py ProfileWriter applies through
// full_clean) so a profile saved on the device is never refused when it syncs. Pure: the
// caller passes today's date in the member's zone.
import { memberDayOf } from './planFacts'
import { USUAL_DAY } from './planTypes'
import type { Profile, Regimen } from './rows'
import { isValidZone } from './time'

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

/** The first-run step: "About you" without the weight, and the weekly summary's day and time. */
export type FirstRunDraft = Omit<AboutDraft, 'weight_kg'> & Pick<ReminderDraft, 'reminder_weekday' | 'reminder_time'>
export type FirstRunValues = Omit<AboutValues, 'weight_kg'> & Pick<ReminderValues, 'reminder_weekday' | 'reminder_time'>

export type Errors<D> = Partial<Record<keyof D, string>>
export type Checked<D, V> = { ok: true; values: V } | { ok: false; errors: Errors<D> }

/** What the checks say. Both forms apply the same rules, each in its own words. */
interface Wording {
  birthMissing: string
  birthNotADate: string
  birthInFuture: string
  birthTooOld: string
  periodNotADate: string
  periodInFuture: string
  periodBeforeBirth: string
  zone: string
  weekday: string
  time: string
}

// One wording for the first run and Settings: the same question gets the same answer.
const WORDS: Wording = {
  birthMissing: 'Enter your date of birth: the reference intakes depend on your age.',
  birthNotADate: 'Enter a date as year-month-day, e.g. 1968-04-21.',
  birthInFuture: 'A date of birth cannot be in the future.',
  birthTooOld: `Enter a real date of birth (at most ${MAX_AGE_YEARS} years ago).`,
  periodNotADate: 'Enter a date as year-month-day, e.g. 2021-03-01.',
  periodInFuture: 'The final period date cannot be in the future.',
  periodBeforeBirth: 'The final period date must be after your date of birth.',
  zone: 'Choose a time zone from the list, e.g. Europe/Amsterdam.',
  weekday: 'Choose a day of the week.',
  time: 'Enter a time of day as hours and minutes, e.g. 18:00.',
}

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

/** The first-run step's fields: the profile's answers, the zone this device is set to (the
 * step asks for the zone afresh) and the weekly summary, Sunday 18:00 unless set. */
export function firstRunDraft(profile: Profile, deviceZone: string): FirstRunDraft {
  const { weight_kg: _weight, ...about } = aboutDraft(profile)
  return {
    ...about,
    timezone: deviceZone,
    reminder_weekday: String(profile.reminder_weekday || 7),
    reminder_time: (profile.reminder_time || '18:00').slice(0, 5),
  }
}

/** Every IANA zone this browser knows, with `also` (the device's or saved zone) included. */
export function zoneChoices(also: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return [...new Set([...known, 'UTC', also])].sort()
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

// Both forms ask the same questions, so a profile reads the same in both. Menopause and
// pregnancy belong to the female reference intakes (the server refuses a male profile that
// is pregnant or lactating).
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

function checkBirthDate(value: string, today: string, words: Wording): string | null {
  // The server allows none, but the app asks for it on first run (Onboarding) and would
  // send a member without one back there.
  if (value === '') return words.birthMissing
  if (!isIsoDate(value)) return words.birthNotADate
  if (value > today) return words.birthInFuture
  if (Number(value.slice(0, 4)) < Number(today.slice(0, 4)) - MAX_AGE_YEARS) return words.birthTooOld
  return null
}

function checkFinalPeriod(value: string, birth: string, today: string, words: Wording): string | null {
  if (value === '') return null
  if (!isIsoDate(value)) return words.periodNotADate
  if (value > today) return words.periodInFuture
  if (birth && isIsoDate(birth) && value <= birth) return words.periodBeforeBirth
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

type AboutQuestions = Omit<AboutDraft, 'weight_kg'>

/** The questions both forms ask: the problems found, and the values when there are none. */
function checkQuestions<D extends AboutQuestions>(draft: D, today: string, words: Wording): { errors: Errors<D>; values: Omit<AboutValues, 'weight_kg'> } {
  const female = showsMenopause(draft.sex)
  const pregnancy = showsPregnancy(draft)
  const finalPeriod = showsFinalPeriod(draft) ? draft.final_period_date.trim() : ''
  const zone = canonicalZone(draft.timezone)
  const errors: Errors<D> = {}
  const birthProblem = checkBirthDate(draft.date_of_birth.trim(), today, words)
  if (birthProblem) errors.date_of_birth = birthProblem
  // Compared with the date of birth only when that is valid: one mistake, one message.
  const periodProblem = checkFinalPeriod(finalPeriod, birthProblem ? '' : draft.date_of_birth.trim(), today, words)
  if (periodProblem) errors.final_period_date = periodProblem
  if (!zone) errors.timezone = words.zone
  if (!SEXES.some(([value]) => value === draft.sex)) errors.sex = 'Choose one of the options.'
  if (female && !MENOPAUSE_STATUSES.some(([value]) => value === draft.menopause_status)) errors.menopause_status = 'Choose one of the options.'
  return {
    errors,
    values: {
      date_of_birth: draft.date_of_birth.trim(),
      sex: draft.sex,
      menopause_status: female ? draft.menopause_status : 'unknown',
      final_period_date: finalPeriod || null,
      pregnant: pregnancy && draft.pregnant,
      lactating: pregnancy && draft.lactating,
      timezone: zone as string,
    },
  }
}

/** Check the "About you" fields (Settings); on success, the values to store on the profile. */
export function checkAbout(draft: AboutDraft, today: string): Checked<AboutDraft, AboutValues> {
  const { errors, values } = checkQuestions(draft, today, WORDS)
  const weightProblem = checkWeight(draft.weight_kg)
  if (weightProblem) errors.weight_kg = weightProblem
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return { ok: true, values: { ...values, weight_kg: parseWeight(draft.weight_kg) } }
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)(:00)?$/

/** "HH:MM" as the server stores it, or null when the text is not a time of day. */
export function clockTime(value: string): string | null {
  const match = CLOCK.exec(value.trim())
  return match ? `${match[1]}:${match[2]}` : null
}

/** An ISO weekday (1 Monday … 7 Sunday) as chosen, or null. */
function weekdayOf(value: string): number | null {
  const weekday = Number(value)
  return Number.isInteger(weekday) && weekday >= 1 && weekday <= 7 ? weekday : null
}

/** Check the first-run step; on success, the values to store on the profile. */
export function checkFirstRun(draft: FirstRunDraft, today: string): Checked<FirstRunDraft, FirstRunValues> {
  const { errors, values } = checkQuestions(draft, today, WORDS)
  const weekday = weekdayOf(draft.reminder_weekday)
  if (weekday === null) errors.reminder_weekday = WORDS.weekday
  const time = clockTime(draft.reminder_time)
  if (!time) errors.reminder_time = WORDS.time
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return { ok: true, values: { ...values, reminder_weekday: weekday as number, reminder_time: time as string } }
}

/** Check the weekly reminder fields (Settings); on success, the values to store on the profile. */
export function checkReminder(draft: ReminderDraft): Checked<ReminderDraft, ReminderValues> {
  const errors: Errors<ReminderDraft> = {}
  const weekday = weekdayOf(draft.reminder_weekday)
  if (weekday === null) errors.reminder_weekday = WORDS.weekday
  const time = clockTime(draft.reminder_time)
  if (!time) errors.reminder_time = WORDS.time
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
      reminder_weekday: weekday as number,
      reminder_time: time as string,
      remind_in_app: draft.remind_in_app,
      remind_by_push: draft.remind_by_push,
      remind_by_email: draft.remind_by_email,
      quiet_hours_start: quietStart,
      quiet_hours_end: quietEnd,
    },
  }
}

// --- Your usual day -------------------------------------------------------------------------
// The day planner's input (Settings → Your usual day). The checks are the server's
// (accounts/models.py Profile.clean): waking before bedtime, meals between them and in order.

export interface DayDraft {
  wake_time: string
  breakfast_time: string
  lunch_time: string
  dinner_time: string
  bed_time: string
  skip_breakfast: boolean
  skip_lunch: boolean
  skip_dinner: boolean
}

export type DayValues = Pick<Profile, 'wake_time' | 'breakfast_time' | 'lunch_time' | 'dinner_time' | 'bed_time'>

export const MEAL_FIELDS = [
  ['breakfast_time', 'skip_breakfast', 'breakfast'],
  ['lunch_time', 'skip_lunch', 'lunch'],
  ['dinner_time', 'skip_dinner', 'dinner'],
] as const

/** The form's fields for a profile: its day, or the server's defaults until it has one. A
 * skipped meal keeps the default time in its field, for when it is taken again. */
export function dayDraft(profile: Profile): DayDraft {
  const day = memberDayOf(profile)
  return {
    wake_time: day.wake,
    breakfast_time: day.breakfast ?? USUAL_DAY.breakfast!,
    lunch_time: day.lunch ?? USUAL_DAY.lunch!,
    dinner_time: day.dinner ?? USUAL_DAY.dinner!,
    bed_time: day.bed,
    skip_breakfast: day.breakfast === null,
    skip_lunch: day.lunch === null,
    skip_dinner: day.dinner === null,
  }
}

/** Check the usual day; on success, the values to store on the profile. */
export function checkDay(draft: DayDraft): Checked<DayDraft, DayValues> {
  const errors: Errors<DayDraft> = {}
  const wake = clockTime(draft.wake_time)
  const bed = clockTime(draft.bed_time)
  if (!wake) errors.wake_time = 'Enter the time you usually wake up, e.g. 07:00.'
  if (!bed) errors.bed_time = 'Enter the time you usually go to bed, e.g. 22:30.'
  const meals: [(typeof MEAL_FIELDS)[number][0], string][] = []
  for (const [field, skip, name] of MEAL_FIELDS) {
    if (draft[skip]) continue
    const at = clockTime(draft[field])
    if (at) meals.push([field, at])
    else errors[field] = `Enter the time of your ${name}, e.g. ${USUAL_DAY[name]}, or tick “I skip ${name}”.`
  }
  if (wake && bed) {
    if (!(wake < bed)) errors.bed_time = 'Bedtime comes after waking, on the same day.'
    else {
      const outside = meals.find(([, at]) => at < wake || at > bed)
      if (outside) errors[outside[0]] = 'Meals fall between waking and bedtime.'
    }
  }
  const unordered = meals.find(([, at], i) => i > 0 && at < meals[i - 1][1])
  if (unordered && !errors[unordered[0]]) errors[unordered[0]] = 'Breakfast, lunch and dinner come in that order.'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  const value = (field: (typeof MEAL_FIELDS)[number][0]) => meals.find(([f]) => f === field)?.[1] ?? null
  return {
    ok: true,
    values: { wake_time: wake!, breakfast_time: value('breakfast_time'), lunch_time: value('lunch_time'), dinner_time: value('dinner_time'), bed_time: bed! },
  }
}

// --- Dose reminders ---------------------------------------------------------------------------
// The member's defaults (Settings → Dose reminders): the follow-up after a dose not logged
// (Profile.follow_up_minutes, 5 to 240), e-mail for doses, the zone reminders follow, and the
// refill notice, which is each plan's (Regimen.refill_days, 1 to 60): saved to every plan.

export const REMINDER_ZONES: [string, string][] = [
  ['home', 'Keep my home time zone'],
  ['phone', 'Follow this phone’s time zone'],
]

export interface DoseReminderDraft {
  follow_up_minutes: string
  dose_reminders_by_email: boolean
  reminder_zone: string
  refill_days: string
}

export type DoseReminderValues = Pick<Profile, 'follow_up_minutes' | 'dose_reminders_by_email' | 'reminder_zone'> & { refill_days: number }

/** The form's fields: the profile's settings and the refill notice the plans share (the most
 * common one, 7 days without plans). */
export function doseReminderDraft(profile: Profile, refillDays: number): DoseReminderDraft {
  return {
    follow_up_minutes: String(profile.follow_up_minutes || 30),
    dose_reminders_by_email: profile.dose_reminders_by_email,
    reminder_zone: profile.reminder_zone || 'home',
    refill_days: String(refillDays),
  }
}

/** The refill notice most of the plans have (the Settings default and a new plan's). */
export function usualRefillDays(plans: Pick<Regimen, 'refill_days'>[]): number {
  const counts = new Map<number, number>()
  for (const { refill_days: days } of plans) if (days > 0) counts.set(days, (counts.get(days) ?? 0) + 1)
  let best = 7
  let most = 0
  for (const [days, n] of counts) if (n > most || (n === most && days < best)) [best, most] = [days, n]
  return best
}

function wholeBetween(text: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null
  const value = Number(text)
  return value >= min && value <= max ? value : null
}

export function checkDoseReminders(draft: DoseReminderDraft): Checked<DoseReminderDraft, DoseReminderValues> {
  const errors: Errors<DoseReminderDraft> = {}
  const followUp = wholeBetween(draft.follow_up_minutes, 5, 240)
  if (followUp === null) errors.follow_up_minutes = 'Give the minutes from 5 to 240.'
  const refill = wholeBetween(draft.refill_days, 1, 60)
  if (refill === null) errors.refill_days = 'Give a number of days from 1 to 60.'
  if (!REMINDER_ZONES.some(([value]) => value === draft.reminder_zone)) errors.reminder_zone = 'Choose one of the options.'
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return {
    ok: true,
    values: {
      follow_up_minutes: followUp as number,
      dose_reminders_by_email: draft.dose_reminders_by_email,
      reminder_zone: draft.reminder_zone as Profile['reminder_zone'],
      refill_days: refill as number,
    },
  }
}
