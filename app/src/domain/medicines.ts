// What the labels and fact sheets say about taking things together and apart: the app's
// copy of tracking/rules/medicines.py, the numbers the plan checks and the day planner read
// (docs/domain.md#taking-calcium-magnesium-vitamin-d-and-k-well).
import type { RuleProduct } from './planTypes'

// Waiting window after a bisphosphonate taken on waking, in minutes, by drug: nothing but
// plain water until it ends. Delayed-release risedronate has no minutes: it is taken right
// after breakfast, calcium and the rest "at another time of day".
// source: FDA-ALN, FDA-RIS, FDA-IBN (docs/domain.md#schedules-and-waiting-windows)
export const WAIT_MINUTES: Record<string, number> = { alendronate: 30, risedronate: 30, ibandronate: 60 }
export const DRUG_SOURCE: Record<string, string> = {
  alendronate: 'FDA-ALN',
  risedronate: 'FDA-RIS',
  ibandronate: 'FDA-IBN',
  levothyroxine: 'FDA-LT4',
}
// Ossa's reading of "another time of day" for delayed-release risedronate (taken right after
// breakfast): calcium, antacids or minerals on the same local day before noon are too close.
export const MORNING_ENDS = 12 * 60

// source: ODS-MG — magnesium-rich supplements and oral bisphosphonates at least 2 h apart.
export const MAGNESIUM_APART_MINUTES = 120
// source: FDA-LT4 — calcium and levothyroxine at least 4 hours apart.
export const LEVOTHYROXINE_APART_MINUTES = 240
// source: ODS-CA — calcium is absorbed best in doses of 500 mg or less.
export const CALCIUM_PER_DOSE_MG = 500
// source: ODS-CA — how much of each salt's weight is calcium (docs/domain.md#elemental-calcium).
// Exact decimals: "calcium carbonate 1,250 mg" is 500 mg, worked out as the server does.
export const ELEMENTAL_CALCIUM: [string, string][] = [
  ['carbonate', '0.40'],
  ['citrate', '0.21'],
  ['gluconate', '0.09'],
  ['lactate', '0.13'],
]
// Ossa's own choice: a dose counts as "with a meal" within this many minutes of the meal.
export const WITH_MEAL_MINUTES = 30

export const MINERAL_CODES = ['calcium', 'magnesium', 'zinc']
export const VITAMIN_K_CODES = ['k1', 'k2_mk4', 'k2_mk7']
export const FAT_SOLUBLE_CODES = ['d2', 'd3', ...VITAMIN_K_CODES]

// How often each catalogued bisphosphonate is taken, as its label says, in days between
// doses: a plan taking one more often takes a multiple of the dose.
// source: FDA-ALN, FDA-RIS, FDA-IBN
export const USUAL_INTERVAL_DAYS: Record<string, number> = { daily: 1, weekly: 7, monthly: 28 }
export const USUAL_WORDS: Record<string, string> = { daily: 'once a day', weekly: 'once a week', monthly: 'once a month' }
export const USUAL_DOSE_WORDS: Record<string, string> = { daily: 'daily', weekly: 'once-a-week', monthly: 'once-a-month' }

export function isBisphosphonate(product: RuleProduct): boolean {
  return product.drug_class === 'bisphosphonate'
}

export function isDelayedRelease(product: RuleProduct): boolean {
  return isBisphosphonate(product) && product.release === 'delayed'
}

export function isVka(product: RuleProduct): boolean {
  return product.drug_class === 'vitamin_k_antagonist'
}

export function isLevothyroxine(product: RuleProduct): boolean {
  return product.drug === 'levothyroxine'
}

export function hasAny(product: RuleProduct, codes: readonly string[]): boolean {
  return codes.some((code) => (product.nutrients[code] ?? 0) > 0)
}

/** Calcium, antacids and mineral supplements block bisphosphonate absorption. */
export function blocksAbsorption(product: RuleProduct): boolean {
  if (isBisphosphonate(product)) return false
  return product.drug_class === 'antacid' || hasAny(product, MINERAL_CODES)
}

export function drugSource(product: RuleProduct): string | null {
  return Object.hasOwn(DRUG_SOURCE, product.drug) ? DRUG_SOURCE[product.drug] : null
}

/** The waiting window of a bisphosphonate taken on waking; null when the label gives none
 * (delayed release, or a drug Ossa has no label for). */
export function waitMinutes(product: RuleProduct): number | null {
  if (isDelayedRelease(product)) return null
  return Object.hasOwn(WAIT_MINUTES, product.drug) ? WAIT_MINUTES[product.drug] : null
}

export function calciumMg(product: RuleProduct): number {
  return product.nutrients.calcium ?? 0
}

function saltIn(form: string): [string, string] | null {
  const lowered = form.toLowerCase()
  return ELEMENTAL_CALCIUM.find(([salt]) => lowered.includes(salt)) ?? null
}

/** The calcium salt a product names in its form ("calcium carbonate" → "carbonate"). */
export function calciumSalt(product: RuleProduct): string {
  return saltIn(product.forms.calcium ?? '')?.[0] ?? ''
}

/** Calcium carbonate is absorbed best with food (source: ODS-CA). */
export function needsFood(product: RuleProduct): boolean {
  return calciumMg(product) > 0 && calciumSalt(product) === 'carbonate'
}

export function fatSoluble(product: RuleProduct): boolean {
  return hasAny(product, FAT_SOLUBLE_CODES)
}

export function magnesiumRich(product: RuleProduct): boolean {
  return hasAny(product, ['magnesium'])
}

/** The calcium in `amount` mg of a salt named by `form`, worked out in decimal as the server
 * does (then the nearest number); null for a salt without a fraction in
 * docs/domain.md#elemental-calcium. */
export function elemental(amount: number | string, form: string): number | null {
  const salt = saltIn(form)
  return salt === null ? null : decimalProduct(String(amount), salt[1])
}

/** a × b for decimal texts ("1250.000", "0.40", "1e-7"), exactly, as the nearest number. */
export function decimalProduct(a: string, b: string): number {
  const [x, xScale] = decimalOf(a)
  const [y, yScale] = decimalOf(b)
  const product = x * y
  const scale = xScale + yScale
  const negative = product < 0n
  let digits = (negative ? -product : product).toString()
  if (scale <= 0) return Number(`${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`)
  digits = digits.padStart(scale + 1, '0')
  return Number(`${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`)
}

function decimalOf(text: string): [bigint, number] {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim())
  if (!match || !(match[2] || match[3])) throw new Error(`not a decimal: ${text}`)
  const [, sign, whole, fraction = '', exponent = '0'] = match
  const digits = BigInt(`${sign === '-' ? '-' : ''}${whole}${fraction}` || '0')
  return [digits, fraction.length - Number(exponent)]
}
