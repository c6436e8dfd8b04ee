// A flag as a person reads it: most urgent first, severity in words, and its evidence (JSON
// written by the server's rules, tracking/rules/flags/) as short facts: labels in words,
// quantities with units, dates spelled out, internal ids left out. Keys the rules add later
// still show, with a label made from the key.
import { fullDate } from './calendar'
import type { Flag } from './rows'

const SEVERITY_RANK: Record<Flag['severity'], number> = { critical: 0, warning: 1, info: 2 }

export const SEVERITY_WORDS: Record<Flag['severity'], string> = { critical: 'Critical', warning: 'Warning', info: 'Info' }

/** Critical before warning before info; within a severity the newest first. */
export function compareFlags(a: Pick<Flag, 'severity' | 'first_seen_at'>, b: Pick<Flag, 'severity' | 'first_seen_at'>): number {
  const rank = (flag: Pick<Flag, 'severity'>) => SEVERITY_RANK[flag.severity] ?? 9
  return rank(a) - rank(b) || b.first_seen_at - a.first_seen_at
}

export interface Fact {
  label: string
  value: string
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

// The nutrient and product codes the rules name (tracking/migrations/0002_catalogue.py).
const NUTRIENTS: Record<string, string> = {
  calcium: 'calcium',
  magnesium: 'magnesium',
  zinc: 'zinc',
  vitamin_d: 'vitamin D',
  vitamin_k: 'vitamin K',
  d3: 'vitamin D3',
  d2: 'vitamin D2',
  k1: 'vitamin K1',
  k2_mk7: 'vitamin K2 (MK-7)',
  k2_mk4: 'vitamin K2 (MK-4)',
}

// Flag codes that appear as "checks" in the evidence of profile gaps.
const CHECKS: Record<string, string> = {
  life_stage: 'life stage',
  above_upper_limit: 'upper limits',
  child_adult_mk7_dose: 'MK-7 dose for a child',
}

const MENOPAUSE: Record<string, string> = {
  pre: 'before menopause',
  peri: 'around menopause',
  post: 'after menopause',
  unknown: 'not given',
}

const LABELS: Record<string, string> = {
  product: 'Product',
  drug: 'Medicine',
  release: 'Release',
  cadence: 'Schedule',
  nutrient: 'Nutrient',
  age_years: 'Age',
  sex: 'Sex',
  life_stage: 'Life stage',
  window_years: 'Ages',
  from_years: 'From age',
  ask_between_years: 'Asked between ages',
  menopause_status: 'Menopause',
  final_period_date: 'Final period',
  threshold: 'Threshold',
  threshold_pct: 'Threshold',
  threshold_basis: 'Measured as',
  upper_limit: 'Upper limit a day',
  scheduled_per_day: 'Planned a day',
  scheduled_regimens: 'Planned from',
  highest_logged_day: 'Highest logged day',
  wait_minutes: 'Wait after the dose',
  conflicts: 'Too close together',
  missed: 'Missed',
  antagonists: 'Vitamin K antagonist',
  vitamin_k_products: 'Vitamin K products',
  window_days: 'Looked at',
  weeks: 'Vitamin K a week',
  largest_change_pct: 'Largest change',
  pdc_pct: 'Days covered',
  period: 'Period',
  limit_note: 'Note',
  found: 'Found',
  missing: 'Not found',
  blocked_checks: 'Checks not possible',
  nutrients_unchecked: 'Nutrients not checked',
  sex_dependent_nutrients: 'Depends on sex',
  life_stage_window_unclear: 'Life stage unclear',
}

// Internal ids mean nothing to a person; the flag's text already names what they point at.
// same_morning_rule only restates that wait_minutes is empty.
const HIDDEN = new Set(['origin', 'same_morning_rule'])

function hidden(key: string): boolean {
  return key === 'id' || key.endsWith('_id') || HIDDEN.has(key)
}

function empty(value: Json): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0)
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** "some_key" → "Some key", for keys without a label. */
export function labelFor(key: string): string {
  return LABELS[key] ?? sentence(key.replace(/_/g, ' '))
}

function number(value: number): string {
  return String(Math.round(value * 10) / 10)
}

function quantity(value: JsonObject): string | null {
  if (typeof value.amount !== 'number' || typeof value.unit !== 'string') return null
  return `${number(value.amount)} ${value.unit}`
}

function code(value: string, names: Record<string, string>): string {
  return names[value] ?? value.replace(/_/g, ' ')
}

/** Wall date and time exactly as the server wrote them (already in the member's zone). */
function dateTime(text: string): string {
  return `${fullDate(text.slice(0, 10))}, ${text.slice(11, 16)}`
}

