// A device with the app's schema 1 opens schema 2 or later: its data stays, the new columns
// and tables arrive with the next sync (a migration pull that names them), and a change made
// before the upgrade and never sent is still sent, without the placeholders the migration
// left. A device at schema 2 opens schema 3: the nutrient tables are created empty and their
// rows come with the next sync. A device at schema 3 opens schema 4: the stock and reminder
// tables are created empty, the plans and the profile gain their reminder and stock columns,
// and a plan changed offline before the upgrade goes without them.
import type { Database } from '@nozbe/watermelondb'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { fetchLocalChanges } from '@nozbe/watermelondb/sync/impl'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { create, createDatabase, fetchRows, saveNow, update } from '.'
import { FakeSyncServer, MemoryStorage } from '../fakeSyncServer'
import { HeldBack } from '../held'
import { countChanges, type Changes } from '../pushChunks'
import { syncOnce } from '../sync'
import { ADDED_IN, COLUMNS, SCHEMA_VERSION, schema, schemaAt, TABLES_ADDED_IN, tablesAt, wireRecord } from './schema'

logger.silence()

const PROFILE_ID = '0b5e4c36-3f0a-4c5e-9d55-8a1f2b3c4d5e'
const PLAN_ID = '1c6f5d47-4a1b-4d6f-8e66-9b203c4d5e6f'
const PRODUCT_ID = '2d7a6e58-5b2c-4e7a-9f77-ac314d5e6f70'
// The profile as a server speaking schema 1 sends it.
const PROFILE_V1 = {
  id: PROFILE_ID, date_of_birth: '1961-03-14', sex: 'female', menopause_status: 'post', final_period_date: null,
  pregnant: false, lactating: false, weight_kg: 64.5, timezone: 'Europe/Amsterdam', units: 'metric',
  reminder_weekday: 7, reminder_time: '18:00', remind_in_app: true, remind_by_push: false, remind_by_email: true,
  quiet_hours_start: null, quiet_hours_end: null, updated_at: 1,
}
const PLAN_V1 = {
  id: PLAN_ID, product_id: PRODUCT_ID, servings_per_dose: 1, schedule_kind: 'daily', times: '["08:00"]', weekdays: '[]',
  day_of_month: null, interval_days: null, start_date: '2026-11-01', end_date: null, note: 'with breakfast', created_at: 1, updated_at: 1,
}
const PRODUCT_V1 = {
  id: PRODUCT_ID, name: 'My alendronate', brand: '', kind: 'medicine', drug_class: 'bisphosphonate', drug: 'alendronate',
  release: 'immediate', strength_mg: 70, serving_unit: 'tablet', notes: '', ingredients: '[]', created_at: 1, updated_at: 1,
}

/** The migration a device of schema `from` asks the server for (WatermelonDB's migration
 * sync): every table and column added since, the columns grouped by table. */
function migrationFrom(from: number) {
  const later = Object.keys({ ...ADDED_IN, ...TABLES_ADDED_IN }).map(Number).filter((v) => v > from).sort()
  const columns = new Map<string, string[]>()
  for (const version of later) {
    for (const [table, added] of Object.entries(ADDED_IN[version] ?? {})) columns.set(table, [...(columns.get(table) ?? []), ...added!])
  }
  return {
    from,
    tables: later.flatMap((version) => TABLES_ADDED_IN[version] ?? []),
    columns: [...columns].map(([table, added]) => ({ table, columns: added })),
  }
}

let server: FakeSyncServer
let held: HeldBack
let names = 0

beforeEach(() => {
  server = new FakeSyncServer()
  vi.stubGlobal('fetch', server.fetch)
  vi.stubGlobal('localStorage', new MemoryStorage())
  vi.stubGlobal('navigator', { onLine: true })
  held = new HeldBack(localStorage, 'held')
})

afterEach(() => {
  vi.unstubAllGlobals()
})

/** The in-memory store a database leaves, for the next app version to open. */
async function closed(database: Database): Promise<unknown> {
  await saveNow(database)
  return (database.adapter as unknown as { underlyingAdapter: { _driver: { loki: { persistenceAdapter: unknown } } } }).underlyingAdapter._driver.loki.persistenceAdapter
}

