// The local tables: the same columns the server's sync registry (syncapi/registry.py) sends.
// WatermelonDB keeps them in IndexedDB through LokiJS; ids are UUID v4 (see index.ts).
import { appSchema, tableSchema } from '@nozbe/watermelondb'
import { schemaMigrations } from '@nozbe/watermelondb/Schema/migrations'

export const SCHEMA_VERSION = 1

type ColumnType = 'string' | 'number' | 'boolean'
interface Column {
  type: ColumnType
  isOptional?: boolean
  isIndexed?: boolean
}
const text: Column = { type: 'string' }
const optText: Column = { type: 'string', isOptional: true }
const num: Column = { type: 'number' }
const optNum: Column = { type: 'number', isOptional: true }
const bool: Column = { type: 'boolean' }
const indexed: Column = { type: 'string', isIndexed: true }

export const COLUMNS = {
  products: {
    name: text, brand: text, kind: text, drug_class: text, drug: text, release: text,
    strength_mg: optNum, serving_unit: text, notes: text, ingredients: text,
    created_at: num, updated_at: num,
  },
  regimens: {
    product_id: indexed, servings_per_dose: num, schedule_kind: text, times: text,
    weekdays: text, day_of_month: optNum, interval_days: optNum, start_date: text,
    end_date: optText, note: text, created_at: num, updated_at: num,
  },
  intake_logs: {
    regimen_id: { type: 'string', isOptional: true, isIndexed: true }, product_id: indexed,
    servings: num, taken_at: { type: 'number', isIndexed: true }, status: text, note: text,
    source: text, created_at: num, updated_at: num,
  },
  profiles: {
    date_of_birth: optText, sex: text, menopause_status: text, final_period_date: optText,
    pregnant: bool, lactating: bool, weight_kg: optNum, timezone: text, units: text,
    reminder_weekday: num, reminder_time: text, remind_in_app: bool, remind_by_push: bool,
    remind_by_email: bool, quiet_hours_start: optText, quiet_hours_end: optText, updated_at: num,
  },
  flags: {
    code: text, subject: text, severity: text, title: text, explanation: text, evidence: text,
    source: text, audience: text, first_seen_at: num, resolved_at: optNum, acknowledged_at: optNum,
  },
  adherence_weeks: {
    regimen_id: optText, week_start: { type: 'string', isIndexed: true }, scheduled: num,
    taken: num, on_time: num, skipped: num, days_covered: num, days_in_period: num,
    dose_taking_pct: optNum, timing_pct: optNum, pdc_pct: optNum, streak_days: num,
  },
  notifications: {
    kind: text, period: text, title: text, body: text, data: text, created_at: num,
    read_at: optNum,
  },
} satisfies Record<string, Record<string, Column>>

export type TableName = keyof typeof COLUMNS
export const TABLE_NAMES = Object.keys(COLUMNS) as TableName[]

export const schema = appSchema({
  version: SCHEMA_VERSION,
  tables: TABLE_NAMES.map((name) =>
    tableSchema({
      name,
      columns: Object.entries(COLUMNS[name]).map(([column, spec]) => ({ name: column, ...spec })),
    }),
  ),
})

// Sync with migrations is enabled from version 1; later versions add their steps here.
export const migrations = schemaMigrations({ migrations: [] })
