// The archive: a member's old history (issue 18) in a second IndexedDB database beside the
// local database, `<name>-archive`, one object store per table keyed by id with an index on
// the column that dates a row. LokiJS reads every record of the local database at each start,
// so rows older than a window move here, where only the screens that show old months read
// them, a range at a time (data/history.ts says when rows move and how sync stays exact).
// Rows are kept as WatermelonDB raw records (id, _status, _changed, columns).
import type { TableName } from './schema'

type Raw = Record<string, unknown> & { id: string }

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

const VERSION = 1

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

export class Archive {
  private opening: Promise<IDBDatabase> | null = null
  private listeners = new Set<() => void>()

  constructor(readonly name: string) {}

  /** Opened on first use: a start that reads no old history never opens it. */
  private open(): Promise<IDBDatabase> {
    this.opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(this.name, VERSION)
      request.onupgradeneeded = () => {
        for (const [table, column] of Object.entries(ARCHIVED)) {
          if (request.result.objectStoreNames.contains(table)) continue
          request.result.createObjectStore(table, { keyPath: 'id' }).createIndex(column, column)
        }
      }
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

  private async store(table: ArchivedTable, mode: IDBTransactionMode = 'readonly') {
    const transaction = (await this.open()).transaction(table, mode)
    return { store: transaction.objectStore(table), done: committed(transaction) }
  }

  /** The rows of these ids that the archive holds. */
  async get(table: ArchivedTable, ids: string[]): Promise<Raw[]> {
    if (!ids.length) return []
    const { store } = await this.store(table)
    const rows = await Promise.all(ids.map((id) => done(store.get(id) as IDBRequest<Raw | undefined>)))
    return rows.filter((row): row is Raw => row !== undefined)
  }

  /** Which of these ids the archive holds (all of its ids when `ids` is null). */
  async has(table: ArchivedTable, ids: string[] | null): Promise<Set<string>> {
    if (ids !== null && !ids.length) return new Set()
    const { store } = await this.store(table)
    if (ids === null || ids.length > 64) {
      const all = (await done(store.getAllKeys())) as string[]
      return ids === null ? new Set(all) : intersect(all, ids)
    }
    const keys = await Promise.all(ids.map((id) => done(store.getKey(id))))
    return new Set(keys.filter((key): key is string => typeof key === 'string'))
  }

  /** Rows dated from `from` to `to`, both included (as Q.between); every row without bounds. */
  async range(table: ArchivedTable, from?: number | string, to?: number | string): Promise<Raw[]> {
    const { store } = await this.store(table)
    const bounds =
      from !== undefined && to !== undefined ? IDBKeyRange.bound(from, to)
      : from !== undefined ? IDBKeyRange.lowerBound(from)
      : to !== undefined ? IDBKeyRange.upperBound(to)
      : undefined
    return (await done(store.index(ARCHIVED[table]).getAll(bounds))) as Raw[]
  }

  /** Write rows and remove ids in one transaction, resolved once it is committed. */
  async write(table: ArchivedTable, rows: Raw[], removed: string[] = []): Promise<void> {
    if (!rows.length && !removed.length) return
    const { store, done: written } = await this.store(table, 'readwrite')
    for (const row of rows) store.put(row)
    for (const id of removed) store.delete(id)
    await written
    this.changed()
  }

  async clear(): Promise<void> {
    for (const table of ARCHIVED_TABLES) {
      const { store, done: cleared } = await this.store(table, 'readwrite')
      store.clear()
      await cleared
    }
    this.changed()
  }

  /** Called after every change, so a screen showing archived rows reads them again. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}

function intersect(all: string[], ids: string[]): Set<string> {
  const wanted = new Set(ids)
  return new Set(all.filter((id) => wanted.has(id)))
}