/** A device that synced with schema 1, then planned something offline. */
async function deviceOnSchema1(name: string): Promise<{ store: unknown; offlinePlan: string }> {
  server.put('profiles', PROFILE_V1)
  server.put('products', PRODUCT_V1)
  server.put('regimens', PLAN_V1)
  const old = createDatabase({ name, persistent: false, schema: schemaAt(1) })
  await syncOnce(old, held)
  const offline = await create('regimens', { ...planValues(), note: 'planned offline' }, old)
  return { store: await closed(old), offlinePlan: offline.id }
}

function planValues() {
  return { product_id: PRODUCT_ID, servings_per_dose: 2, schedule_kind: 'daily' as const, times: '["20:00"]', weekdays: '[]', start_date: '2026-12-01', note: '' }
}

describe('schema 2', () => {
  it('is schema 1 with the columns ADDED_IN[2], and nothing else', () => {
    const columns = (version: number) => schemaAt(version).tables
    for (const [table, added] of Object.entries(ADDED_IN[2])) {
      const before = Object.keys(columns(1)[table].columns)
      const after = Object.keys(columns(2)[table].columns)
      expect(after.filter((c) => !before.includes(c))).toEqual(added)
    }
    expect(schema.version).toBe(SCHEMA_VERSION)
    expect(Object.keys(schema.tables[('regimens')].columns)).toEqual(Object.keys(COLUMNS.regimens))
  })

  it('sends no placeholder: an upgraded row leaves out the columns it has not received yet', () => {
    const day = { wake_time: '', breakfast_time: null, lunch_time: null, dinner_time: null, bed_time: '' }
    expect(wireRecord('profiles', { ...PROFILE_V1, ...day })).toEqual(PROFILE_V1)
    expect(wireRecord('regimens', { ...PLAN_V1, confirmed_findings: '' })).toEqual(PLAN_V1)
    // A member's own answers go as they are, "I skip it" (null) included.
    const own = { ...PROFILE_V1, ...day, wake_time: '06:00', bed_time: '22:00' }
    expect(wireRecord('profiles', own)).toEqual(own)
    expect(wireRecord('regimens', { ...PLAN_V1, confirmed_findings: '[]' })).toHaveProperty('confirmed_findings', '[]')
  })

  it('keeps the data of a device that had schema 1, with the new columns empty until the next sync', async () => {
    const { store, offlinePlan } = await deviceOnSchema1(`upgrade-${++names}`)

    const upgraded = createDatabase({ name: `upgrade-${names}`, persistent: false, store })

    const [profile] = await fetchRows('profiles', [], upgraded)
    expect(profile).toMatchObject({ timezone: 'Europe/Amsterdam', date_of_birth: '1961-03-14', wake_time: '', breakfast_time: null, bed_time: '' })
    const plans = await fetchRows('regimens', [], upgraded)
    expect(plans.map((p) => [p.id, p.times, p.note, p.confirmed_findings]).sort()).toEqual(
      [
        [PLAN_ID, '["08:00"]', 'with breakfast', ''],
        [offlinePlan, '["20:00"]', 'planned offline', ''],
      ].sort(),
    )
    const [product] = await fetchRows('products', [], upgraded)
    expect(product).toMatchObject({ name: 'My alendronate', usual_schedule: '' })
    // The plan made offline is still waiting to be sent.
    const { changes } = await fetchLocalChanges(upgraded)
    expect((changes as Changes).regimens.created.map((r) => r.id)).toEqual([offlinePlan])
  })

  it('asks the server for the new columns at the next sync and sends the offline plan', async () => {
    const { store, offlinePlan } = await deviceOnSchema1(`upgrade-${++names}`)
    // The server moved to schema 2: its stored rows have the new columns, without new stamps.
    server.upgrade('profiles', PROFILE_ID, { wake_time: '06:30', breakfast_time: null, lunch_time: '12:00', dinner_time: '19:00', bed_time: '23:00' })
    server.upgrade('regimens', PLAN_ID, { confirmed_findings: '["labelled_frequency"]' })
    server.upgrade('products', PRODUCT_ID, { usual_schedule: 'weekly' })

    const upgraded = createDatabase({ name: `upgrade-${names}`, persistent: false, store })
    await syncOnce(upgraded, held)

    const pull = server.pulls.at(-1)!
    expect(pull.schemaVersion).toBe(String(SCHEMA_VERSION))
    expect(pull.cursor).not.toBe('null')
    expect(pull.migration).toEqual(migrationFrom(1))
    expect(pull.migration!.columns[0]).toEqual({ table: 'products', columns: ['usual_schedule'] })
    const [profile] = await fetchRows('profiles', [], upgraded)
    expect(profile).toMatchObject({ wake_time: '06:30', breakfast_time: null, lunch_time: '12:00', dinner_time: '19:00', bed_time: '23:00' })
    const plan = (await fetchRows('regimens', [], upgraded)).find((p) => p.id === PLAN_ID)!
    expect(plan.confirmed_findings).toBe('["labelled_frequency"]')
    expect((await fetchRows('products', [], upgraded))[0].usual_schedule).toBe('weekly')
    // The offline plan went without the migration's placeholder (the server keeps its
    // default, an empty list); nothing is held back or waiting.
    const pushed = server.pushes.at(-1)!.changes.regimens
    expect(pushed.created.map((r) => r.id)).toEqual([offlinePlan])
    expect(pushed.created[0]).not.toHaveProperty('confirmed_findings')
    expect(held.all()).toEqual([])
    expect(countChanges((await fetchLocalChanges(upgraded)).changes as Changes)).toBe(0)
  })
})

