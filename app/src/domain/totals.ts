// Nutrient totals: what a day adds up to, from the doses taken and from the plan — the app's
// copy of tracking/rules/totals.py, so today's running total moves as soon as a dose is
// ticked, offline. A product's ingredient amounts per serving (elemental for minerals:
// planFacts.ruleProduct converts a salt's weight, as tracking/facts.py does) times the
// servings, summed over every product of the day. The arithmetic is in exact decimals, as
// on the server: amounts have at most three places and servings two, so a total is the same
// decimal the server stores, and micrograms and IU convert both ways exactly.
// tests/rules/test_totals_vectors.py writes the server's answers for a corpus of days to
// totalsVectors.json; totalsVectors.test.ts requires the same from this file.
import { doseDays } from './planSchedule'
import type { RuleProduct, RuleRegimen } from './planTypes'
import { localDate } from './time'

export const NUTRIENTS = ['k1', 'k2_mk4', 'k2_mk7', 'd2', 'd3', 'calcium', 'magnesium'] as const
export type Nutrient = (typeof NUTRIENTS)[number]

export const GROUPS = {
  vitamin_k: ['k1', 'k2_mk4', 'k2_mk7'],
  vitamin_d: ['d2', 'd3'],
  calcium: ['calcium'],
  magnesium: ['magnesium'],
} as const satisfies Record<string, readonly Nutrient[]>
export type Group = keyof typeof GROUPS
export const GROUP_NAMES = Object.keys(GROUPS) as Group[]

export const UNITS: Record<Group, 'mcg' | 'mg'> = { vitamin_k: 'mcg', vitamin_d: 'mcg', calcium: 'mg', magnesium: 'mg' }
// source: ODS-D — 1 mcg of vitamin D is 40 IU.
export const IU_PER_MCG = 40

// --- Exact decimals -------------------------------------------------------------------------
/** digits × 10^-scale, exactly. */
export interface Decimal {
  digits: bigint
  scale: number
}

export const ZERO: Decimal = { digits: 0n, scale: 0 }

/** A number as the decimal it was written as (its shortest text, as Python's repr), or a
 * decimal text ("1250.000", "1e-7"). */
export function decimal(value: number | string): Decimal {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(String(value).trim())
  if (!match || !(match[2] || match[3])) throw new Error(`not a decimal: ${value}`)
  const [, sign, whole, fraction = '', exponent = '0'] = match
  const digits = BigInt(`${sign === '-' ? '-' : ''}${whole}${fraction}` || '0')
  const scale = fraction.length - Number(exponent)
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 }
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale)
  return [a.digits * 10n ** BigInt(scale - a.scale), b.digits * 10n ** BigInt(scale - b.scale), scale]
}

export function plus(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b)
  return { digits: x + y, scale }
}

export function minus(a: Decimal, b: Decimal): Decimal {
  return plus(a, { digits: -b.digits, scale: b.scale })
}

export function times(a: Decimal, b: Decimal): Decimal {
  return { digits: a.digits * b.digits, scale: a.scale + b.scale }
}

/** a / b where the quotient is a finite decimal (b a whole number with factors 2 and 5 only,
 * as 40 IU a microgram is). */
export function dividedBy(a: Decimal, b: number): Decimal {
  let { digits, scale } = a
  const divisor = BigInt(b)
  for (let guard = 0; digits % divisor !== 0n; guard++) {
    if (guard > 40) throw new Error(`${text(a)} / ${b} is not a finite decimal`)
    digits *= 10n
    scale += 1
  }
  return { digits: digits / divisor, scale }
}

