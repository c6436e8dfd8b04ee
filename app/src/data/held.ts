// Records the server refused, held back from later pushes (issue 13). Push is all or
// nothing, so one refused record (a NUL in a note, an edit of a computed table) used to block
// every later push: the app resent the same push forever. Now each refused record is
// remembered with a fingerprint of its local state; later pushes leave it out (WatermelonDB
// keeps it unsynced) until the member edits it, which releases it, or discards the change.

import type { ServerError } from './api'
import { COLUMNS, TABLE_NAMES } from './db/schema'
import type { Changes } from './pushChunks'

export type ChangeKind = 'created' | 'updated' | 'deleted'

export interface Reason {
  column: string | null
  code: string
  detail: string
}

export interface Refusal extends Reason {
  table: string
  id: string
}

export interface Held {
  table: string
  id: string
  kind: ChangeKind
  fingerprint: string
  reasons: Reason[]
  heldAt: number
}

type Raw = Changes[string]['created'][number]

/** The records a 400's errors name (attr `table.id` or `table.id.column`); errors about the
 * request as a whole (`changes`, `last_pulled_at`, a bare table) name none. */
export function refusalsIn(errors: ServerError[], tables: readonly string[] = TABLE_NAMES): Refusal[] {
  const found: Refusal[] = []
  for (const error of errors) {
    const named = recordOf(error.attr ?? '', tables)
    if (named) found.push({ ...named, code: error.code ?? 'invalid', detail: error.detail ?? '' })
  }
  return found
}

function recordOf(attr: string, tables: readonly string[]): { table: string; id: string; column: string | null } | null {
  const dot = attr.indexOf('.')
  if (dot < 0) return null
  const table = attr.slice(0, dot)
  if (!tables.includes(table)) return null
  const rest = attr.slice(dot + 1)
  // Column names hold no dots; an id might (an old app's), so the column is the last part.
  const last = rest.lastIndexOf('.')
  const column = last > 0 ? rest.slice(last + 1) : ''
  const columns = COLUMN_NAMES[table]
  if (column && columns?.has(column)) return { table, id: rest.slice(0, last), column }
  return rest ? { table, id: rest, column: null } : null
}

const COLUMN_NAMES: Record<string, Set<string>> = Object.fromEntries(
  Object.entries(COLUMNS).map(([table, columns]) => [table, new Set(['id', ...Object.keys(columns)])]),
)

/** Where a record stands in the local changes, or null when it has nothing to send. */
export function locate(changes: Changes, table: string, id: string): { kind: ChangeKind; raw: Raw | null } | null {
  const set = changes[table]
  if (!set) return null
  for (const kind of ['created', 'updated'] as const) {
    const raw = set[kind].find((r) => r.id === id)
    if (raw) return { kind, raw }
  }
  return set.deleted.includes(id) ? { kind: 'deleted', raw: null } : null
}

/** A short hash of a record's local state (its values, `_status` and `_changed`): when it
 * differs from the one at refusal time, the member has changed the record since. */
export function fingerprint(raw: Raw | null): string {
  if (!raw) return 'deleted'
  const text = JSON.stringify(Object.keys(raw).sort().map((key) => [key, raw[key]]))
  return hash(text)
}

// cyrb53: fast and well spread; a collision only keeps an edited record held one sync more.
function hash(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

function same(a: { table: string; id: string }, b: { table: string; id: string }): boolean {
  return a.table === b.table && a.id === b.id
}

export type HeldStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** The held-back records of one member on this device, kept in `storage` under `key`. */
export class HeldBack {
  constructor(
    private readonly storage: HeldStorage,
    private readonly key: string,
  ) {}

  all(): Held[] {
    try {
      const value = JSON.parse(this.storage.getItem(this.key) ?? '[]')
      return Array.isArray(value) ? value : []
    } catch {
      return []
    }
  }

  private save(held: Held[]): void {
    if (held.length) this.storage.setItem(this.key, JSON.stringify(held))
    else this.storage.removeItem(this.key)
  }

  /** Hold back the refused records found in `changes`; returns those newly held. */
  hold(refusals: Refusal[], changes: Changes, now: number = Date.now()): Held[] {
    const held = this.all()
    const added: Held[] = []
    for (const refusal of refusals) {
      const where = locate(changes, refusal.table, refusal.id)
      if (!where) continue
      const reason = { column: refusal.column, code: refusal.code, detail: refusal.detail }
      const existing = [...held, ...added].find((h) => same(h, refusal))
      if (existing) {
        if (!existing.reasons.some((r) => r.column === reason.column && r.code === reason.code)) existing.reasons.push(reason)
        continue
      }
      added.push({ table: refusal.table, id: refusal.id, kind: where.kind, fingerprint: fingerprint(where.raw), reasons: [reason], heldAt: now })
    }
    this.save([...held, ...added])
    return added
  }

  /** Let go of records edited since they were refused (they are tried again) and of records
   * with nothing left to send (discarded, or replaced by the server's copy). */
  release(changes: Changes): Held[] {
    const held = this.all()
    const kept = held.filter((h) => {
      const where = locate(changes, h.table, h.id)
      return where !== null && fingerprint(where.raw) === h.fingerprint
    })
    if (kept.length !== held.length) this.save(kept)
    return kept
  }

  forget(table: string, id: string): void {
    this.save(this.all().filter((h) => !same(h, { table, id })))
  }

  clear(): void {
    this.storage.removeItem(this.key)
  }
}

/** The changes without the held-back records, and those records' ids by table. */
export function withhold(changes: Changes, held: Held[]): { send: Changes; rejected: Record<string, string[]> } {
  const ids = new Map<string, Set<string>>()
  for (const h of held) {
    if (!ids.has(h.table)) ids.set(h.table, new Set())
    ids.get(h.table)!.add(h.id)
  }
  const send: Changes = {}
  const rejected: Record<string, string[]> = {}
  for (const [table, set] of Object.entries(changes)) {
    const out = ids.get(table)
    if (!out) {
      send[table] = set
      continue
    }
    send[table] = {
      created: set.created.filter((r) => !out.has(r.id)),
      updated: set.updated.filter((r) => !out.has(r.id)),
      deleted: set.deleted.filter((id) => !out.has(id)),
    }
    const present = [...set.created.map((r) => r.id), ...set.updated.map((r) => r.id), ...set.deleted].filter((id) => out.has(id))
    if (present.length) rejected[table] = present
  }
  return { send, rejected }
}