const DAY_ID = '3e8b7f69-6c3d-4f8b-8a88-bd425e6f7081'
const TARGET_ID = '4f9c8a7a-7d4e-4a9c-9b99-ce536f708192'
const NUTRIENT_DAY = {
  id: DAY_ID, day: '2026-12-01', k1: 0, k2_mk4: 0, k2_mk7: 90, d2: 0, d3: 50, calcium: 0, magnesium: 100,
  planned_k1: 0, planned_k2_mk4: 0, planned_k2_mk7: 90, planned_d2: 0, planned_d3: 50, planned_calcium: 0, planned_magnesium: 100,
}
const TARGET = { id: TARGET_ID, nutrient: 'vitamin_d', unit: 'mcg', intake_kind: 'rda', intake: 15, upper_limit: 100, source: 'ODS-D', note: '' }

describe('schema 3', () => {
  it('is schema 2 with the nutrient tables, and nothing else', () => {
    expect(tablesAt(2)).not.toContain('nutrient_days')
    expect(Object.keys(schemaAt(2).tables).sort()).toEqual(tablesAt(2).sort())
    const added = Object.keys(schemaAt(3).tables).filter((t) => !(t in schemaAt(2).tables))
    expect(added.sort()).toEqual([...TABLES_ADDED_IN[3]].sort())
    for (const table of tablesAt(2)) expect(schemaAt(3).tables[table]).toEqual(schemaAt(2).tables[table])
    expect(Object.keys(schema.tables.nutrient_days.columns)).toEqual(Object.keys(COLUMNS.nutrient_days))
  })

  it('a server does not send the nutrient tables to a device of schema 2', async () => {
    server.put('nutrient_days', NUTRIENT_DAY)
    const old = createDatabase({ name: `v2-${++names}`, persistent: false, schema: schemaAt(2) })
    await syncOnce(old, held)
    const response = await server.fetch('/api/v1/sync/pull?last_pulled_at=null&schema_version=2')
    const { changes } = (await response.json()) as { changes: Record<string, unknown> }
    expect(changes).not.toHaveProperty('nutrient_days')
    expect(held.all()).toEqual([])
  })

  it('creates the nutrient tables on a device of schema 2, and its next sync fills them', async () => {
    server.put('profiles', { ...PROFILE_V1, wake_time: '07:00', breakfast_time: '07:30', lunch_time: null, dinner_time: '18:30', bed_time: '22:30' })
    server.put('nutrient_days', NUTRIENT_DAY)
    server.put('nutrient_targets', TARGET)
    const name = `v2-${++names}`
    const old = createDatabase({ name, persistent: false, schema: schemaAt(2) })
    await syncOnce(old, held)
    const store = await closed(old)

    const upgraded = createDatabase({ name, persistent: false, store })
    expect(await fetchRows('nutrient_days', [], upgraded)).toEqual([])
    expect((await fetchRows('profiles', [], upgraded))[0].wake_time).toBe('07:00')
    await syncOnce(upgraded, held)

    const pull = server.pulls.at(-1)!
    expect(pull.schemaVersion).toBe(String(SCHEMA_VERSION))
    expect(pull.cursor).not.toBe('null')
    expect(pull.migration).toEqual(migrationFrom(2))
    expect(pull.migration!.tables.slice(0, 2)).toEqual(TABLES_ADDED_IN[3])
    expect(await fetchRows('nutrient_days', [], upgraded)).toEqual([NUTRIENT_DAY])
    expect(await fetchRows('nutrient_targets', [], upgraded)).toEqual([TARGET])
    expect(countChanges((await fetchLocalChanges(upgraded)).changes as Changes)).toBe(0)
  })
})

