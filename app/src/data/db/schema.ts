// The local tables: the same columns the server's sync registry (syncapi/registry.py) sends.
// WatermelonDB keeps them in IndexedDB through LokiJS; ids are UUID v4 (see index.ts).
import { appSchema, tableSchema, type AppSchema } from '@nozbe/watermelondb'
import { addColumns, createTable, schemaMigrations } from '@nozbe/watermelondb/Schema/migrations'

// 2: the member's usual day (profiles), the critical findings confirmed for a plan
// (regimens), a product's labelled frequency (products). 3: the server's nutrient totals per
// day and the member's reference intakes (nutrient_days, nutrient_targets; read-only). 4: dose
// reminders and stock: a plan's reminder and stock settings (regimens), the member's reminder
// defaults (profiles), a plan's stock history (stock_events, written here) and each dose
// reminder's state (dose_reminders, read-only) — syncapi/registry.py SCHEMA_VERSION.
export const SCHEMA_VERSION = 4

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
    strength_mg: optNum, serving_unit: text, notes: text, usual_schedule: text, ingredients: text,
    created_at: num, updated_at: num,
  },
  regimens: {
    product_id: indexed, servings_per_dose: num, schedule_kind: text, times: text,
    weekdays: text, day_of_month: optNum, interval_days: optNum, start_date: text,
    end_date: optText, note: text, confirmed_findings: text, remind: bool, follow_up_minutes: optNum,
    pack_size: optNum, refill_days: num, created_at: num, updated_at: num,
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
    remind_by_email: bool, quiet_hours_start: optText, quiet_hours_end: optText, wake_time: text,
    breakfast_time: optText, lunch_time: optText, dinner_time: optText, bed_time: text,
    follow_up_minutes: num, reminder_zone: text, phone_timezone: text, dose_reminders_by_email: bool,
    updated_at: num,
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
  // Amounts per local day (mcg for vitamins K and D, mg for calcium and magnesium), taken and
  // as planned: tracking.models.NutrientDay.
  nutrient_days: {
    day: { type: 'string', isIndexed: true },
    k1: num, k2_mk4: num, k2_mk7: num, d2: num, d3: num, calcium: num, magnesium: num,
    planned_k1: num, planned_k2_mk4: num, planned_k2_mk7: num, planned_d2: num, planned_d3: num,
    planned_calcium: num, planned_magnesium: num,
  },
  // One row per group (vitamin_k, vitamin_d, calcium, magnesium): tracking.models.NutrientTarget.
  nutrient_targets: {
    nutrient: text, unit: text, intake_kind: text, intake: optNum, upper_limit: optNum,
    source: text, note: text,
  },
  // A plan's stock history: a "count" of the servings on hand, a "refill" added to it
  // (tracking.models.StockEvent). Entries are never changed: a new count corrects one.
  stock_events: {
    regimen_id: indexed, kind: text, servings: num, at: num, note: text, created_at: num, updated_at: num,
  },
  // One scheduled dose's reminders and where they stand: sent, snoozed, waiting window, done
  // (notifications.models.DoseReminder). Its id is the id Taken and Skip log the dose with.
  dose_reminders: {
    regimen_id: indexed, due_at: { type: 'number', isIndexed: true }, state: text, snoozed_until: optNum,
    next_at: optNum, follow_up_sent: bool, late: bool,
  },
} satisfies Record<string, Record<string, Column>>

export type TableName = keyof typeof COLUMNS
export const TABLE_NAMES = Object.keys(COLUMNS) as TableName[]

// The columns each version added, by table. A device that opens a newer app keeps its data:
// the migration adds these columns to every stored row ("" for text, null where optional),
// and its next sync asks the server for the tables and columns named (WatermelonDB's
// migration sync, enabled from version 1), which sends those rows again in full.
export const ADDED_IN: Record<number, Partial<Record<TableName, string[]>>> = {
  2: {
    products: ['usual_schedule'],
    regimens: ['confirmed_findings'],
    profiles: ['wake_time', 'breakfast_time', 'lunch_time', 'dinner_time', 'bed_time'],
  },
  4: {
    regimens: ['remind', 'follow_up_minutes', 'pack_size', 'refill_days'],
    profiles: ['follow_up_minutes', 'reminder_zone', 'phone_timezone', 'dose_reminders_by_email'],
  },
}

