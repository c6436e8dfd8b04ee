// The plan form's rules: the values a person types become a regimens (or products) row the
// server accepts at sync. The checks mirror the server's (tracking/schedule_fields.py
// clean_schedule, the Regimen and Product model fields and constraints, and
// ProductSerializer.validate), because a push the server refuses is refused as a whole.
import { servingsText } from './doses'
import type { Product, Regimen, ScheduleKind } from './rows'
import { parseList } from './rows'

// --- Choices (tracking/models.py) ------------------------------------------------------
export const SCHEDULE_KINDS: [ScheduleKind, string][] = [
  ['daily', 'Daily'],
  ['weekdays', 'On given weekdays'],
  ['monthly', 'Monthly on a day'],
  ['interval', 'Every few days'],
  ['as_needed', 'As needed'],
]

export const SERVING_UNITS: [string, string][] = [
  ['tablet', 'tablet'],
  ['capsule', 'capsule'],
  ['softgel', 'softgel'],
  ['drop', 'drop'],
  ['scoop', 'scoop'],
  ['sachet', 'sachet'],
  ['ml', 'ml'],
]

export const PRODUCT_KINDS: [Product['kind'], string][] = [
  ['supplement', 'Supplement'],
  ['medicine', 'Medicine'],
]

export const DRUG_CLASSES: [string, string][] = [
  ['', 'None'],
  ['bisphosphonate', 'Bisphosphonate'],
  ['vitamin_k_antagonist', 'Vitamin K antagonist'],
  ['glucocorticoid', 'Glucocorticoid'],
  ['antacid', 'Antacid'],
  ['other', 'Other'],
]

export const DRUGS: [string, string][] = [
  ['', 'None'],
  ['alendronate', 'Alendronate'],
  ['risedronate', 'Risedronate'],
  ['ibandronate', 'Ibandronate'],
  ['warfarin', 'Warfarin'],
  ['acenocoumarol', 'Acenocoumarol'],
  ['phenprocoumon', 'Phenprocoumon'],
  ['prednisolone', 'Prednisolone'],
  ['prednisone', 'Prednisone'],
  ['other', 'Other'],
]

// Which drugs belong to which class, so the drug list only offers ones that fit.
const DRUGS_OF_CLASS: Record<string, string[]> = {
  bisphosphonate: ['alendronate', 'risedronate', 'ibandronate', 'other'],
  vitamin_k_antagonist: ['warfarin', 'acenocoumarol', 'phenprocoumon', 'other'],
  glucocorticoid: ['prednisolone', 'prednisone', 'other'],
}

export function drugsFor(drugClass: string): [string, string][] {
  const fitting = DRUGS_OF_CLASS[drugClass]
  if (!drugClass) return DRUGS.filter(([value]) => value === '')
  if (!fitting) return DRUGS.filter(([value]) => value === '' || value === 'other')
  return DRUGS.filter(([value]) => value === '' || fitting.includes(value))
}

export const RELEASES: [string, string][] = [
  ['immediate', 'Immediate release'],
  ['delayed', 'Delayed release'],
]

// How often a medicine's label says it is taken (tracking/models.py UsualSchedule): a plan
// that takes it more often is a finding to confirm before saving.
export const USUAL_SCHEDULES: [string, string][] = [
  ['', 'Not stated'],
  ['daily', 'Once a day'],
  ['weekly', 'Once a week'],
  ['monthly', 'Once a month'],
]

export const WEEKDAYS: [number, string][] = [
  [1, 'Monday'],
  [2, 'Tuesday'],
  [3, 'Wednesday'],
  [4, 'Thursday'],
  [5, 'Friday'],
  [6, 'Saturday'],
  [7, 'Sunday'],
]

// --- Limits (tracking/models.py, tracking/schedule_fields.py) --------------------------------
const MAX_TIMES_PER_DAY = 12
const MAX_SERVINGS = 100
const MIN_INTERVAL = 2
const MAX_INTERVAL = 365
const MAX_NOTE = 1000
const MAX_NAME = 120
const MAX_BRAND = 80
const MAX_STRENGTH = 99999.999 // DecimalField(max_digits=8, decimal_places=3)
// Reminders and stock (Regimen.follow_up_minutes, pack_size, refill_days; StockEvent.servings).
export const FOLLOW_UP_MINUTES = [5, 240] as const
export const REFILL_DAYS = [1, 60] as const
const MAX_PACK = 999999.99 // DecimalField(max_digits=8, decimal_places=2), at least 0.01
const MAX_STOCK = 9999 // StockEvent.servings: 0 to 9999, two decimals
export const DEFAULT_REFILL_DAYS = 7
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

