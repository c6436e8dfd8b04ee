// Old history kept out of the local database's first read (issue 18). Intake logs, inbox
// messages already read, adherence weeks and nutrient days older than KEEP_DAYS live in the
// archive beside the database (db/archive.ts). A start reads the window; Week's old months and
// the Inbox read the archive when shown. Sync still sees every record:
// - only synced records are archived, so every local change is in the database when a push
//   gathers them, and a local write to an archived record brings it back first (db restore);
// - a pull's change to an archived record is applied where the record is, as WatermelonDB
//   applies one to a synced record (the server's values over the local ones, or gone), and an
//   old record new to this device goes straight to the archive;
// - a replacement pull (410, a discarded change) removes archived records it does not list;
// - rows move by copy, then delete: the archive is committed before the database lets go, and a
//   record found in both is the database's.
import type { Database } from '@nozbe/watermelondb'
import type { TableSchema } from '@nozbe/watermelondb/Schema'
import { sanitizedRaw } from '@nozbe/watermelondb/RawRecord'

import type { Rows } from '../domain/rows'
import { archiveOf, localIds, Q, saveNow } from './db'
import { ARCHIVED, ARCHIVED_TABLES, type Archive, type ArchivedTable } from './db/archive'
import { COLUMNS } from './db/schema'
import type { Changes } from './pushChunks'

type Raw = Record<string, unknown> & { id: string }

const DAY_MS = 86_400_000
// What a start keeps: Today's week, the 12 weeks of Trends and Nutrients, Week's recent months.
export const KEEP_DAYS = 120
// Rows move a month at a time, so the archive is written about once a month, not every day.
const MOVE_AFTER_DAYS = KEEP_DAYS + 30

interface Cutoff {
  ms: number
  day: string
}

export function cutoff(now: number, days: number = KEEP_DAYS): Cutoff {
  const ms = now - days * DAY_MS
  return { ms, day: new Date(ms).toISOString().slice(0, 10) }
}

/** Whether a row is old enough for the archive: dated before the cutoff (an inbox message
 * also read, so the unread count needs nothing but the database). */
export function isOld(table: ArchivedTable, raw: Record<string, unknown>, before: Cutoff): boolean {
  if (table === 'notifications' && raw.read_at == null) return false
  const value = raw[ARCHIVED[table]]
  return typeof value === typeof bound(table, before) && value !== '' && (value as number | string) < bound(table, before)
}

/** The cutoff as the table dates its rows: epoch milliseconds or a YYYY-MM-DD day. */
function bound(table: ArchivedTable, before: Cutoff): number | string {
  const columns = COLUMNS[table] as Record<string, { type: string }>
  return columns[ARCHIVED[table]].type === 'number' ? before.ms : before.day
}

async function syncedRaws(database: Database, table: ArchivedTable, before: Cutoff): Promise<Raw[]> {
  const dated = Q.where(ARCHIVED[table], Q.lt(bound(table, before)))
  const raws = (await database.get(table).query(Q.where('_status', 'synced'), dated).unsafeFetchRaw()) as Raw[]
  return raws.filter((raw) => isOld(table, raw, before))
}

/** Move synced rows older than KEEP_DAYS into the archive, once some are older than
 * MOVE_AFTER_DAYS; returns how many moved. Run after a sync, never during one. */
export async function archiveOld(database: Database, now: number = Date.now()): Promise<number> {
  const archive = archiveOf(database)
  if (!archive) return 0
  const due = cutoff(now, MOVE_AFTER_DAYS)
  const before = cutoff(now, KEEP_DAYS)
  let moved = 0
  await database.write(async () => {
    for (const table of ARCHIVED_TABLES) {
      if (!(await syncedRaws(database, table, due)).length) continue
      const raws = await syncedRaws(database, table, before)
      await archive.write(table, raws.map(bare))
      const records = await database.get(table).query(Q.where('id', Q.oneOf(raws.map((raw) => raw.id)))).fetch()
      await database.batch(records.map((record) => record.prepareDestroyPermanently()))
      moved += records.length
    }
  })
  if (moved) {
    archive.changed()
    await saveNow(database).catch(() => undefined)
  }
  return moved
}

