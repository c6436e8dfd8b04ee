// A small stand-in for the server's sync endpoints (syncapi/pull.py, syncapi/push.py) for Vitest:
// a per-member clock, atomic pushes refused record by record as the server does (NUL in a
// text, confirmed findings that are not a JSON list, an edit of a computed table, a dose of
// an unknown plan, a changed stock entry, an undeletable inbox message), a body limit (413), a 410 on demand and a
// migration pull that sends the tables it names again. Installed as the global fetch.
import { SCHEMA_VERSION, TABLE_NAMES, tablesAt } from './db/schema'
import type { Changes } from './pushChunks'

type Raw = Record<string, unknown>

interface Stored {
  raw: Raw
  version: number
  deleted: boolean
}

interface Refused {
  code: string
  detail: string
  attr: string
}

const READ_ONLY = new Set(['flags', 'adherence_weeks', 'nutrient_days', 'nutrient_targets', 'dose_reminders'])

export class FakeSyncServer {
  private rows = new Map<string, Map<string, Stored>>(TABLE_NAMES.map((t) => [t, new Map()]))
  private clock = 1
  readonly pushes: { bytes: number; gzip: boolean; changes: Changes }[] = []
  readonly pulls: { cursor: string | null; schemaVersion: string | null; migration: Migration | null }[] = []
  maxBodyBytes = 2 * 1024 * 1024
  // Pushes answer 410 until the device pulls everything again.
  goneUntilFullPull = false
  // A push that fails (500) by its number, counting from 1.
  failingPush = 0

  /** A row as the server holds it (for a test to put or read). */
  put(table: string, raw: Raw): void {
    this.rows.get(table)!.set(String(raw.id), { raw: { ...raw }, version: ++this.clock, deleted: false })
  }

  /** Columns the server gained in an upgrade, filled in a stored row without a new stamp (a
   * migration's defaults on the server do not change what a pull since then returns). */
  upgrade(table: string, id: string, values: Raw): void {
    Object.assign(this.rows.get(table)!.get(id)!.raw, values)
  }

  /** A row deleted (by another device): the next pull carries its tombstone. */
  delete(table: string, id: string): void {
    Object.assign(this.rows.get(table)!.get(id)!, { deleted: true, version: ++this.clock })
  }

  /** A row gone with its tombstone purged: only a full pull can tell. */
  purge(table: string, id: string): void {
    this.rows.get(table)!.delete(id)
  }

  get(table: string, id: string): Raw | undefined {
    const row = this.rows.get(table)!.get(id)
    return row && !row.deleted ? row.raw : undefined
  }

