// The archive: a member's old history (issue 18) in a second IndexedDB database beside the
// local database, `<name>-archive`. LokiJS reads every record of the local database at each
// start, so rows older than a window move here, where only the screens that show old months
// read them (data/history.ts says when rows move and how sync stays exact). Rows are kept as
// WatermelonDB raw records (id, _status, _changed, columns).
//
// One object store per table, of JSON text: `m:YYYY-MM` holds the rows of a month (dated by
// the table's column, in UTC), `ids` says which month holds each id, `version` counts the
// writes. IndexedDB costs per request far more than per byte: in chromium 28,000 puts of one
// row took 5.9 s, 280 puts of a hundred rows 0.3 s. So a first sync writes a record a month,
// and a screen reads the few months it shows.
import type { TableName } from './schema'

export type Raw = Record<string, unknown> & { id: string }

/** The tables that grow with history, each with the column that dates a row. */
export const ARCHIVED = {
  intake_logs: 'taken_at',
  notifications: 'created_at',
  adherence_weeks: 'week_start',
  nutrient_days: 'day',
} as const satisfies Partial<Record<TableName, string>>

export type ArchivedTable = keyof typeof ARCHIVED
export const ARCHIVED_TABLES = Object.keys(ARCHIVED) as ArchivedTable[]

export function isArchived(table: string): table is ArchivedTable {
  return table in ARCHIVED
}

// 1 kept a row per IndexedDB record (never released); 2 keeps a month per record.
const VERSION = 2
const IDS = 'ids'
const WRITES = 'version'
// Every `m:…` key lies between these (';' follows ':').
const FIRST_MONTH = 'm:'
const PAST_MONTHS = 'm;'

type Value = number | string

/** The month a row belongs to: `YYYY-MM` of its date column (epoch ms or a YYYY-MM-DD day). */
function monthOf(value: Value): string {
  return typeof value === 'number' ? new Date(value).toISOString().slice(0, 7) : value.slice(0, 7)
}

const monthKey = (month: string) => `m:${month}`

function dateOf(table: ArchivedTable, row: Raw): Value {
  return row[ARCHIVED[table]] as Value
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onabort = () => reject(transaction.error ?? new Error('archive transaction aborted'))
    transaction.onerror = () => reject(transaction.error)
  })
}

/** Rows as month records to put, and the months left empty to delete. */
function monthRecords(table: ArchivedTable, rows: Iterable<Raw>): Map<string, Raw[]> {
  const months = new Map<string, Raw[]>()
  for (const row of rows) {
    const month = monthOf(dateOf(table, row))
    const list = months.get(month)
    if (list) list.push(row)
    else months.set(month, [row])
  }
  return months
}

interface Ids {
  version: number
  months: Map<string, string> // id → month
}

export class Archive {
  private opening: Promise<IDBDatabase> | null = null
  private listeners = new Set<() => void>()
  // Which month holds each id, as of a version: read again only after another tab wrote.
  private ids = new Map<ArchivedTable, Ids>()

  constructor(readonly name: string) {}