// --- Plans -----------------------------------------------------------------------------
export interface PlanDraft {
  product_id: string
  schedule_kind: ScheduleKind
  times: string[]
  weekdays: number[]
  day_of_month: string
  interval_days: string
  servings_per_dose: string
  start_date: string
  note: string
  // Reminders at each time, the follow-up's minutes ('' for the member's default); servings
  // in a pack ('' for not said) and the refill notice in days.
  remind: boolean
  follow_up_minutes: string
  pack_size: string
  refill_days: string
}

export type PlanField = keyof PlanDraft
export type Errors<F extends string> = Partial<Record<F, string>>

export type RegimenValues = Pick<
  Regimen,
  'product_id' | 'schedule_kind' | 'times' | 'weekdays' | 'day_of_month' | 'interval_days' | 'servings_per_dose' | 'start_date' | 'note'
> &
  Partial<Pick<Regimen, 'remind' | 'follow_up_minutes' | 'pack_size' | 'refill_days'>>

export type Checked<V, F extends string> = { ok: true; values: V } | { ok: false; errors: Errors<F> }

export function newPlanDraft(today: string, refillDays: number = DEFAULT_REFILL_DAYS): PlanDraft {
  return {
    product_id: '',
    schedule_kind: 'daily',
    times: ['08:00'],
    weekdays: [],
    day_of_month: '1',
    interval_days: '2',
    servings_per_dose: '1',
    start_date: today,
    note: '',
    remind: false,
    follow_up_minutes: '',
    pack_size: '',
    refill_days: String(refillDays),
  }
}

/** Whether the device has the plan's reminder and stock settings: not while a plan upgraded
 * from schema 3 waits for its next pull (refill_days is 0 until then). */
export function knowsReminderSettings(regimen: Regimen | undefined): boolean {
  return !regimen || regimen.refill_days > 0
}

/** The form's values for an existing plan; fields its kind does not use get defaults. */
export function planDraftOf(regimen: Regimen): PlanDraft {
  const times = parseList<string>(regimen.times)
  return {
    product_id: regimen.product_id,
    schedule_kind: regimen.schedule_kind,
    times: times.length ? times : ['08:00'],
    weekdays: parseList<number>(regimen.weekdays),
    day_of_month: String(regimen.day_of_month ?? 1),
    interval_days: String(regimen.interval_days ?? 2),
    servings_per_dose: String(regimen.servings_per_dose),
    start_date: regimen.start_date,
    note: regimen.note,
    remind: regimen.remind,
    follow_up_minutes: regimen.follow_up_minutes === null ? '' : String(regimen.follow_up_minutes),
    pack_size: regimen.pack_size === null ? '' : String(regimen.pack_size),
    refill_days: String(regimen.refill_days || DEFAULT_REFILL_DAYS),
  }
}

/** Whether a string is a real calendar date "YYYY-MM-DD". */
export function isDate(text: string): boolean {
  if (!DATE.test(text)) return false
  const parsed = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text
}

/** A whole number in [min, max] typed as text, or null. */
function wholeIn(text: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null
  const value = Number(text)
  return value >= min && value <= max ? value : null
}

/** A decimal number typed as text (a comma counts as the decimal point), or null. */
function decimal(text: string): number | null {
  const cleaned = text.trim().replace(',', '.')
  if (!/^\d*\.?\d+$/.test(cleaned) && !/^\d+\.$/.test(cleaned)) return null
  return Number(cleaned)
}

function decimalsOf(text: string): number {
  const [, fraction = ''] = text.trim().replace(',', '.').split('.')
  return fraction.length
}

function checkServings(text: string): string | null {
  const value = decimal(text)
  if (value === null) return 'Give the servings per dose as a number, like 1 or 0.5.'
  if (decimalsOf(text) > 2) return 'Use at most 2 decimals for the servings.'
  if (value < 0.01) return 'Servings per dose must be at least 0.01.'
  if (value > MAX_SERVINGS) return `At most ${MAX_SERVINGS} servings per dose.`
  return null
}

function checkTimes(times: string[]): string | null {
  const given = times.map((t) => t.trim()).filter(Boolean)
  if (given.length === 0) return 'Give at least one time of day.'
  if (!given.every((t) => TIME.test(t))) return 'Each time must be a 24-hour time like 08:00.'
  if (new Set(given).size > MAX_TIMES_PER_DAY) return `At most ${MAX_TIMES_PER_DAY} times a day.`
  return null
}

/** An amount of servings as typed ('' allowed when `optional`): the number, or the problem. */
export function servingsAmount(text: string, min: number, max: number, what: string): { value: number } | { error: string } {
  const value = decimal(text)
  if (value === null) return { error: `Give ${what} as a number, like 30 or 12.5.` }
  if (decimalsOf(text) > 2) return { error: `Use at most 2 decimals for ${what}.` }
  if (value < min || value > max) return { error: `Give ${what} from ${min} to ${max.toLocaleString('en-GB')}.` }
  return { value }
}

