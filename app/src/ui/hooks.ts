// Preact hooks over the local database and the app's stores.
import type { Clause } from '@nozbe/watermelondb/QueryDescription'
import { useEffect, useMemo, useState } from 'preact/hooks'

import { catalogue, refreshCatalogue } from '../data/catalogue'
import { archiveOf, db, observeRows } from '../data/db'
import type { ArchivedTable } from '../data/db/archive'
import type { TableName } from '../data/db/schema'
import { reachesArchive, readArchived } from '../data/history'
import type { Store } from '../data/store'
import type { Product, Profile, Rows } from '../domain/rows'
import { deviceZone } from '../domain/time'

/** Rows of a local query, kept current as the database changes (offline too). `null` while
 * the first result is loading. `deps` lists what the clauses depend on. */
export function useRows<T extends TableName>(table: T, clauses: Clause[] = [], deps: unknown[] = []): Rows[T][] | null {
  const [rows, setRows] = useState<Rows[T][] | null>(null)
  useEffect(() => {
    const subscription = observeRows(table, clauses).subscribe(setRows)
    return () => subscription.unsubscribe()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [table, ...deps])
  return rows
}

/** `recent` (rows of the database dated from `from` to `to`) with the archive's rows of that
 * range, when it reaches back that far (old history, data/history.ts). `null` while loading. */
export function useWithArchive<T extends ArchivedTable>(
  table: T,
  recent: Rows[T][] | null,
  from?: number | string,
  to?: number | string,
): Rows[T][] | null {
  const reaches = reachesArchive(from)
  const [archived, setArchived] = useState<Rows[T][] | null>(reaches ? null : [])
  useEffect(() => {
    const database = db()
    const archive = archiveOf(database)
    if (!reaches || !archive) {
      setArchived([])
      return
    }
    let live = true
    const read = () => {
      readArchived(table, database, from, to).then(
        (rows) => live && setArchived(rows),
        () => live && setArchived([]),
      )
    }
    read()
    const stop = archive.subscribe(read)
    return () => {
      live = false
      stop()
    }
  }, [table, from, to, reaches])
  return useMemo(() => {
    if (recent === null || archived === null) return null
    if (!archived.length) return recent
    const here = new Set(recent.map((row) => row.id))
    return [...recent, ...archived.filter((row) => !here.has(row.id))]
  }, [recent, archived])
}

export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(store.get())
  useEffect(() => {
    setValue(store.get())
    return store.subscribe(setValue)
  }, [store])
  return value
}

/** The member's profile (one row, from the server on first sync); null until it arrives. */
export function useProfile(): Profile | null | undefined {
  const rows = useRows('profiles')
  if (rows === null) return undefined
  return rows[0] ?? null
}

/** The zone the member's days are counted in: the profile's, else the device's. */
export function useZone(): string {
  const profile = useProfile()
  return profile?.timezone || deviceZone()
}

/** The current time, ticking every `everyMs`. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(timer)
  }, [everyMs])
  return now
}

/** Catalogue and own products together, sorted by name; refreshed once per mount. */
export function useProducts(): Product[] {
  const own = useRows('products') ?? []
  const [shared, setShared] = useState(catalogue.get())
  useEffect(() => {
    const stop = catalogue.subscribe(setShared)
    void refreshCatalogue()
    return stop
  }, [])
  return useMemo(() => [...shared, ...own].sort((a, b) => a.name.localeCompare(b.name)), [shared, own])
}

/** Products by id, for showing a plan's or a log's product. */
export function useProductMap(): Map<string, Product> {
  const products = useProducts()
  return useMemo(() => new Map(products.map((p) => [p.id, p])), [products])
}