/** A raw record as stored: without LokiJS's own fields. */
function bare(raw: Raw): Raw {
  const { $loki: _loki, meta: _meta, ...row } = raw
  return row as Raw
}

/** Apply a pull's changes to archived records, and send old records new to this device to the
 * archive; returns the changes left for WatermelonDB. `replacement`: the pull lists every
 * record, so archived ones it does not list are gone. Run inside a writer, before the pull is
 * applied. */
export async function routePulled(database: Database, changes: Changes, replacement: boolean, now: number = Date.now()): Promise<Changes> {
  const archive = archiveOf(database)
  if (!archive) return changes
  try {
    return await route(database, archive, changes, replacement, cutoff(now))
  } catch (error) {
    // No archive (storage refused): the database takes every record, as before there was one;
    // a record then in both places is the database's.
    console.error('old history could not be archived', error)
    return changes
  }
}

async function route(database: Database, archive: Archive, changes: Changes, replacement: boolean, before: Cutoff): Promise<Changes> {
  const routed: Changes = { ...changes }
  for (const table of ARCHIVED_TABLES) {
    const set = changes[table]
    if (!set) continue
    const pulled = [...set.created, ...set.updated] as Raw[]
    const ids = [...pulled.map((raw) => raw.id), ...set.deleted]
    const archived = await archive.has(table, replacement ? null : ids)
    const candidates = pulled.filter((raw) => archived.has(raw.id) || isOld(table, raw, before))
    if (!candidates.length && !archived.size) continue
    const here = await localIds(table, candidates.map((raw) => raw.id), database)
    const schema = database.get(table).schema
    const previous = new Map((await archive.get(table, candidates.filter((raw) => archived.has(raw.id)).map((raw) => raw.id))).map((raw) => [raw.id, raw]))
    const kept = new Set<string>()
    const rows: Raw[] = []
    for (const raw of candidates) {
      if (here.has(raw.id) || !isOld(table, raw, before)) continue
      rows.push(asSynced({ ...previous.get(raw.id), ...raw }, schema))
      kept.add(raw.id)
    }
    const named = new Set(ids)
    const removed = [...archived].filter((id) => !kept.has(id) && (replacement || named.has(id)))
    await archive.write(table, rows, removed)
    // A record that moved back into the window is created in the database from the pull.
    routed[table] = {
      created: set.created.filter((raw) => !kept.has(raw.id as string)),
      updated: set.updated.filter((raw) => !kept.has(raw.id as string)),
      deleted: set.deleted,
    }
  }
  return routed
}

/** What WatermelonDB makes of a pulled record for a synced one: the server's values over the
 * local ones, sanitized to the schema, synced. */
function asSynced(dirty: Record<string, unknown>, schema: TableSchema): Raw {
  return sanitizedRaw({ ...dirty, _status: 'synced', _changed: '' }, schema) as unknown as Raw
}

/** Archived rows of `table` dated from `from` to `to` (both included; every row without
 * bounds) as screens read rows, without those the database also holds (its copy wins). */
export async function readArchived<T extends ArchivedTable>(
  table: T,
  database: Database,
  from?: number | string,
  to?: number | string,
): Promise<Rows[T][]> {
  const archive = archiveOf(database)
  if (!archive) return []
  const raws = await archive.range(table, from, to)
  const here = await localIds(table, raws.map((raw) => raw.id), database)
  const schema = database.get(table).schema
  return raws.filter((raw) => !here.has(raw.id)).map((raw) => row<T>(sanitizedRaw(raw, schema) as unknown as Raw))
}

function row<T extends ArchivedTable>(raw: Raw): Rows[T] {
  const { _status: _s, _changed: _c, ...values } = raw
  return values as unknown as Rows[T]
}

/** Whether rows dated from `from` on can be in the archive: archived rows are older than the
 * cutoff when they move, and the cutoff only moves on. */
export function reachesArchive(from: number | string | undefined, now: number = Date.now()): boolean {
  if (from === undefined) return true
  const before = cutoff(now)
  return typeof from === 'number' ? from < before.ms : from < before.day
}

/** Forget the archive with the database (signing out, another member signing in). */
export async function clearArchive(database: Database): Promise<void> {
  await archiveOf(database)?.clear()
}
