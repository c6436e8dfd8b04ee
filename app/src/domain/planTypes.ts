// The plain data the plan checks and the day planner read and return: the app's copy of
// tracking/rules/types.py (Schedule, Product, Regimen, MemberDay, FlagResult), with the same
// field names, so the server's answers and the app's compare as they are
// (planVectors.test.ts). Dates are local "YYYY-MM-DD", times local "HH:MM".
import type { ScheduleKind } from './rows'

/** One version of a plan's schedule, in force from `effective_from` until the next one's. */
export interface RuleSchedule {
  effective_from: string
  kind: ScheduleKind
  times: string[] // sorted; empty only for as_needed
  weekdays: number[] // ISO 1 = Monday .. 7 = Sunday
  day_of_month: number | null // past the month's end → the month's last day
  interval_days: number | null // counted from the plan's start_date
  servings_per_dose: number
}

export interface RuleProduct {
  id: string
  name: string
  kind: 'supplement' | 'medicine'
  drug_class: string // "bisphosphonate", "vitamin_k_antagonist", "antacid", ...
  drug: string // "alendronate", "risedronate", "ibandronate", "warfarin", ...
  release: string // "immediate" | "delayed"
  // Amount of each nutrient in one serving by code, minerals as elemental amounts.
  nutrients: Record<string, number>
  // The form of a nutrient where it matters ("calcium": "carbonate").
  forms: Record<string, string>
  // How often the label says the medicine is taken: "", "daily", "weekly" or "monthly".
  usual_schedule: string
}

export interface RuleRegimen {
  id: string
  product: RuleProduct
  start_date: string
  end_date: string | null // inclusive; null = open
  schedules: RuleSchedule[] // sorted by effective_from; at least one
}

/** A member's usual day, local wall-clock times; a meal of null is one they skip. */
export interface MemberDay {
  wake: string
  breakfast: string | null
  lunch: string | null
  dinner: string | null
  bed: string
}

// The server's defaults (accounts/models.py Profile), also the day of a profile not yet synced.
export const USUAL_DAY: MemberDay = { wake: '07:00', breakfast: '07:30', lunch: '12:30', dinner: '18:30', bed: '22:30' }

export const MEALS = ['breakfast', 'lunch', 'dinner'] as const
export type Meal = (typeof MEALS)[number]

/** The meals a member has, in the day's order. */
export function mealsOf(day: MemberDay): [Meal, string][] {
  return MEALS.flatMap((meal) => (day[meal] === null ? [] : [[meal, day[meal] as string] as [Meal, string]]))
}

export type Severity = 'info' | 'warning' | 'critical'

/** A finding about the day's plans: the server's FlagResult. */
export interface Finding {
  code: string
  severity: Severity
  title: string
  explanation: string
  evidence: Record<string, unknown>
  source: string // source key(s), several joined by ", "
  subject: string
  audience: 'member' | 'dietitian' | 'both'
}
