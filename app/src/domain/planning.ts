// The plan checks and the day planner on a member's plans as this device holds them: as
// saved, or with one plan as it is about to be saved. The app's copy of tracking/planning.py,
// read by the plan form (what saving would bring, what to confirm) and the Plan screen (the
// day as planned and as suggested). Pure: the screens pass the rows, products and today.
import { planDay, type DayPlan } from './dayPlanner'
import { evaluate } from './planChecks'
import { clock, minutes } from './planChecks/common'
import { memberDayOf, ruleProductOf, ruleRegimen } from './planFacts'
import { doseDays, scheduleOn } from './planSchedule'
import { mealsOf, type Finding, type MemberDay, type RuleRegimen } from './planTypes'
import { parseList, type Product, type Profile, type Regimen } from './rows'

/** What the rules look at: the member's plans (local rows), the products they name, their
 * usual day, and their today. */
export interface Plans {
  regimens: Regimen[]
  products: Map<string, Product>
  profile: Profile | null | undefined
  today: string
}

function ended(regimen: Pick<Regimen, 'end_date'>, on: string): boolean {
  return regimen.end_date !== null && regimen.end_date < on
}

/** The plans that run on or after today, as the rules take them, with `replacing` (saved or
 * not) in place of its stored self. */
export function rulePlans(plans: Plans, replacing?: Regimen): RuleRegimen[] {
  const rows = plans.regimens.filter((r) => !ended(r, plans.today) && r.id !== replacing?.id)
  if (replacing && !ended(replacing, plans.today)) rows.push(replacing)
  return rows.map((row) => {
    const product = plans.products.get(row.product_id)
    return ruleRegimen(row, product && ruleProductOf(product))
  })
}

export function usualDay(plans: Plans): MemberDay {
  return memberDayOf(plans.profile)
}

/** Every finding about the member's day, most serious first. */
export function findings(plans: Plans, replacing?: Regimen): Finding[] {
  return evaluate({ today: plans.today, regimens: rulePlans(plans, replacing), day: usualDay(plans) })
}

/** The findings about one plan: those whose subject it is or whose evidence names it. */
export function about(regimenId: string, found: Finding[]): Finding[] {
  return found.filter((f) => f.subject.startsWith(regimenId) || JSON.stringify(f.evidence).includes(regimenId))
}

export function confirmedCodes(regimen: Pick<Regimen, 'confirmed_findings'> | undefined): string[] {
  return parseList<string>(regimen?.confirmed_findings)
}

/** The critical findings to confirm before `candidate` is saved: those confirmed neither on
 * it nor on the plan they are about, that are new with this change or about this plan. The
 * server refuses only the new ones; asking also about the plan's own (say, a plan refused
 * and held back, edited again) means the device never sends what the server refuses. */
export function toConfirm(plans: Plans, candidate: Regimen): Finding[] {
  const key = (f: Finding) => JSON.stringify([f.code, f.subject])
  const before = new Set(findings(plans).map(key))
  const mine = new Set(about(candidate.id, findings(plans, candidate)).map(key))
  const stored = new Map(plans.regimens.map((r) => [r.id, confirmedCodes(r)]))
  const confirmed = confirmedCodes(candidate)
  return findings(plans, candidate).filter(
    (f) =>
      f.severity === 'critical' &&
      !confirmed.includes(f.code) &&
      !(stored.get(f.subject) ?? []).includes(f.code) &&
      (!before.has(key(f)) || mine.has(key(f))),
  )
}

/** The day planner's suggestion for today. */
export function dayPlan(plans: Plans): DayPlan {
  return planDay(rulePlans(plans), usualDay(plans), plans.today)
}

/** The plans as they would be with the suggestion applied (to check them before writing). */
export function appliedRows(plans: Plans, suggestion: DayPlan): Regimen[] {
  const changes = new Map(suggestion.changes.map((c) => [c.regimen_id, c]))
  return plans.regimens.map((row) => {
    const change = changes.get(row.id)
    return change ? { ...row, times: JSON.stringify(change.times), servings_per_dose: change.servings_per_dose } : row
  })
}

/** One dose of the day as the plans have it now. */
export interface PlannedDose {
  regimen_id: string
  product: string
  servings: number
}

export interface PlannedMoment {
  at: string
  label: string
  doses: PlannedDose[]
}

/** Today's doses at the times the plans give them now, named by the member's day where a
 * time is their waking, a meal or bedtime (the suggestion's moments side by side). */
export function currentDay(plans: Plans): PlannedMoment[] {
  const day = usualDay(plans)
  const labels = new Map<number, string>([
    [minutes(day.wake), 'On waking'],
    [minutes(day.bed), 'Bedtime'],
  ])
  for (const [meal, at] of mealsOf(day)) labels.set(minutes(at), meal.charAt(0).toUpperCase() + meal.slice(1))
  const byMinute = new Map<number, PlannedDose[]>()
  const regimens = rulePlans(plans).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (const regimen of regimens) {
    if (!doseDays(regimen, plans.today, plans.today).length) continue
    const schedule = scheduleOn(regimen, plans.today)
    for (const at of [...new Set(schedule.times.map(minutes))]) {
      if (!byMinute.has(at)) byMinute.set(at, [])
      byMinute.get(at)!.push({ regimen_id: regimen.id, product: regimen.product.name, servings: schedule.servings_per_dose })
    }
  }
  return [...byMinute]
    .sort(([a], [b]) => a - b)
    .map(([at, doses]) => ({ at: clock(at), label: labels.get(at) ?? clock(at), doses }))
}