  ids(table: string): string[] {
    return [...this.rows.get(table)!].filter(([, row]) => !row.deleted).map(([id]) => id)
  }

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://ossa.test')
    if (url.pathname === '/api/v1/sync/pull') {
      const migration = JSON.parse(url.searchParams.get('migration') ?? 'null') as Migration | null
      this.pulls.push({ cursor: url.searchParams.get('last_pulled_at'), schemaVersion: url.searchParams.get('schema_version'), migration })
      return this.pull(url.searchParams.get('last_pulled_at'), migration, Number(url.searchParams.get('schema_version')))
    }
    if (url.pathname === '/api/v1/sync/push') return this.push(Number(url.searchParams.get('last_pulled_at')), init)
    return json({ errors: [{ code: 'not_found', detail: 'No such page.' }] }, 404)
  }

  private pull(cursor: string | null, migration: Migration | null, schemaVersion: number): Response {
    // Only the tables the device's schema has, as syncapi/registry.py tables_for.
    const known = new Set<string>(tablesAt(schemaVersion || SCHEMA_VERSION))
    const since = cursor === 'null' || cursor === null ? 0 : Number(cursor)
    if (since === 0) this.goneUntilFullPull = false
    // The tables a migration names, and the tables of the columns it names, again in full.
    const again = new Set([...(migration?.tables ?? []), ...(migration?.columns ?? []).map((c) => c.table)])
    const changes: Changes = {}
    for (const [table, rows] of this.rows) {
      if (!known.has(table)) continue
      const set = { created: [] as Raw[], updated: [] as Raw[], deleted: [] as string[] }
      for (const [id, row] of rows) {
        if (row.version <= since && !(again.has(table) && !row.deleted)) continue
        if (row.deleted) {
          if (since > 0) set.deleted.push(id)
        } else set.updated.push({ ...row.raw })
      }
      changes[table] = set
    }
    return json({ changes, timestamp: this.clock })
  }

  private async push(cursor: number, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers)
    const gzip = headers.get('Content-Encoding') === 'gzip'
    const bytes = gzip ? new Uint8Array(await new Response(init.body).arrayBuffer()) : new TextEncoder().encode(String(init.body))
    if (bytes.length > this.maxBodyBytes) return json({ errors: [{ code: 'payload_too_large', detail: 'The request body is too large.', attr: null }] }, 413)
    const text = gzip ? await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text() : new TextDecoder().decode(bytes)
    const { changes } = JSON.parse(text) as { changes: Changes }
    this.pushes.push({ bytes: bytes.length, gzip, changes })
    if (this.pushes.length === this.failingPush) return json({ errors: [{ code: 'error', detail: 'A server problem.', attr: null }] }, 500)
    if (this.goneUntilFullPull || cursor > this.clock) return json({ errors: [{ code: 'resync_required', detail: 'Start again.', attr: null }] }, 410)
    const refused = this.refusals(changes)
    if (refused.length) return json({ type: 'validation_error', errors: refused }, 400)
    this.apply(changes)
    return json({})
  }

  private refusals(changes: Changes): Refused[] {
    const refused: Refused[] = []
    const plans = new Set([...this.ids('regimens'), ...(changes.regimens?.created ?? []).map((r) => r.id), ...(changes.regimens?.updated ?? []).map((r) => r.id)])
    for (const [table, set] of Object.entries(changes)) {
      for (const raw of [...set.created, ...set.updated]) {
        if (READ_ONLY.has(table)) refused.push({ code: 'read_only', detail: `${table} is computed by the server and cannot be changed.`, attr: `${table}.${raw.id}` })
        for (const [column, value] of Object.entries(raw)) {
          if (typeof value === 'string' && value.includes('\u0000')) refused.push({ code: 'invalid', detail: `${column} must not contain NUL characters.`, attr: `${table}.${raw.id}.${column}` })
        }
        if (table === 'regimens' && 'confirmed_findings' in raw && !isJsonList(raw.confirmed_findings)) {
          refused.push({ code: 'invalid', detail: 'confirmed_findings is not acceptable JSON text.', attr: `${table}.${raw.id}.confirmed_findings` })
        }
        const stored = table === 'stock_events' ? this.get(table, String(raw.id)) : undefined
        if (stored && ['regimen_id', 'kind', 'servings', 'at', 'note'].some((column) => stored[column] !== raw[column])) {
          refused.push({ code: 'immutable', detail: 'A stock entry is not changed; add a new count.', attr: `${table}.${raw.id}` })
        }
        if (table === 'intake_logs' && raw.regimen_id && !plans.has(raw.regimen_id)) {
          refused.push({ code: 'invalid', detail: 'regimen_id names no plan of yours.', attr: `${table}.${raw.id}.regimen_id` })
        }
      }
      for (const id of set.deleted) {
        if (table === 'notifications') refused.push({ code: 'not_deletable', detail: 'Notifications cannot be deleted; mark them read.', attr: `${table}.${id}` })
      }
    }
    return refused
  }

  private apply(changes: Changes): void {
    for (const [table, set] of Object.entries(changes)) {
      for (const raw of [...set.created, ...set.updated]) {
        const { _status, _changed, ...values } = raw
        this.put(table, values)
      }
      for (const id of set.deleted) {
        const row = this.rows.get(table)!.get(id)
        if (row) Object.assign(row, { deleted: true, version: ++this.clock })
      }
    }
  }
}

interface Migration {
  from: number
  tables: string[]
  columns: { table: string; columns: string[] }[]
}

function isJsonList(value: unknown): boolean {
  try {
    return typeof value === 'string' && Array.isArray(JSON.parse(value))
  } catch {
    return false
  }
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** localStorage for Node. */
export class MemoryStorage {
  private items = new Map<string, string>()

  getItem(key: string): string | null {
    return this.items.get(key) ?? null
  }

  setItem(key: string, value: string): void {
    this.items.set(key, String(value))
  }

  removeItem(key: string): void {
    this.items.delete(key)
  }
}
