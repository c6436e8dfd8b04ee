// The local database: WatermelonDB on LokiJS, persisted in IndexedDB in the browser.
// Screens read plain row snapshots (domain/rows.ts) and write through the helpers below, which
// stamp created_at/updated_at as data (the server keeps its own clock;
// docs/architecture.md#pushed-changes).
import { Database, Model, Q, type AppSchema } from '@nozbe/watermelondb'
import type { Clause } from '@nozbe/watermelondb/QueryDescription'
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs'
import IncrementalIDBAdapter from 'lokijs/src/incremental-indexeddb-adapter'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { setGenerator } from '@nozbe/watermelondb/utils/common/randomId'
import { map, type Observable } from 'rxjs'

import type { Rows } from '../../domain/rows'
import { Archive, isArchived } from './archive'
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
  // Old history in an IndexedDB archive beside it (db/archive.ts); on when persistent.
  archive?: boolean
}

export function createDatabase({ name = 'ossa', persistent = true, schema: at = schema, store, archive = persistent }: DatabaseOptions = {}): Database {
  const lokiAdapter = store ?? (persistent ? idbAdapter() : undefined)
  const adapter = new LokiJSAdapter({
    schema: at,
    migrations: migrationsAt(at.version),
    dbName: name,
    ...(lokiAdapter ? { _testLokiAdapter: lokiAdapter as never } : {}),
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
  if (archive) archives.set(database, new Archive(`${name}-archive`))
  return database
}

/** LokiJS's IndexedDB adapter, handed to WatermelonDB rather than left to it: WatermelonDB
 * would first open a database of its own to see whether IndexedDB works (in a private window
 * it once did not), one more round trip of the browser before a start can read anything.
 * Every browser the app supports has IndexedDB, private windows too. */
function idbAdapter(): unknown {
  return typeof indexedDB === 'undefined' ? undefined : new IncrementalIDBAdapter()
}

const persistentDatabases = new WeakSet<Database>()
const archives = new WeakMap<Database, Archive>()

/** The archive of old history beside a database, if it has one. */
export function archiveOf(database: Database): Archive | null {
  return archives.get(database) ?? null
}

/** After a person's own change or a sync: to IndexedDB now, not at the next autosave tick, so
 * closing the app right away keeps it. */
export function keep(database: Database): void {
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

/** Ids of these the database holds, also those deleted here and not yet sent. */
export async function localIds(table: TableName, ids: string[], database: Database = db()): Promise<Set<string>> {
  if (!ids.length) return new Set()
  const [live, deleted] = await Promise.all([
    database.get(table).query(Q.where('id', Q.oneOf(ids))).fetchIds(),
    database.adapter.getDeletedRecords(table),
  ])
  const wanted = new Set(ids)
  return new Set([...live, ...deleted.filter((id) => wanted.has(id))])
}

/** Bring archived records back into the database (inside a writer), so they can change and
 * sync like any other; returns how many came back. The copy here is saved before the archive's
 * goes. A record the database also holds is the database's: the archived copy is dropped. */
export async function restore(table: TableName, ids: string[], database: Database = db()): Promise<number> {
  const archive = archiveOf(database)
  if (!archive || !isArchived(table) || !ids.length) return 0
  const raws = await archive.get(table, ids)
  if (!raws.length) return 0
  const here = await localIds(table, raws.map((raw) => raw.id), database)
  const collection = database.get(table)
  const back = raws.filter((raw) => !here.has(raw.id))
  await database.batch(back.map((raw) => collection.prepareCreateFromDirtyRaw(raw)))
  if (persistentDatabases.has(database)) await saveNow(database)
  await archive.write(table, [], raws.map((raw) => raw.id))
  return back.length
}

/** A record by id, brought back from the archive first if it is there (inside a writer). */
async function findForChange(table: TableName, id: string, database: Database): Promise<Model> {
  try {
    return await database.get(table).find(id)
  } catch (error) {
    if ((await restore(table, [id], database)) === 0) throw error
    return database.get(table).find(id)
  }
}

export async function update<T extends TableName>(
  table: T,
  id: string,
  values: Values<T>,
  database: Database = db(),
): Promise<Rows[T]> {
  return database.write(async () => {
    const record = await findForChange(table, id, database)
    await record.update((r) => assign(r, table, values))
    return snapshot<T>(record)
  }).finally(() => keep(database))
}

/** Delete locally; the deletion travels to the server on the next sync. */
export async function remove(table: TableName, id: string, database: Database = db()): Promise<void> {
  await database.write(async () => {
    const record = await findForChange(table, id, database)
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