/** A count of what is on hand, or a refill (a stock entry's servings). */
export function checkStock(text: string, what: string): { value: number } | { error: string } {
  return servingsAmount(text, 0, MAX_STOCK, what)
}

function checkReminderSettings(draft: PlanDraft, errors: Errors<PlanField>): Partial<RegimenValues> {
  const followUp = draft.follow_up_minutes.trim() === '' ? null : wholeIn(draft.follow_up_minutes, ...FOLLOW_UP_MINUTES)
  if (draft.follow_up_minutes.trim() !== '' && followUp === null) {
    errors.follow_up_minutes = `Give the minutes from ${FOLLOW_UP_MINUTES[0]} to ${FOLLOW_UP_MINUTES[1]}, or leave it empty for your default.`
  }
  let pack: number | null = null
  if (draft.pack_size.trim() !== '') {
    const found = servingsAmount(draft.pack_size, 0.01, MAX_PACK, 'the pack size')
    if ('error' in found) errors.pack_size = found.error
    else pack = found.value
  }
  const refill = wholeIn(draft.refill_days, ...REFILL_DAYS)
  if (refill === null) errors.refill_days = `Give a number of days from ${REFILL_DAYS[0]} to ${REFILL_DAYS[1]}.`
  return { remind: draft.remind, follow_up_minutes: followUp, pack_size: pack, refill_days: refill ?? DEFAULT_REFILL_DAYS }
}

const USES_TIMES: ScheduleKind[] = ['daily', 'weekdays', 'monthly', 'interval']

/** Check a plan draft; the values are ready for create/update('regimens', …). `endDate` is
 * the plan's end when editing one (the start may not pass it). Without `withReminders` (the
 * device does not have the plan's settings yet) they are left as the server has them. */
export function checkPlan(draft: PlanDraft, endDate: string | null = null, withReminders: boolean = true): Checked<RegimenValues, PlanField> {
  const errors: Errors<PlanField> = {}
  const reminders = withReminders ? checkReminderSettings(draft, errors) : {}
  const kind = draft.schedule_kind
  if (!draft.product_id) errors.product_id = 'Choose a product, or add your own.'
  if (!SCHEDULE_KINDS.some(([value]) => value === kind)) errors.schedule_kind = 'Choose a schedule.'
  const usesTimes = USES_TIMES.includes(kind)
  const timesProblem = usesTimes ? checkTimes(draft.times) : null
  if (timesProblem) errors.times = timesProblem
  if (kind === 'weekdays' && !draft.weekdays.some((d) => d >= 1 && d <= 7)) errors.weekdays = 'Choose at least one weekday.'
  const day = wholeIn(draft.day_of_month, 1, 31)
  if (kind === 'monthly' && day === null) errors.day_of_month = 'Give a day of the month from 1 to 31.'
  const every = wholeIn(draft.interval_days, MIN_INTERVAL, MAX_INTERVAL)
  if (kind === 'interval' && every === null) errors.interval_days = `Give a number of days from ${MIN_INTERVAL} to ${MAX_INTERVAL}.`
  const servingsProblem = checkServings(draft.servings_per_dose)
  if (servingsProblem) errors.servings_per_dose = servingsProblem
  if (!isDate(draft.start_date)) errors.start_date = 'Give the date you start, like 2025-03-01.'
  else if (endDate !== null && draft.start_date > endDate) errors.start_date = `This plan ended on ${endDate}; the start must be on or before that.`
  if (draft.note.length > MAX_NOTE) errors.note = `Keep the note to ${MAX_NOTE} characters (now ${draft.note.length}).`
  if (Object.keys(errors).length) return { ok: false, errors }

  // The normal form the server stores: sorted unique times and weekdays, unused fields empty.
  const times = usesTimes ? [...new Set(draft.times.map((t) => t.trim()).filter(Boolean))].sort() : []
  const weekdays = kind === 'weekdays' ? [...new Set(draft.weekdays)].sort((a, b) => a - b) : []
  return {
    ok: true,
    values: {
      product_id: draft.product_id,
      schedule_kind: kind,
      times: JSON.stringify(times),
      weekdays: JSON.stringify(weekdays),
      day_of_month: kind === 'monthly' ? day : null,
      interval_days: kind === 'interval' ? every : null,
      servings_per_dose: decimal(draft.servings_per_dose)!,
      start_date: draft.start_date,
      note: draft.note,
      ...reminders,
    },
  }
}

