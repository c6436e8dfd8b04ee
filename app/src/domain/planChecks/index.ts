// Checks of a whole day's plans, made before a plan is saved and when the member opens their
// plan: the app's copy of tracking/rules/plan_checks/, so a plan is checked offline with the
// server's words (planVectors.test.ts holds the two to the same answers). Each family is a
// module of rules, functions from PlanInputs to findings; CHECKS lists them. A critical
// finding must be confirmed by the member before the plan is saved (`unconfirmed`); the
// rest inform. Pure: no database.
import type { Finding } from '../planTypes'
import { compareKeys } from '../pyFormat'
import { insideWindow, magnesiumNear } from './bisphosphonate'
import { perMoment } from './calcium'
import type { PlanInputs } from './common'
import { labelledFrequency } from './frequency'
import { levothyroxineCalcium, vitaminKWithVka } from './interactions'
import { calciumWithoutFood, fatSolubleWithoutMeal } from './meals'

export type { PlanInputs } from './common'

export type Check = (inputs: PlanInputs) => Finding[]

export const CHECKS: Check[] = [
  labelledFrequency,
  vitaminKWithVka,
  insideWindow,
  magnesiumNear,
  levothyroxineCalcium,
  perMoment,
  calciumWithoutFood,
  fatSolubleWithoutMeal,
]

export const SEVERITY_ORDER: Record<Finding['severity'], number> = { critical: 0, warning: 1, info: 2 }

/** Every finding about the day, most serious first. */
export function evaluate(inputs: PlanInputs): Finding[] {
  const found = CHECKS.flatMap((check) => check(inputs))
  return found.sort((a, b) => compareKeys([SEVERITY_ORDER[a.severity], a.code, a.subject], [SEVERITY_ORDER[b.severity], b.code, b.subject]))
}

/** Critical findings about a plan that its member has not confirmed (by code, keyed by the
 * plan's id: the finding's subject). */
export function unconfirmed(findings: Finding[], confirmed: Record<string, string[]>): Finding[] {
  return findings.filter((f) => f.severity === 'critical' && !(Object.hasOwn(confirmed, f.subject) ? confirmed[f.subject] : []).includes(f.code))
}
