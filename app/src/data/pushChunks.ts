// A push split into requests the server takes (issue 13): sent whole, a backlog larger than
// the server's body limit was refused (413) on every sync and that phone never synced again.
// Each chunk is atomic on the server and a retried chunk is a no-op there, so chunks may be
// sent one after the other with the same last_pulled_at.
import type { SyncTableChangeSet } from '@nozbe/watermelondb/sync'

// Parents before children, as the server writes them (syncapi/push.py WRITE_ORDER): a chunk
// never holds a dose whose new plan is still to come. The server's own tables come last.
export const PUSH_ORDER = [
  'profiles', 'products', 'regimens', 'intake_logs', 'stock_events', 'notifications',
  'flags', 'adherence_weeks', 'nutrient_days', 'nutrient_targets', 'dose_reminders',
]

// WatermelonDB's Changes, with plain table names.
export type Changes = Record<string, SyncTableChangeSet>

export interface ChunkLimits {
  records: number
  bytes: number
}

// ~1,000 doses are ~300 KB of JSON: well under the server's 2 MiB body limit.
export const CHUNK_LIMITS: ChunkLimits = { records: 1000, bytes: 1_000_000 }

type Kind = keyof SyncTableChangeSet
type Item = SyncTableChangeSet['created'][number] | string

interface Entry {
  table: string
  kind: Kind
  item: Item
  bytes: number
}

// The JSON around a table's records ({"name":{"created":[],"updated":[],"deleted":[]}}).
const TABLE_OVERHEAD_BYTES = 64
const encoder = new TextEncoder()

function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length + 1 // and its comma
}

function tablesInOrder(changes: Changes): string[] {
  const known = PUSH_ORDER.filter((table) => table in changes)
  const others = Object.keys(changes)
    .filter((table) => !PUSH_ORDER.includes(table))
    .sort()
  return [...known, ...others]
}

/** Every change in the order it is sent: upserts parents first, then deletions children first. */
function entries(changes: Changes): Entry[] {
  const tables = tablesInOrder(changes)
  const found: Entry[] = []
  for (const table of tables) {
    for (const kind of ['created', 'updated'] as const) {
      for (const item of changes[table][kind]) found.push({ table, kind, item, bytes: jsonBytes(item) })
    }
  }
  for (const table of [...tables].reverse()) {
    for (const item of changes[table].deleted) found.push({ table, kind: 'deleted', item, bytes: jsonBytes(item) })
  }
  return found
}

function emptyTable(): SyncTableChangeSet {
  return { created: [], updated: [], deleted: [] }
}

function add(chunk: Changes, entry: Entry): void {
  chunk[entry.table] ??= emptyTable()
  ;(chunk[entry.table][entry.kind] as Item[]).push(entry.item)
}

/** The changes in chunks of at most `limits` (a record larger than the byte limit travels
 * alone: a record is never split); tables with nothing to send are left out. */
export function pushChunks(changes: Changes, limits: ChunkLimits = CHUNK_LIMITS): Changes[] {
  const chunks: Changes[] = []
  let chunk: Changes = {}
  let records = 0
  let bytes = 0
  for (const entry of entries(changes)) {
    const tableBytes = entry.table in chunk ? 0 : TABLE_OVERHEAD_BYTES
    if (records > 0 && (records + 1 > limits.records || bytes + tableBytes + entry.bytes > limits.bytes)) {
      chunks.push(chunk)
      chunk = {}
      records = 0
      bytes = 0
    }
    bytes += (entry.table in chunk ? 0 : TABLE_OVERHEAD_BYTES) + entry.bytes
    records += 1
    add(chunk, entry)
  }
  if (records > 0) chunks.push(chunk)
  return chunks
}

/** The changes without the tables that have nothing to send. */
export function compact(changes: Changes): Changes {
  return pushChunks(changes, { records: Infinity, bytes: Infinity })[0] ?? {}
}

export function countChanges(changes: Changes): number {
  let count = 0
  for (const set of Object.values(changes)) count += set.created.length + set.updated.length + set.deleted.length
  return count
}

/** A chunk in two, in the same order: for a server whose limit is lower than ours (413). */
export function halves(chunk: Changes): Changes[] {
  return pushChunks(chunk, { records: Math.ceil(countChanges(chunk) / 2), bytes: Infinity })
}

/** Several chunks as one change set (the part of a push the server has stored). */
export function mergeChanges(chunks: Changes[]): Changes {
  const merged: Changes = {}
  for (const chunk of chunks) {
    for (const [table, set] of Object.entries(chunk)) {
      merged[table] ??= emptyTable()
      merged[table].created.push(...set.created)
      merged[table].updated.push(...set.updated)
      merged[table].deleted.push(...set.deleted)
    }
  }
  return merged
}
