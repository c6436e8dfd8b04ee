// Plain row shapes the screens work with: a snapshot of a record's raw columns.

export interface Row {
  id: string
}

export interface Product extends Row {
  name: string
  brand: string
  kind: 'supplement' | 'medicine'
  drug_class: string
  drug: string
  release: string
  strength_mg: number | null
  serving_unit: string
  notes: string
  // How often the label says it is taken: "", "daily", "weekly" or "monthly" (schema 2).
  usual_schedule: string
  // JSON: [{nutrient, amount, form, basis}]; basis "elemental" or "compound" (a salt's weight).
  ingredients: string
  created_at: number
  updated_at: number
}

export type ScheduleKind = 'daily' | 'weekdays' | 'monthly' | 'interval' | 'as_needed'

export interface Regimen extends Row {
  product_id: string
  servings_per_dose: number
  schedule_kind: ScheduleKind
  times: string // JSON list of "HH:MM"
  weekdays: string // JSON list of ISO weekdays 1..7
  day_of_month: number | null
  interval_days: number | null
  start_date: string
  end_date: string | null
  note: string
  // JSON list of the critical findings' codes the member confirmed for this plan (schema 2;
  // "" on a device upgraded from schema 1 until the plan is pulled again).
  confirmed_findings: string
  // Dose reminders at each scheduled time, and the follow-up's minutes (null: the member's
  // default); servings in a pack (null: not said) and the refill notice in days (schema 4;
  // refill_days is 0 on a device upgraded from schema 3 until the plan is pulled again).
  remind: boolean
  follow_up_minutes: number | null
  pack_size: number | null
  refill_days: number
  created_at: number
  updated_at: number
}

export interface IntakeLog extends Row {
  regimen_id: string | null
  product_id: string
  servings: number
  taken_at: number
  status: 'taken' | 'skipped'
  note: string
  source: string
  created_at: number
  updated_at: number
}

export interface Profile extends Row {
  date_of_birth: string | null
  sex: string
  menopause_status: string
  final_period_date: string | null
  pregnant: boolean
  lactating: boolean
  weight_kg: number | null
  timezone: string
  units: string
  reminder_weekday: number
  reminder_time: string
  remind_in_app: boolean
  remind_by_push: boolean
  remind_by_email: boolean
  quiet_hours_start: string | null
  quiet_hours_end: string | null
  // The usual day, local "HH:MM" (schema 2); a meal of null is one the member skips. wake_time
  // and bed_time are "" on a device upgraded from schema 1 until the profile is pulled again.
  wake_time: string
  breakfast_time: string | null
  lunch_time: string | null
  dinner_time: string | null
  bed_time: string
  // Dose reminders (schema 4): the follow-up's minutes, whether reminders keep the home zone
  // or follow the phone's (the zone this app reports), and e-mail for doses. reminder_zone is
  // "" on a device upgraded from schema 3 until the profile is pulled again.
  follow_up_minutes: number
  reminder_zone: '' | 'home' | 'phone'
  phone_timezone: string
  dose_reminders_by_email: boolean
  updated_at: number
}

export interface Flag extends Row {
  code: string
  subject: string
  severity: 'info' | 'warning' | 'critical'
  title: string
  explanation: string
  evidence: string
  source: string
  audience: string
  first_seen_at: number
  resolved_at: number | null
  acknowledged_at: number | null
}

export interface AdherenceWeek extends Row {
  regimen_id: string | null
  week_start: string
  scheduled: number
  taken: number
  on_time: number
  skipped: number
  days_covered: number
  days_in_period: number
  dose_taking_pct: number | null
  timing_pct: number | null
  pdc_pct: number | null
  streak_days: number
}

export interface Notification extends Row {
  kind: string
  period: string
  title: string
  body: string
  data: string
  created_at: number
  read_at: number | null
}

// What one local day added up to (schema 3): mcg of vitamins K and D, mg of calcium and
// magnesium, from the doses taken and (planned_…) as planned. Computed by the server.
export interface NutrientDay extends Row {
  day: string
  k1: number
  k2_mk4: number
  k2_mk7: number
  d2: number
  d3: number
  calcium: number
  magnesium: number
  planned_k1: number
  planned_k2_mk4: number
  planned_k2_mk7: number
  planned_d2: number
  planned_d3: number
  planned_calcium: number
  planned_magnesium: number
}

// The member's reference intake for a group and their life stage (schema 3).
export interface NutrientTarget extends Row {
  nutrient: string // vitamin_k, vitamin_d, calcium, magnesium
  unit: string // mcg or mg
  intake_kind: string // rda, ai; "" when no row covers the member
  intake: number | null
  upper_limit: number | null
  source: string
  note: string
}

// One entry of a plan's stock history (schema 4): a count of the servings on hand, or a
// refill added to them. Never changed once made.
export interface StockEvent extends Row {
  regimen_id: string
  kind: 'count' | 'refill'
  servings: number
  at: number // epoch milliseconds
  note: string
  created_at: number
  updated_at: number
}

// A scheduled dose's reminders (schema 4, computed by the server). Its id is the dose's id:
// Taken or Skip from the notification logs the dose under it.
export interface DoseReminder extends Row {
  regimen_id: string
  due_at: number
  state: 'sent' | 'snoozed' | 'window' | 'done'
  snoozed_until: number | null
  next_at: number | null
  follow_up_sent: boolean
  late: boolean
}

export interface Rows {
  products: Product
  regimens: Regimen
  intake_logs: IntakeLog
  profiles: Profile
  flags: Flag
  adherence_weeks: AdherenceWeek
  notifications: Notification
  nutrient_days: NutrientDay
  nutrient_targets: NutrientTarget
  stock_events: StockEvent
  dose_reminders: DoseReminder
}

export function parseList<T>(json: string | null | undefined): T[] {
  if (!json) return []
  try {
    const value = JSON.parse(json)
    return Array.isArray(value) ? value : []
  } catch {
    return []
  }
}
