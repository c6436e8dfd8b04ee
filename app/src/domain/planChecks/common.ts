// What every plan-time check reads: the member's usual day and each day's planned doses, as
// local wall-clock minutes (tracking/rules/plan_checks/common.py).
import { WITH_MEAL_MINUTES } from '../medicines'
import { doseDays } from '../planSchedule'
import { mealsOf, type Finding, type MemberDay, type Meal, type RuleProduct, type RuleRegimen, type Severity } from '../planTypes'
import { compareText, fixed, sortedBy } from '../pyFormat'
import { addDays } from '../time'

// Weekly and monthly plans meet every daily one within five weeks.
export const HORIZON_DAYS = 35

/** The member's plans, as saved or as they would be after a change, and their day. */
export interface PlanInputs {
  today: string
  regimens: RuleRegimen[]
  day: MemberDay
}

/** One planned dose on a day: which plan, at which local minute, how many servings. */
export class Planned {
  constructor(
    readonly regimen: RuleRegimen,
    readonly at: number,
    readonly servings: number,
  ) {}

  get product(): RuleProduct {
    return this.regimen.product
  }

  get clock(): string {
    return clock(this.at)
  }
}

export function minutes(at: string): number {
  const [hours, mins] = at.split(':').map(Number)
  return hours * 60 + mins
}

export function clock(at: number): string {
  const hours = Math.floor(at / 60)
  const mins = ((at % 60) + 60) % 60
  return `${String(hours).padStart(2, '0')}:${String(mins).padStart(2, '0')}`
}

export function byId(regimens: RuleRegimen[]): RuleRegimen[] {
  return [...regimens].sort((a, b) => compareText(a.id, b.id))
}

// Worked out once for all the checks of one evaluation (PlanInputs.days on the server).
const daysOf = new WeakMap<PlanInputs, Planned[][]>()

/** Each distinct day of the coming five weeks, as its planned doses sorted by time. Days
 * that plan the same doses are one day here: a check looks at each kind of day once. */
export function plannedDays(inputs: PlanInputs): Planned[][] {
  let found = daysOf.get(inputs)
  if (!found) {
    found = workOutDays(inputs)
    daysOf.set(inputs, found)
  }
  return found
}

function workOutDays(inputs: PlanInputs): Planned[][] {
  const byDay = new Map<string, Planned[]>()
  const last = addDays(inputs.today, HORIZON_DAYS - 1)
  for (const regimen of byId(inputs.regimens)) {
    for (const [day, schedule] of doseDays(regimen, inputs.today, last)) {
      for (const text of [...new Set(schedule.times)].sort(compareText)) {
        if (!byDay.has(day)) byDay.set(day, [])
        byDay.get(day)!.push(new Planned(regimen, minutes(text), schedule.servings_per_dose))
      }
    }
  }
  const distinct = new Map<string, Planned[]>()
  for (const doses of byDay.values()) {
    const sorted = sortedBy(doses, (p) => [p.at, p.regimen.id])
    const key = JSON.stringify(sorted.map((p) => [p.regimen.id, p.at, p.servings]))
    if (!distinct.has(key)) distinct.set(key, sorted)
  }
  return [...distinct.values()]
}

export function mealMinutes(day: MemberDay): [Meal, number][] {
  return mealsOf(day).map(([meal, at]) => [meal, minutes(at)])
}

export function nearAMeal(at: number, day: MemberDay): boolean {
  return mealMinutes(day).some(([, meal]) => Math.abs(at - meal) <= WITH_MEAL_MINUTES)
}

export function finding(found: { code: string; severity: Severity; title: string; explanation: string; source: string; subject: string; evidence: Record<string, unknown> }): Finding {
  return { ...found, audience: 'both' }
}

/** The first finding of each (code, subject): the same conflict on many days is one. */
export function once(findings: Finding[]): Finding[] {
  const seen = new Map<string, Finding>()
  for (const found of findings) {
    const key = JSON.stringify([found.code, found.subject])
    if (!seen.has(key)) seen.set(key, found)
  }
  return [...seen.values()]
}

/** An amount as the texts write it: "1,000", "312.5". */
export function amount(value: number): string {
  return Number.isInteger(value) ? fixed(value, 0, true) : fixed(value, 1, true)
}