  /** Opened on first use: a start that reads no old history never opens it. */
  private open(): Promise<IDBDatabase> {
    this.opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, VERSION)
      request.onupgradeneeded = () => upgrade(request.result, request.transaction!)
      request.onsuccess = () => {
        // Another tab deleting or upgrading the archive: let it, and open again next time.
        request.result.onversionchange = () => {
          request.result.close()
          this.opening = null
        }
        resolve(request.result)
      }
      request.onerror = () => {
        this.opening = null
        reject(request.error)
      }
    })
    return this.opening
  }

  private async transaction(table: ArchivedTable, mode: IDBTransactionMode) {
    const transaction = (await this.open()).transaction(table, mode)
    return { store: transaction.objectStore(table), committed: committed(transaction) }
  }

  private async idsIn(table: ArchivedTable, store: IDBObjectStore): Promise<Ids> {
    const version = ((await done(store.get(WRITES))) as number | undefined) ?? 0
    const known = this.ids.get(table)
    if (known?.version === version) return known
    const text = (await done(store.get(IDS))) as string | undefined
    const ids = { version, months: new Map(Object.entries(text ? (JSON.parse(text) as Record<string, string>) : {})) }
    this.ids.set(table, ids)
    return ids
  }

  private async months(store: IDBObjectStore, months: Iterable<string>): Promise<Map<string, Map<string, Raw>>> {
    const wanted = [...new Set(months)]
    const texts = await Promise.all(wanted.map((month) => done(store.get(monthKey(month))) as Promise<string | undefined>))
    return new Map(wanted.map((month, i) => [month, new Map((texts[i] ? (JSON.parse(texts[i]!) as Raw[]) : []).map((row) => [row.id, row]))]))
  }

  /** Which of these ids the archive holds (all of its ids when `ids` is null). */
  async has(table: ArchivedTable, ids: string[] | null): Promise<Set<string>> {
    if (ids !== null && !ids.length) return new Set()
    const { store } = await this.transaction(table, 'readonly')
    const { months } = await this.idsIn(table, store)
    return new Set(ids === null ? months.keys() : ids.filter((id) => months.has(id)))
  }

  /** The rows of these ids that the archive holds. */
  async get(table: ArchivedTable, ids: string[]): Promise<Raw[]> {
    if (!ids.length) return []
    const { store } = await this.transaction(table, 'readonly')
    const { months } = await this.idsIn(table, store)
    const held = ids.filter((id) => months.has(id))
    const rows = await this.months(store, held.map((id) => months.get(id)!))
    return held.map((id) => rows.get(months.get(id)!)!.get(id)).filter((row): row is Raw => row !== undefined)
  }

  /** Rows dated from `from` to `to`, both included (as Q.between); every row without bounds. */
  async range(table: ArchivedTable, from?: Value, to?: Value): Promise<Raw[]> {
    const { store } = await this.transaction(table, 'readonly')
    const lower = from === undefined ? FIRST_MONTH : monthKey(monthOf(from))
    const upper = to === undefined ? PAST_MONTHS : monthKey(monthOf(to))
    const texts = (await done(store.getAll(IDBKeyRange.bound(lower, upper)))) as string[]
    const rows = texts.flatMap((text) => JSON.parse(text) as Raw[])
    return rows.filter((row) => {
      const value = dateOf(table, row)
      return (from === undefined || value >= from) && (to === undefined || value <= to)
    })
  }

  /** Write rows (by id: a row already here is replaced) and remove ids, in one transaction;
   * resolved once it is committed. */
  async write(table: ArchivedTable, rows: Raw[], removed: string[] = []): Promise<void> {
    if (!rows.length && !removed.length) return
    const { store, committed: written } = await this.transaction(table, 'readwrite')
    const before = await this.idsIn(table, store)
    const months = new Map(before.months)
    const touched = [...removed, ...rows.map((row) => row.id)].flatMap((id) => (months.has(id) ? [months.get(id)!] : []))
    const loaded = await this.months(store, [...touched, ...rows.map((row) => monthOf(dateOf(table, row)))])
    for (const id of [...removed, ...rows.map((row) => row.id)]) {
      const month = months.get(id)
      if (month) loaded.get(month)!.delete(id)
      months.delete(id)
    }
    for (const row of rows) {
      const month = monthOf(dateOf(table, row))
      loaded.get(month)!.set(row.id, row)
      months.set(row.id, month)
    }
    for (const [month, byId] of loaded) {
      if (byId.size) store.put(JSON.stringify([...byId.values()]), monthKey(month))
      else store.delete(monthKey(month))
    }
    const version = before.version + 1
    store.put(JSON.stringify(Object.fromEntries(months)), IDS)
    store.put(version, WRITES)
    await written
    this.ids.set(table, { version, months })
    this.changed()
  }

  async clear(): Promise<void> {
    for (const table of ARCHIVED_TABLES) {
      const { store, committed: cleared } = await this.transaction(table, 'readwrite')
      store.clear()
      await cleared
      this.ids.delete(table)
    }
    this.changed()
  }

  /** Called after every change, so a screen showing archived rows reads them again. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Tell the screens again, once rows that moved here are gone from the database. */
  changed(): void {
    for (const listener of this.listeners) listener()
  }
}

/** A store per table; one of version 1 (a row per record, keyed by id) becomes months. */
function upgrade(database: IDBDatabase, transaction: IDBTransaction): void {
  for (const table of ARCHIVED_TABLES) {
    if (!database.objectStoreNames.contains(table)) {
      database.createObjectStore(table)
      continue
    }
    const old = transaction.objectStore(table)
    if (old.keyPath === null) continue
    old.getAll().onsuccess = (event) => {
      const rows = (event.target as IDBRequest<Raw[]>).result
      database.deleteObjectStore(table)
      const store = database.createObjectStore(table)
      const months = monthRecords(table, rows)
      for (const [month, list] of months) store.put(JSON.stringify(list), monthKey(month))
      store.put(JSON.stringify(Object.fromEntries(rows.map((row) => [row.id, monthOf(dateOf(table, row))]))), IDS)
      store.put(1, WRITES)
    }
  }
}
