// The local database: WatermelonDB on LokiJS, persisted in IndexedDB in the browser.
// Screens read plain row snapshots (domain/rows.ts) and write through the helpers below, which
// stamp created_at/updated_at as data (the server keeps its own clock;
// docs/architecture.md#pushed-changes).
import { Database, Model, Q, type AppSchema } from '@nozbe/watermelondb'
import type { Clause } from '@nozbe/watermelondb/QueryDescription'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { setGenerator } from '@nozbe/watermelondb/utils/common/randomId'
import { map, type Observable } from 'rxjs'

import type { Rows } from '../../domain/rows'
import { COLUMNS, migrationsAt, schema, tablesAt, type TableName } from './schema'

// Member data keeps UUID keys everywhere; the server refuses other ids.
setGenerator(() => crypto.randomUUID())
// WatermelonDB narrates every database step on the console; errors still surface.
if (import.meta.env.PROD) logger.silence()

function modelFor(table: TableName): typeof Model {
  return class extends Model {
    static table = table
  }
}

export interface DatabaseOptions {
  name?: string
  // In tests (Node) the store stays in memory.
  persistent?: boolean
  // Tests of a migration: the older schema a device had, and the in-memory store it left
  // (LokiJS's persistence adapter), opened again by the current schema.
  schema?: AppSchema
  store?: unknown
}

export function createDatabase({ name = 'ossa', persistent = true, schema: at = schema, store }: DatabaseOptions = {}): Database {
  const adapter = new LokiJSAdapter({
    schema: at,
    migrations: migrationsAt(at.version),
    dbName: name,
    ...(store ? { _testLokiAdapter: store as never } : {}),
    useWebWorker: false,
    useIncrementalIndexedDB: persistent,
    // LokiJS writes to IndexedDB on a timer; a dose tapped just before the app is closed
    // was lost 2 times in 6 at the default 500 ms (bench/app.py). Save sooner, and at once
    // when the app is hidden (see saveWhenHidden).
    extraLokiOptions: persistent ? { autosaveInterval: SAVE_INTERVAL_MS } : { autosave: false },
    onSetUpError: (error: Error) => {
      console.error('local database could not be opened', error)
    },
  })
  // An older schema (a migration test's device) has only the tables it had then.
  const database = new Database({ adapter, modelClasses: tablesAt(at.version).map(modelFor) })
  if (persistent) persistentDatabases.add(database)
  return database
}

const persistentDatabases = new WeakSet<Database>()

/** After a person's own change: to IndexedDB now, so closing the app right away keeps it. */
function keep(database: Database): void {
  if (persistentDatabases.has(database)) void saveNow(database).catch(() => undefined)
}

const SAVE_INTERVAL_MS = 150

/** Write the database to IndexedDB now, not at the next autosave tick. */
export function saveNow(database: Database = db()): Promise<void> {
  return database.adapter.unsafeExecute({
    loki: (loki: { saveDatabase: (callback?: (error?: unknown) => void) => void }) => loki.saveDatabase(),
  } as never)
}

/** Phones put a hidden app to sleep or end it without warning: save when it is hidden. */
export function saveWhenHidden(database: Database = db()): () => void {
  const save = () => {
    if (document.visibilityState === 'hidden') void saveNow(database).catch(() => undefined)
  }
  document.addEventListener('visibilitychange', save)
  window.addEventListener('pagehide', save)
  return () => {
    document.removeEventListener('visibilitychange', save)
    window.removeEventListener('pagehide', save)
  }
}

let current: Database | null = null

export function db(): Database {
  current ??= createDatabase()
  return current
}

type Values<T extends TableName> = Partial<Omit<Rows[T], 'id'>>

const BOOKKEEPING = new Set(['_status', '_changed'])

export function snapshot<T extends TableName>(record: Model): Rows[T] {
  const raw = record._raw as unknown as Record<string, unknown>
  const row: Record<string, unknown> = {}
  for (const key of Object.keys(raw)) if (!BOOKKEEPING.has(key)) row[key] = raw[key]
  return row as unknown as Rows[T]
}

function assign<T extends TableName>(record: Model, table: T, values: Values<T>): void {
  const columns = COLUMNS[table] as Record<string, unknown>
  for (const [column, value] of Object.entries(values)) {
    if (!(column in columns)) throw new Error(`${table} has no column ${column}`)
    record._setRaw(column, value as never)
  }
  const now = Date.now()
  if ('updated_at' in columns) record._setRaw('updated_at', now)
}

/** Create a record; `id` names it when the caller needed its id before saving (the plan
 * form checks a new plan under the id it will have). */
export async function create<T extends TableName>(
  table: T,
  values: Values<T>,
  database: Database = db(),
  id?: string,
): Promise<Rows[T]> {
  return database.write(async () => {
    const record = await database.get(table).create((r) => {
      if (id) r._raw.id = id
      if ('created_at' in COLUMNS[table]) r._setRaw('created_at', Date.now())
      assign(r, table, values)
    })
    return snapshot<T>(record)
  }).finally(() => keep(database))
}

export async function update<T extends TableName>(
  table: T,
  id: string,
  values: Values<T>,
  database: Database = db(),
): Promise<Rows[T]> {
  return database.write(async () => {
    const record = await database.get(table).find(id)
    await record.update((r) => assign(r, table, values))
    return snapshot<T>(record)
  }).finally(() => keep(database))
}

/** Delete locally; the deletion travels to the server on the next sync. */
export async function remove(table: TableName, id: string, database: Database = db()): Promise<void> {
  await database.write(async () => {
    const record = await database.get(table).find(id)
    // Never sent to the server: nothing to tell it, so it simply goes.
    if ((record._raw as { _status?: string })._status === 'created') await record.destroyPermanently()
    else await record.markAsDeleted()
  }).finally(() => keep(database))
}

/** A record's stored columns whatever its sync status: one deleted here and not yet sent is
 * hidden from queries, yet the screen of changes not sent still has to describe it. */
export async function storedRow<T extends TableName>(table: T, id: string, database: Database = db()): Promise<Rows[T] | null> {
  let found: Record<string, unknown> | null = null
  await database.adapter.unsafeExecute({
    loki: (loki: { getCollection: (name: string) => { by: (field: string, value: string) => Record<string, unknown> | undefined } | null }) => {
      found = loki.getCollection(table)?.by('id', id) ?? null
    },
  } as never)
  if (!found) return null
  const row: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(found as Record<string, unknown>)) if (!BOOKKEEPING.has(key) && key !== '$loki' && key !== 'meta') row[key] = value
  return row as unknown as Rows[T]
}

export async function fetchRows<T extends TableName>(
  table: T,
  clauses: Clause[] = [],
  database: Database = db(),
): Promise<Rows[T][]> {
  const records = await database.get(table).query(...clauses).fetch()
  return records.map((r) => snapshot<T>(r))
}

/** Rows of a query, again whenever one of them (or any column of them) changes. */
export function observeRows<T extends TableName>(
  table: T,
  clauses: Clause[] = [],
  database: Database = db(),
): Observable<Rows[T][]> {
  const columns = Object.keys(COLUMNS[table])
  return database
    .get(table)
    .query(...clauses)
    .observeWithColumns(columns)
    .pipe(map((records: Model[]) => records.map((r) => snapshot<T>(r))))
}

export { Q }