const STOCK_ID = '5a0d9b8b-8e5f-4b0d-8caa-df647a8192a3'
const REMINDER_ID = '6b1e0c9c-9f60-4c1e-9dbb-e0758b92a3b4'
const DOSE_ID = '7c2f1dad-a071-4d2f-8ecc-f1869ca3b4c5'
const DAY = { wake_time: '07:00', breakfast_time: '07:30', lunch_time: null, dinner_time: '18:30', bed_time: '22:30' }
const PLAN_V3 = { ...PLAN_V1, confirmed_findings: '[]' }
const STOCK = { id: STOCK_ID, regimen_id: PLAN_ID, kind: 'count', servings: 4, at: 1_764_000_000_000, note: '', created_at: 1, updated_at: 1 }
const REMINDER = {
  id: REMINDER_ID, regimen_id: PLAN_ID, due_at: 1_764_057_600_000, state: 'snoozed', snoozed_until: 1_764_058_200_000,
  next_at: 1_764_058_200_000, follow_up_sent: false, late: false,
}

/** A device that synced with schema 3, then, offline, logged a dose, changed its plan's note
 * and planned something new. */
async function deviceOnSchema3(name: string) {
  server.put('profiles', { ...PROFILE_V1, ...DAY })
  server.put('products', { ...PRODUCT_V1, usual_schedule: 'weekly' })
  server.put('regimens', PLAN_V3)
  server.put('nutrient_days', NUTRIENT_DAY)
  const old = createDatabase({ name, persistent: false, schema: schemaAt(3) })
  await syncOnce(old, held)
  const dose = { regimen_id: PLAN_ID, product_id: PRODUCT_ID, servings: 1, taken_at: 1_764_057_900_000, status: 'taken' as const, note: '', source: 'app' }
  await create('intake_logs', dose, old, DOSE_ID)
  await update('regimens', PLAN_ID, { note: 'before breakfast, changed offline' }, old)
  const offline = await create('regimens', { ...planValues(), confirmed_findings: '[]' }, old)
  return { store: await closed(old), offlinePlan: offline.id }
}

