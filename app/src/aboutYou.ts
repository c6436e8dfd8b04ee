// The first-run "About you" step: what the rules need to know about a member (DESIGN.md
// "Profile") as profile values the server accepts (accounts/models.py Profile and
// accounts/serializers.py ProfileSerializer).
import type { Profile } from './db/rows'
import { isDate } from './planForm'

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

export const REMINDER_DAYS: [string, string][] = [
  ['1', 'Monday'],
  ['2', 'Tuesday'],
  ['3', 'Wednesday'],
  ['4', 'Thursday'],
  ['5', 'Friday'],
  ['6', 'Saturday'],
  ['7', 'Sunday'],
]

const MAX_AGE_YEARS = 120 // ProfileSerializer.validate_date_of_birth
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

export interface AboutDraft {
  date_of_birth: string
  sex: string
  menopause_status: string
  final_period_date: string
  pregnant: boolean
  lactating: boolean
  timezone: string
  reminder_weekday: string
  reminder_time: string
}

export type AboutField = keyof AboutDraft

export type AboutValues = Pick<
  Profile,
  | 'date_of_birth'
  | 'sex'
  | 'menopause_status'
  | 'final_period_date'
  | 'pregnant'
  | 'lactating'
  | 'timezone'
  | 'reminder_weekday'
  | 'reminder_time'
>

export function aboutDraftOf(profile: Profile, zone: string): AboutDraft {
  return {
    date_of_birth: profile.date_of_birth ?? '',
    sex: profile.sex,
    menopause_status: profile.menopause_status || 'unknown',
    final_period_date: profile.final_period_date ?? '',
    pregnant: profile.pregnant,
    lactating: profile.lactating,
    timezone: zone,
    reminder_weekday: String(profile.reminder_weekday || 7),
    reminder_time: (profile.reminder_time || '18:00').slice(0, 5),
  }
}

/** Menopause questions apply to women only. */
export function asksMenopause(draft: AboutDraft): boolean {
  return draft.sex === 'female'
}

/** The date of the final period matters once menopause is behind. */
export function asksFinalPeriod(draft: AboutDraft): boolean {
  return asksMenopause(draft) && draft.menopause_status === 'post'
}

/** Pregnancy and breastfeeding change a woman's reference intakes (DOMAIN.md table). */
export function asksPregnancy(draft: AboutDraft): boolean {
  return asksMenopause(draft) && draft.menopause_status !== 'post'
}

/** Every IANA zone this browser knows, with `also` (the device's or saved zone) included. */
export function zoneChoices(also: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return [...new Set([...known, 'UTC', also])].sort()
}

function checkBirth(date: string, today: string): string | null {
  if (!isDate(date)) return 'Give your date of birth, like 1960-04-21.'
  if (date > today) return 'Your date of birth cannot be in the future.'
  if (Number(date.slice(0, 4)) < Number(today.slice(0, 4)) - MAX_AGE_YEARS) return 'Enter a real date of birth.'
  return null
}

function checkFinalPeriod(draft: AboutDraft, today: string): string | null {
  const date = draft.final_period_date
  if (!date) return null
  if (!isDate(date)) return 'Give the date as year, month and day, or leave it empty.'
  if (date > today) return 'The date of your final period cannot be in the future.'
  if (isDate(draft.date_of_birth) && date <= draft.date_of_birth) return 'The date of your final period must be after your date of birth.'
  return null
}

/** Check the step; the values are ready for update('profiles', …). `today` is the local date
 * and `zones` the zones the server may know (zoneChoices). */
export function checkAbout(
  draft: AboutDraft,
  today: string,
  zones: string[],
): { ok: true; values: AboutValues } | { ok: false; errors: Partial<Record<AboutField, string>> } {
  const errors: Partial<Record<AboutField, string>> = {}
  const birth = checkBirth(draft.date_of_birth, today)
  if (birth) errors.date_of_birth = birth
  if (!SEXES.some(([value]) => value === draft.sex)) errors.sex = 'Choose one of the options.'
  const female = asksMenopause(draft)
  if (female && !MENOPAUSE_STATUSES.some(([value]) => value === draft.menopause_status)) errors.menopause_status = 'Choose one of the options.'
  const finalPeriod = asksFinalPeriod(draft) ? checkFinalPeriod(draft, today) : null
  if (finalPeriod) errors.final_period_date = finalPeriod
  if (!zones.includes(draft.timezone)) errors.timezone = 'Choose your time zone from the list.'
  if (!REMINDER_DAYS.some(([value]) => value === draft.reminder_weekday)) errors.reminder_weekday = 'Choose a day.'
  if (!TIME.test(draft.reminder_time)) errors.reminder_time = 'Give a time like 18:00.'
  if (Object.keys(errors).length) return { ok: false, errors }
  const pregnancy = asksPregnancy(draft)
  return {
    ok: true,
    values: {
      date_of_birth: draft.date_of_birth,
      sex: draft.sex,
      menopause_status: female ? draft.menopause_status : 'unknown',
      final_period_date: asksFinalPeriod(draft) && draft.final_period_date ? draft.final_period_date : null,
      // Only women's reference intakes have pregnancy and lactation rows (the server refuses
      // them for men).
      pregnant: pregnancy && draft.pregnant,
      lactating: pregnancy && draft.lactating,
      timezone: draft.timezone,
      reminder_weekday: Number(draft.reminder_weekday),
      reminder_time: draft.reminder_time,
    },
  }
}