function item(value: Json): string {
  if (value === null || empty(value)) return ''
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'number') return number(value)
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return fullDate(value)
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return dateTime(value)
    return value
  }
  if (Array.isArray(value)) return value.map(item).filter(Boolean).join('; ')
  const amount = quantity(value)
  if (amount) return amount
  return Object.entries(value)
    .filter(([key, inner]) => !hidden(key) && !empty(inner))
    .map(([key, inner]) => `${labelFor(key).toLowerCase()}: ${item(inner)}`)
    .join(', ')
}

function range(value: Json): string {
  return Array.isArray(value) && value.length === 2 ? `${item(value[0])}–${item(value[1])}` : item(value)
}

function conflict(value: Json): string {
  if (!isObject(value) || !isObject(value.bisphosphonate) || !isObject(value.other)) return item(value)
  const first = value.bisphosphonate
  const other = value.other
  const when = typeof first.at === 'string' ? dateTime(first.at) : ''
  const kind = other.origin === 'scheduled' ? 'planned' : 'logged'
  return `${item(other.product)} ${item(value.minutes_after)} minutes after ${item(first.product)} on ${when} (${kind})`
}

function productWithAmount(value: Json): string {
  if (!isObject(value)) return item(value)
  const amount = isObject(value.per_serving) ? quantity(value.per_serving) : null
  return amount ? `${item(value.product)} (${amount} a serving)` : item(value.product)
}

function weekAmount(value: Json): string {
  if (!isObject(value)) return item(value)
  return `week of ${item(value.week_start)}: ${quantity(value) ?? ''}`
}

function regimenAmount(value: Json): string {
  if (!isObject(value)) return item(value)
  return `${item(value.product)}: ${quantity(value) ?? ''}`
}

function dayAmount(value: Json): string {
  if (!isObject(value)) return item(value)
  return `${item(value.date)}: ${quantity(value) ?? ''}`
}

function list(value: Json, one: (entry: Json) => string): string {
  return (Array.isArray(value) ? value : [value]).map(one).filter(Boolean).join('; ')
}

const percentOf = (value: Json) => `${item(value)}%`

// Keys whose value reads better with its own wording than the generic one.
const FORMATS: Record<string, (value: Json) => string> = {
  age_years: (value) => `${item(value)} years`,
  window_years: (value) => `${range(value)} years`,
  ask_between_years: range,
  menopause_status: (value) => (typeof value === 'string' ? code(value, MENOPAUSE) : item(value)),
  nutrient: (value) => (typeof value === 'string' ? code(value, NUTRIENTS) : item(value)),
  found: (value) => list(value, (v) => (typeof v === 'string' ? code(v, NUTRIENTS) : item(v))),
  missing: (value) => list(value, (v) => (typeof v === 'string' ? code(v, NUTRIENTS) : item(v))),
  nutrients_unchecked: (value) => list(value, (v) => (typeof v === 'string' ? code(v, NUTRIENTS) : item(v))),
  sex_dependent_nutrients: (value) => list(value, (v) => (typeof v === 'string' ? code(v, NUTRIENTS) : item(v))),
  blocked_checks: (value) => list(value, (v) => (typeof v === 'string' ? code(v, CHECKS) : item(v))),
  wait_minutes: (value) => `${item(value)} minutes`,
  window_days: (value) => `the last ${item(value)} days`,
  threshold_pct: percentOf,
  largest_change_pct: percentOf,
  pdc_pct: percentOf,
  conflicts: (value) => list(value, conflict),
  missed: (value) => list(value, (v) => (isObject(v) ? item(v.local_date) : item(v))),
  antagonists: (value) => list(value, (v) => (isObject(v) ? item(v.product) : item(v))),
  vitamin_k_products: (value) => list(value, productWithAmount),
  weeks: (value) => list(value, weekAmount),
  scheduled_regimens: (value) => list(value, regimenAmount),
  highest_logged_day: dayAmount,
}

/** The evidence JSON text of a flag as labelled facts, in the order the server wrote them.
 * Text that is not a JSON object gives no facts (the explanation still says it all). */
export function evidenceFacts(json: string): Fact[] {
  let data: Json
  try {
    data = JSON.parse(json) as Json
  } catch {
    return []
  }
  if (!isObject(data)) return []
  const facts: Fact[] = []
  for (const [key, value] of Object.entries(data)) {
    if (hidden(key) || empty(value)) continue
    const text = (FORMATS[key] ?? item)(value)
    if (text) facts.push({ label: labelFor(key), value: sentence(text) })
  }
  return facts
}