describe('schema 4', () => {
  it('is schema 3 with the stock and reminder tables and the columns ADDED_IN[4], and nothing else', () => {
    expect(TABLES_ADDED_IN[4]).toEqual(['stock_events', 'dose_reminders'])
    const added = Object.keys(schemaAt(4).tables).filter((t) => !(t in schemaAt(3).tables))
    expect(added.sort()).toEqual([...TABLES_ADDED_IN[4]].sort())
    for (const table of tablesAt(3)) {
      const before = Object.keys(schemaAt(3).tables[table].columns)
      const after = Object.keys(schemaAt(4).tables[table].columns)
      expect(after.filter((c) => !before.includes(c))).toEqual(ADDED_IN[4][table] ?? [])
    }
    expect(Object.keys(schema.tables.stock_events.columns)).toEqual(Object.keys(COLUMNS.stock_events))
  })

  it('sends no placeholder: a plan or profile not pulled since the upgrade leaves out its reminder and stock settings', () => {
    const plan = { ...PLAN_V3, remind: false, follow_up_minutes: null, pack_size: null, refill_days: 0 }
    expect(wireRecord('regimens', plan)).toEqual(PLAN_V3)
    const profile = { ...PROFILE_V1, ...DAY, follow_up_minutes: 0, reminder_zone: '', phone_timezone: '', dose_reminders_by_email: false }
    expect(wireRecord('profiles', profile)).toEqual({ ...PROFILE_V1, ...DAY })
    // The member's own settings go as they are, "reminders off" included.
    const own = { ...plan, refill_days: 7 }
    expect(wireRecord('regimens', own)).toEqual(own)
    expect(wireRecord('profiles', { ...profile, reminder_zone: 'home' })).toHaveProperty('follow_up_minutes', 0)
  })

  it('a server does not send the stock and reminder tables to a device of schema 3', async () => {
    server.put('stock_events', STOCK)
    server.put('dose_reminders', REMINDER)
    const response = await server.fetch('/api/v1/sync/pull?last_pulled_at=null&schema_version=3')
    const { changes } = (await response.json()) as { changes: Record<string, unknown> }
    expect(changes).not.toHaveProperty('stock_events')
    expect(changes).not.toHaveProperty('dose_reminders')
    expect(changes).toHaveProperty('nutrient_days')
  })

  it('keeps the data and the unsent changes of a device that had schema 3', async () => {
    const { store, offlinePlan } = await deviceOnSchema3(`v3-${++names}`)

    const upgraded = createDatabase({ name: `v3-${names}`, persistent: false, store })

    expect(await fetchRows('stock_events', [], upgraded)).toEqual([])
    expect(await fetchRows('dose_reminders', [], upgraded)).toEqual([])
    expect(await fetchRows('nutrient_days', [], upgraded)).toEqual([NUTRIENT_DAY])
    const [profile] = await fetchRows('profiles', [], upgraded)
    expect(profile).toMatchObject({ ...DAY, timezone: 'Europe/Amsterdam', reminder_zone: '', follow_up_minutes: 0 })
    const plan = (await fetchRows('regimens', [], upgraded)).find((p) => p.id === PLAN_ID)!
    expect(plan).toMatchObject({ note: 'before breakfast, changed offline', confirmed_findings: '[]', remind: false, refill_days: 0, pack_size: null })
    const [dose] = await fetchRows('intake_logs', [], upgraded)
    expect(dose).toMatchObject({ id: DOSE_ID, taken_at: 1_764_057_900_000, status: 'taken' })
    const changes = (await fetchLocalChanges(upgraded)).changes as Changes
    expect(changes.intake_logs.created.map((r) => r.id)).toEqual([DOSE_ID])
    expect(changes.regimens.created.map((r) => r.id)).toEqual([offlinePlan])
    expect(changes.regimens.updated.map((r) => r.id)).toEqual([PLAN_ID])
  })

  it('asks the server for the new tables and columns at the next sync, and sends what waited', async () => {
    const { store, offlinePlan } = await deviceOnSchema3(`v3-${++names}`)
    // The server moved to schema 4: its stored rows have the new columns, without new stamps.
    server.upgrade('regimens', PLAN_ID, { remind: true, follow_up_minutes: 20, pack_size: 4, refill_days: 10 })
    server.upgrade('profiles', PROFILE_ID, { follow_up_minutes: 45, reminder_zone: 'phone', phone_timezone: 'Asia/Tokyo', dose_reminders_by_email: false })
    server.put('stock_events', STOCK)
    server.put('dose_reminders', REMINDER)

    const upgraded = createDatabase({ name: `v3-${names}`, persistent: false, store })
    await syncOnce(upgraded, held)

    const pull = server.pulls.at(-1)!
    expect(pull.schemaVersion).toBe('4')
    expect(pull.cursor).not.toBe('null')
    expect(pull.migration).toEqual({ from: 3, tables: ['stock_events', 'dose_reminders'], columns: Object.entries(ADDED_IN[4]).map(([table, columns]) => ({ table, columns })) })
    expect(await fetchRows('stock_events', [], upgraded)).toEqual([STOCK])
    expect(await fetchRows('dose_reminders', [], upgraded)).toEqual([REMINDER])
    const [profile] = await fetchRows('profiles', [], upgraded)
    expect(profile).toMatchObject({ follow_up_minutes: 45, reminder_zone: 'phone', phone_timezone: 'Asia/Tokyo' })
    // The plan changed offline keeps its note and gains the server's settings.
    const plan = (await fetchRows('regimens', [], upgraded)).find((p) => p.id === PLAN_ID)!
    expect(plan).toMatchObject({ note: 'before breakfast, changed offline', remind: true, follow_up_minutes: 20, pack_size: 4, refill_days: 10 })
    const pushed = server.pushes.at(-1)!.changes
    expect(pushed.intake_logs.created.map((r) => r.id)).toEqual([DOSE_ID])
    expect(pushed.regimens.updated.find((r) => r.id === PLAN_ID)).toMatchObject({ note: 'before breakfast, changed offline', refill_days: 10 })
    // The plan made offline before the upgrade goes without the migration's placeholders:
    // the server gives it its defaults.
    const made = pushed.regimens.created.find((r) => r.id === offlinePlan)!
    for (const column of ADDED_IN[4].regimens!) expect(made).not.toHaveProperty(column)
    expect(server.get('intake_logs', DOSE_ID)).toMatchObject({ regimen_id: PLAN_ID, status: 'taken' })
    expect(held.all()).toEqual([])
    expect(countChanges((await fetchLocalChanges(upgraded)).changes as Changes)).toBe(0)
  })
})