// --- Plans in words ----------------------------------------------------------------------
/** "a", "a and b", "a, b and c". */
export function joinWords(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

const PLURAL_DAYS = new Map(WEEKDAYS.map(([n, name]) => [n, `${name}s`]))

/** "Daily at 08:00 and 20:00", "Mondays at 07:00", "Monthly on day 1 at 09:00", … */
export function scheduleWords(regimen: Pick<Regimen, 'schedule_kind' | 'times' | 'weekdays' | 'day_of_month' | 'interval_days'>): string {
  const times = parseList<string>(regimen.times)
  const at = times.length ? ` at ${joinWords([...times].sort())}` : ''
  switch (regimen.schedule_kind) {
    case 'daily':
      return `Daily${at}`
    case 'weekdays': {
      const days = [...new Set(parseList<number>(regimen.weekdays))].sort((a, b) => a - b)
      if (days.length === 7) return `Every day${at}`
      return `${joinWords(days.map((d) => PLURAL_DAYS.get(d) ?? `day ${d}`))}${at}`
    }
    case 'monthly':
      return `Monthly on day ${regimen.day_of_month}${at}`
    case 'interval':
      return `Every ${regimen.interval_days} days${at}`
    default:
      return 'As needed'
  }
}

/** "2 tablets per dose". */
export function servingsWords(regimen: Pick<Regimen, 'servings_per_dose'>, product: Product | undefined): string {
  return `${servingsText(regimen.servings_per_dose, product?.serving_unit ?? 'serving')} per dose`
}

const dayMonthYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** "3 March 2025" for a local date. */
export function dateWords(date: string): string {
  return dayMonthYear.format(new Date(`${date}T12:00:00Z`))
}

// --- Own products ----------------------------------------------------------------------
export interface ProductDraft {
  name: string
  brand: string
  kind: Product['kind']
  serving_unit: string
  strength_mg: string
  drug_class: string
  drug: string
  release: string
  usual_schedule: string
}

export type ProductField = keyof ProductDraft

export type ProductValues = Omit<Product, 'id' | 'created_at' | 'updated_at'>

export function newProductDraft(): ProductDraft {
  return { name: '', brand: '', kind: 'supplement', serving_unit: 'capsule', strength_mg: '', drug_class: '', drug: '', release: 'immediate', usual_schedule: '' }
}

const has = (choices: [string, string][], value: string) => choices.some(([v]) => v === value)

function checkStrength(text: string): string | null {
  if (!text.trim()) return null
  const value = decimal(text)
  if (value === null) return 'Give the strength in mg as a number, like 70 or 2.5, or leave it empty.'
  if (decimalsOf(text) > 3) return 'Use at most 3 decimals for the strength.'
  if (value < 0.001) return 'The strength must be more than 0 mg.'
  if (value > MAX_STRENGTH) return 'The strength must be under 100000 mg.'
  return null
}

/** Check an own product; the values are ready for create('products', …). */
export function checkProduct(draft: ProductDraft): Checked<ProductValues, ProductField> {
  const errors: Errors<ProductField> = {}
  const name = draft.name.trim()
  const brand = draft.brand.trim()
  if (!name) errors.name = 'Give the product’s name.'
  else if (name.length > MAX_NAME) errors.name = `At most ${MAX_NAME} characters.`
  if (brand.length > MAX_BRAND) errors.brand = `At most ${MAX_BRAND} characters.`
  if (!has(PRODUCT_KINDS, draft.kind)) errors.kind = 'Choose supplement or medicine.'
  if (!has(SERVING_UNITS, draft.serving_unit)) errors.serving_unit = 'Choose a serving unit.'
  const strength = checkStrength(draft.strength_mg)
  if (strength) errors.strength_mg = strength
  const medicine = draft.kind === 'medicine'
  // Only medicines have a drug class and drug (the server's product_drug_only_for_medicines).
  if (medicine && !has(DRUG_CLASSES, draft.drug_class)) errors.drug_class = 'Choose a drug class.'
  if (medicine && !has(drugsFor(draft.drug_class), draft.drug)) errors.drug = 'Choose a drug that fits the drug class.'
  if (!has(RELEASES, draft.release)) errors.release = 'Choose immediate or delayed release.'
  if (!has(USUAL_SCHEDULES, draft.usual_schedule)) errors.usual_schedule = 'Choose how often the label says it is taken.'
  if (Object.keys(errors).length) return { ok: false, errors }
  return {
    ok: true,
    values: {
      name,
      brand,
      kind: draft.kind,
      drug_class: medicine ? draft.drug_class : '',
      drug: medicine ? draft.drug : '',
      release: medicine ? draft.release : 'immediate',
      strength_mg: draft.strength_mg.trim() ? decimal(draft.strength_mg) : null,
      serving_unit: draft.serving_unit,
      notes: '',
      usual_schedule: medicine ? draft.usual_schedule : '',
      ingredients: '[]',
    },
  }
}
