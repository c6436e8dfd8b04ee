// Stock on hand and the day a plan runs out: the app's copy of tracking/rules/stock.py, so a
// plan's stock moves as soon as a dose is ticked or a count is made, offline. Nothing is
// stored as "the stock": the last count, plus the refills after it, less the servings taken
// after it (never below zero), in exact decimals as on the server. "Runs out on" walks the
// plan's dose days from tomorrow. tests/rules/test_stock_vectors.py writes the server's
// answers for a corpus of histories to stockVectors.json; stockVectors.test.ts requires the
// same from this file.
import { ruleRegimen } from './planFacts'
import { doseDays } from './planSchedule'
import type { RuleRegimen } from './planTypes'
import { servingsText } from './doses'
import type { IntakeLog, Regimen, StockEvent } from './rows'
import { addDays, localDate, longDate } from './time'
import { compare, decimal, minus, plus, times, toNumber, ZERO, type Decimal } from './totals'

// How far ahead "runs out on" is looked for: past this the plan lasts "more than a year".
export const HORIZON_DAYS = 400

/** A stock entry as the rule takes it: a count ("this many on hand now") or a refill. */
export interface StockChange {
  at: number // epoch milliseconds
  kind: string
  servings: number
}

export interface StockDose {
  taken_at: number
  status: string
  servings: number
}

/** Servings on hand at `now`; null until the member first counts. */
export function onHand(changes: StockChange[], doses: StockDose[], now: number): Decimal | null {
  // Stable: of two entries at the same moment, the later one made wins, as on the server.
  const past = changes.filter((c) => c.at <= now).sort((a, b) => a.at - b.at)
  const counts = past.filter((c) => c.kind === 'count')
  if (!counts.length) return null
  const last = counts[counts.length - 1]
  let stock = decimal(last.servings)
  for (const c of past) if (c.kind === 'refill' && c.at > last.at) stock = plus(stock, decimal(c.servings))
  for (const d of doses) {
    if (d.status === 'taken' && last.at < d.taken_at && d.taken_at <= now) stock = minus(stock, decimal(d.servings))
  }
  return compare(stock, ZERO) < 0 ? ZERO : stock
}

/** The first local day the plan needs more than is left, counting from tomorrow (today's
 * doses may be taken already); null for a plan that takes nothing, or lasts past the horizon. */
export function runsOutOn(stock: Decimal, regimen: RuleRegimen, today: string): string | null {
  let left = stock
  for (const [day, schedule] of doseDays(regimen, addDays(today, 1), addDays(today, HORIZON_DAYS))) {
    const doses = decimal(new Set(schedule.times).size)
    left = minus(left, times(decimal(schedule.servings_per_dose), doses))
    if (compare(left, ZERO) < 0) return day
  }
  return null
}

export function refillReminderDay(runsOut: string, daysBefore: number): string {
  return addDays(runsOut, -daysBefore)
}

export interface PlanStock {
  onHand: Decimal
  runsOutOn: string | null
}

/** A plan's stock from its entries and its doses on this device; null until counted. */
export function planStock(regimen: Regimen, events: StockEvent[], logs: IntakeLog[], now: number, zone: string): PlanStock | null {
  const own = logs.filter((log) => log.regimen_id === regimen.id)
  const found = onHand(events.filter((e) => e.regimen_id === regimen.id), own, now)
  if (found === null) return null
  return { onHand: found, runsOutOn: runsOutOn(found, ruleRegimen(regimen, undefined), localDate(now, zone)) }
}

/** The earliest count of a plan: its doses before it never matter. */
export function firstCount(events: StockEvent[]): number | null {
  const counts = events.filter((e) => e.kind === 'count').map((e) => e.at)
  return counts.length ? Math.min(...counts) : null
}

/** "About 9 tablets left; they run out on Saturday 28 November (refill reminder 7 days
 * before)." The stock in words, for the plan list and form. */
export function stockWords(stock: PlanStock, unit: string, refillDays: number): string {
  const amount = toNumber(stock.onHand)
  const left = amount === 0 ? `No ${unit === 'ml' ? 'ml' : `${unit}s`} left` : `About ${servingsText(amount, unit)} left`
  if (stock.runsOutOn === null) return `${left}; enough for more than a year at this plan’s pace.`
  const notice = refillDays === 1 ? '1 day' : `${refillDays} days`
  return `${left}; they run out on ${longDate(stock.runsOutOn)} (refill reminder ${notice} before).`
}