export function compare(a: Decimal, b: Decimal): number {
  const [x, y] = aligned(a, b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Plain text without trailing zeros: "50", "133.2", "0.0025" (the golden file's form). */
export function text(value: Decimal): string {
  let { digits, scale } = value
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n
    scale -= 1
  }
  const negative = digits < 0n
  let body = (negative ? -digits : digits).toString()
  if (scale > 0) {
    body = body.padStart(scale + 1, '0')
    body = `${body.slice(0, -scale)}.${body.slice(-scale)}`
  }
  return negative && body !== '0' ? `-${body}` : body
}

export function toNumber(value: Decimal): number {
  return Number(text(value))
}

// --- Totals -------------------------------------------------------------------------------
/** Nutrient code → amount in its unit (mcg for vitamins, mg for minerals). */
export type Totals = Partial<Record<Nutrient, Decimal>>

/** What a dose needs: a logged dose (an intake_logs row). */
export interface TotalsDose {
  product_id: string
  taken_at: number // epoch milliseconds
  status: string
  servings: number
}

const isNutrient = (code: string): code is Nutrient => (NUTRIENTS as readonly string[]).includes(code)

/** One serving's amounts of the nutrients Ossa totals (a zero adds nothing). */
export function perServing(product: RuleProduct): Totals {
  const found: Totals = {}
  for (const [code, amount] of Object.entries(product.nutrients)) if (isNutrient(code) && amount) found[code] = decimal(amount)
  return found
}

function scaled(amounts: Totals, factor: Decimal): Totals {
  const found: Totals = {}
  for (const [code, amount] of Object.entries(amounts) as [Nutrient, Decimal][]) found[code] = times(amount, factor)
  return found
}

/** Adds `amounts` into `into` (and gives `into` back). */
export function add(into: Totals, amounts: Totals): Totals {
  for (const [code, amount] of Object.entries(amounts) as [Nutrient, Decimal][]) into[code] = plus(into[code] ?? ZERO, amount)
  return into
}

export function group(totals: Totals, name: Group): Decimal {
  return GROUPS[name].reduce<Decimal>((sum, code) => plus(sum, totals[code] ?? ZERO), ZERO)
}

export function toIu(mcg: Decimal): Decimal {
  return times(mcg, decimal(IU_PER_MCG))
}

export function fromIu(iu: Decimal): Decimal {
  return dividedBy(iu, IU_PER_MCG)
}

/** Each local day's totals from the doses logged as taken (skipped ones add nothing, and so
 * does a dose of a product this device does not know). */
export function takenByDay(doses: Iterable<TotalsDose>, products: ReadonlyMap<string, RuleProduct>, zone: string): Map<string, Totals> {
  const days = new Map<string, Totals>()
  for (const dose of doses) {
    const product = products.get(dose.product_id)
    if (dose.status !== 'taken' || !product) continue
    const day = localDate(dose.taken_at, zone)
    if (!days.has(day)) days.set(day, {})
    add(days.get(day)!, scaled(perServing(product), decimal(dose.servings)))
  }
  return days
}

/** Each local day's totals if everything were taken as planned that day. */
export function plannedByDay(regimens: Iterable<RuleRegimen>, first: string, last: string): Map<string, Totals> {
  const days = new Map<string, Totals>()
  for (const regimen of regimens) {
    const amounts = perServing(regimen.product)
    if (!Object.keys(amounts).length) continue
    for (const [day, schedule] of doseDays(regimen, first, last)) {
      const servings = times(decimal(schedule.servings_per_dose), decimal(new Set(schedule.times).size))
      if (!days.has(day)) days.set(day, {})
      add(days.get(day)!, scaled(amounts, servings))
    }
  }
  return days
}

/** What each product contributed to the local days first..last (taken doses). */
export function byProduct(
  doses: Iterable<TotalsDose>,
  products: ReadonlyMap<string, RuleProduct>,
  zone: string,
  first: string,
  last: string,
): Map<string, Totals> {
  const found = new Map<string, Totals>()
  for (const dose of doses) {
    const product = products.get(dose.product_id)
    if (dose.status !== 'taken' || !product) continue
    const day = localDate(dose.taken_at, zone)
    if (day < first || day > last) continue
    if (!found.has(product.id)) found.set(product.id, {})
    add(found.get(product.id)!, scaled(perServing(product), decimal(dose.servings)))
  }
  for (const [id, amounts] of found) if (!Object.keys(amounts).length) found.delete(id)
  return found
}