// The tables each version added. The migration creates them empty, and the migration sync
// names them, so the server sends their rows in full (it sends a table only to devices whose
// schema has it: syncapi/registry.py `since`).
export const TABLES_ADDED_IN: Record<number, TableName[]> = {
  3: ['nutrient_days', 'nutrient_targets'],
  4: ['stock_events', 'dose_reminders'],
}

/** The tables a device of schema `version` has. */
export function tablesAt(version: number): TableName[] {
  const later = new Set(Object.entries(TABLES_ADDED_IN).flatMap(([added, tables]) => (Number(added) > version ? tables : [])))
  return TABLE_NAMES.filter((name) => !later.has(name))
}

function tableSpec(name: TableName, keep: (column: string) => boolean = () => true) {
  return {
    name,
    columns: Object.entries(COLUMNS[name] as Record<string, Column>)
      .filter(([column]) => keep(column))
      .map(([column, spec]) => ({ name: column, ...spec })),
  }
}

/** The tables as schema `version` had them: today's tables and columns without those added
 * later. */
export function schemaAt(version: number): AppSchema {
  const later = (table: TableName, column: string) =>
    Object.entries(ADDED_IN).some(([added, tables]) => Number(added) > version && (tables[table] ?? []).includes(column))
  return appSchema({
    version,
    tables: tablesAt(version).map((name) => tableSchema(tableSpec(name, (column) => !later(name, column)))),
  })
}


export const schema = schemaAt(SCHEMA_VERSION)

/** The steps from schema 1 up to `version` (the migrations an app of that version had). */
export function migrationsAt(version: number) {
  const versions = [...new Set([...Object.keys(ADDED_IN), ...Object.keys(TABLES_ADDED_IN)].map(Number))].sort((a, b) => b - a)
  return schemaMigrations({
    // WatermelonDB takes them newest first.
    migrations: versions
      .filter((added) => added <= version)
      .map((added) => ({
        toVersion: added,
        steps: [
          ...(TABLES_ADDED_IN[added] ?? []).map((table) => createTable(tableSpec(table))),
          ...Object.entries(ADDED_IN[added] ?? {}).map(([table, columns]) =>
            addColumns({
              table,
              columns: columns.map((column) => ({ name: column, ...(COLUMNS[table as TableName] as Record<string, Column>)[column] })),
            }),
          ),
        ],
      })),
  })
}

export const migrations = migrationsAt(SCHEMA_VERSION)

// Until that sync, the added columns of a synced row hold the migration's placeholder, not
// the server's value: a push leaves them out, so the server keeps what it has (a row it
// never had gets its defaults). A plan's confirmed findings are JSON text; the usual day is
// unknown while its waking time is empty; a plan's refill notice is 1 to 60 days, never 0,
// and a profile's reminder zone is "home" or "phone", never "".
const PLACEHOLDERS: Partial<Record<TableName, (raw: Record<string, unknown>) => string[]>> = {
  regimens: (raw) => [
    ...(raw.confirmed_findings === '' ? ['confirmed_findings'] : []),
    ...(raw.refill_days === 0 ? ADDED_IN[4].regimens! : []),
  ],
  profiles: (raw) => [
    ...(raw.wake_time === '' || raw.bed_time === '' ? ADDED_IN[2].profiles! : []),
    ...(raw.reminder_zone === '' ? ADDED_IN[4].profiles! : []),
  ],
}

/** A pushed record as the server should read it: without the placeholders above. */
export function wireRecord<R extends Record<string, unknown>>(table: string, raw: R): R {
  const unknown = PLACEHOLDERS[table as TableName]?.(raw) ?? []
  if (!unknown.length) return raw
  const copy: Record<string, unknown> = { ...raw }
  for (const column of unknown) delete copy[column]
  return copy as R
}
