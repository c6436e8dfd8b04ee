// The real WatermelonDB client (0.28, LokiJS adapter in memory) wired to a live Ossa server.
//
// Models are defined without decorator syntax: WatermelonDB's field decorators are called as
// plain functions and the descriptors they return are installed on the prototype. Every pulled
// row is also checked against the wire schema before the client sees it, because the client
// itself silently coerces wrong types ("25.00" → 0, an ISO datetime → 0, an integer id → a new
// random record) and would hide server mistakes.

import { createRequire } from 'node:module'
import crypto from 'node:crypto'

const require = createRequire(import.meta.url)
// The package has no "exports" map, so ESM cannot import its sub-directories; require them.
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { schemaMigrations } = require('@nozbe/watermelondb/Schema/migrations')
const { synchronize, hasUnsyncedChanges } = require('@nozbe/watermelondb/sync')
const { field, date, readonly } = require('@nozbe/watermelondb/decorators')
const { setGenerator } = require('@nozbe/watermelondb/utils/common/randomId')

export const SCHEMA_VERSION = 1

setGenerator(() => crypto.randomUUID())

// --- Wire schema ------------------------------------------------------------------------
// type: the WatermelonDB column type; kind: what the string/number must look like on the wire.
const s = (kind = 'text', extra = {}) => ({ type: 'string', kind, ...extra })
const n = (kind = 'number', extra = {}) => ({ type: 'number', kind, ...extra })
const b = (extra = {}) => ({ type: 'boolean', kind: 'boolean', ...extra })
const opt = { isOptional: true }
const idx = { isIndexed: true }

export const TABLES = {
  products: {
    name: s(),
    brand: s(),
    kind: s(),
    drug_class: s(),
    drug: s(),
    release: s(),
    strength_mg: n('number', opt),
    serving_unit: s(),
    notes: s(),
    ingredients: s('json_list'),
    created_at: n('ms'),
    updated_at: n('ms'),
  },
  regimens: {
    product_id: s('uuid', idx),
    servings_per_dose: n(),
    schedule_kind: s(),
    times: s('json_list'),
    weekdays: s('json_list'),
    day_of_month: n('number', opt),
    interval_days: n('number', opt),
    start_date: s('date'),
    end_date: s('date', opt),
    note: s(),
    created_at: n('ms'),
    updated_at: n('ms'),
  },
  intake_logs: {
    regimen_id: s('uuid', { ...opt, ...idx }),
    product_id: s('uuid', idx),
    servings: n(),
    taken_at: n('ms'),
    status: s(),
    note: s(),
    source: s(),
    created_at: n('ms'),
    updated_at: n('ms'),
  },
  profiles: {
    date_of_birth: s('date', opt),
    sex: s(),
    menopause_status: s(),
    final_period_date: s('date', opt),
    pregnant: b(),
    lactating: b(),
    weight_kg: n('number', opt),
    timezone: s(),
    units: s(),
    reminder_weekday: n(),
    reminder_time: s('hhmm'),
    remind_in_app: b(),
    remind_by_push: b(),
    remind_by_email: b(),
    quiet_hours_start: s('hhmm', opt),
    quiet_hours_end: s('hhmm', opt),
    updated_at: n('ms'),
  },
  flags: {
    code: s(),
    subject: s(),
    severity: s(),
    title: s(),
    explanation: s(),
    evidence: s('json'),
    source: s(),
    audience: s(),
    first_seen_at: n('ms'),
    resolved_at: n('ms', opt),
    acknowledged_at: n('ms', opt),
  },
  adherence_weeks: {
    regimen_id: s('uuid', opt),
    week_start: s('date'),
    scheduled: n(),
    taken: n(),
    on_time: n(),
    skipped: n(),
    days_covered: n(),
    days_in_period: n(),
    dose_taking_pct: n('number', opt),
    timing_pct: n('number', opt),
    pdc_pct: n('number', opt),
    streak_days: n(),
  },
  // The in-app inbox: written by the server; a device only sets read_at.
  notifications: {
    kind: s(),
    period: s(),
    title: s(),
    body: s(),
    data: s('json'),
    created_at: n('ms'),
    read_at: n('ms', opt),
  },
}

export const TABLE_NAMES = Object.keys(TABLES)

export const schema = appSchema({
  version: SCHEMA_VERSION,
  tables: TABLE_NAMES.map((table) =>
    tableSchema({
      name: table,
      columns: Object.entries(TABLES[table]).map(([name, c]) => ({
        name,
        type: c.type,
        ...(c.isOptional ? { isOptional: true } : {}),
        ...(c.isIndexed ? { isIndexed: true } : {}),
      })),
    }),
  ),
})

export const migrations = schemaMigrations({ migrations: [] })

// --- Models -----------------------------------------------------------------------------
const camel = (column) => column.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

// Apply decorators (outermost first, as they would be written above a class property) to a
// prototype property, the way a decorator-aware compiler would.
function decorate(Klass, key, ...decorators) {
  let descriptor
  for (const decorator of [...decorators].reverse()) {
    descriptor = decorator(Klass.prototype, key, descriptor) || descriptor
  }
  Object.defineProperty(Klass.prototype, key, descriptor)
}

function modelFor(table) {
  // A named class per table; no instance class fields (they would shadow the accessors).
  const Klass = {
    [camel(`_${table}`)]: class extends Model {},
  }[camel(`_${table}`)]
  Klass.table = table
  Klass.associations = {}
  for (const column of Object.keys(TABLES[table])) {
    if (column === 'created_at' || column === 'updated_at') {
      // createdAt/updatedAt make WatermelonDB stamp these columns itself, as the app does.
      decorate(Klass, camel(column), readonly, date(column))
    } else {
      decorate(Klass, camel(column), field(column))
    }
  }
  return Klass
}

export const modelClasses = Object.fromEntries(TABLE_NAMES.map((t) => [t, modelFor(t)]))
export { camel }

// --- Client-side diagnostics ------------------------------------------------------------
// WatermelonDB reports protocol trouble (created rows with sendCreatedAsUpdated, a timestamp
// going backwards, records it cannot find) only through console.error. Capture those lines.
export const clientErrors = []
const originalError = console.error.bind(console)
console.error = (...args) => {
  const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')
  if (text.includes('[Sync]')) clientErrors.push(text)
  originalError(...args)
}
// stdout carries exactly one JSON document; everything else goes to stderr.
console.log = (...args) => originalError(...args)
console.info = (...args) => originalError(...args)
console.warn = (...args) => originalError(...args)
console.debug = () => {}

// --- HTTP -------------------------------------------------------------------------------
export class HttpError extends Error {
  constructor(method, url, status, body) {
    super(`${method} ${url} → HTTP ${status}: ${body.slice(0, 2000)}`)
    this.name = 'HttpError'
    this.method = method
    this.url = url
    this.status = status
    this.body = body
  }
}

async function request(method, url, { token, json } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Encoding': 'gzip' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(url, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const text = await response.text()
  if (!response.ok) throw new HttpError(method, url, response.status, text)
  let data = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      throw new HttpError(method, url, response.status, `not JSON: ${text}`)
    }
  }
  return { status: response.status, data, encoding: response.headers.get('content-encoding') }
}

export const api = {
  get: (url, token) => request('GET', url, { token }),
  post: (url, token, json) => request('POST', url, { token, json }),
  patch: (url, token, json) => request('PATCH', url, { token, json }),
}

// --- Wire checks --------------------------------------------------------------------------
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/
// 2001-09-09 … 2286: a datetime sent in seconds, or as 0, is out of this range.
const MS_MIN = 1e12
const MS_MAX = 1e13

function checkValue(kind, value) {
  switch (kind) {
    case 'uuid':
      return UUID_RE.test(value) || 'not a lowercase UUID string'
    case 'date':
      return DATE_RE.test(value) || 'not a YYYY-MM-DD date'
    case 'hhmm':
      return HHMM_RE.test(value) || 'not an HH:MM time'
    case 'ms':
      return (Number.isInteger(value) && value > MS_MIN && value < MS_MAX) || 'not epoch ms'
    case 'json':
    case 'json_list':
      try {
        const parsed = JSON.parse(value)
        return kind === 'json' || Array.isArray(parsed) || 'JSON but not a list'
      } catch {
        return 'not a JSON string'
      }
    default:
      return true
  }
}

/** Problems with a pull response, as strings; empty when the response is conformant. */
export function checkPullResponse(body, { sendCreatedAsUpdated = true } = {}) {
  const problems = []
  const notes = []
  if (!body || typeof body !== 'object') return { problems: ['response is not an object'], notes }
  const { changes, timestamp } = body
  if (typeof timestamp !== 'number' || !(timestamp > 0)) {
    problems.push(`timestamp ${JSON.stringify(timestamp)} is not a positive number`)
  }
  if (!changes || typeof changes !== 'object') {
    problems.push('changes is not an object')
    return { problems, notes }
  }
  for (const table of TABLE_NAMES) {
    if (!(table in changes)) problems.push(`table ${table} absent from changes`)
  }
  for (const [table, set] of Object.entries(changes)) {
    if (!TABLES[table]) {
      notes.push(`unknown table ${table} in changes`)
      continue
    }
    for (const key of ['created', 'updated', 'deleted']) {
      if (!Array.isArray(set?.[key])) problems.push(`${table}.${key} is not an array`)
    }
    if (!Array.isArray(set?.created) || !Array.isArray(set?.updated)) continue
    if (sendCreatedAsUpdated && set.created.length) {
      problems.push(`${table}: ${set.created.length} row(s) in "created" (expected all in "updated")`)
    }
    const seen = new Set()
    for (const id of set.deleted || []) {
      if (typeof id !== 'string' || !UUID_RE.test(id)) {
        problems.push(`${table}.deleted: ${JSON.stringify(id)} is not a UUID string`)
      }
      if (seen.has(id)) problems.push(`${table}: id ${id} duplicated`)
      seen.add(id)
    }
    for (const row of [...set.created, ...set.updated]) {
      const where = `${table}#${row?.id}`
      if (!row || typeof row !== 'object') {
        problems.push(`${table}: a row is not an object`)
        continue
      }
      if (typeof row.id !== 'string' || !UUID_RE.test(row.id)) {
        problems.push(`${where}: id ${JSON.stringify(row.id)} is not a UUID string`)
      }
      if (seen.has(row.id)) problems.push(`${table}: id ${row.id} duplicated`)
      seen.add(row.id)
      if ('_status' in row || '_changed' in row) problems.push(`${where}: has _status/_changed`)
      for (const [column, spec] of Object.entries(TABLES[table])) {
        if (!(column in row)) {
          problems.push(`${where}: column ${column} missing`)
          continue
        }
        const value = row[column]
        if (value === null) {
          if (!spec.isOptional) problems.push(`${where}.${column}: null in a required column`)
          continue
        }
        if (typeof value !== spec.type || (spec.type === 'number' && !Number.isFinite(value))) {
          problems.push(
            `${where}.${column}: ${JSON.stringify(value)} is a ${typeof value}, expected ${spec.type}`,
          )
          continue
        }
        const ok = checkValue(spec.kind, value)
        if (ok !== true) problems.push(`${where}.${column}: ${JSON.stringify(value)} ${ok}`)
      }
      for (const column of Object.keys(row)) {
        if (!['id', '_status', '_changed'].includes(column) && !(column in TABLES[table])) {
          notes.push(`${table}: extra column ${column}`)
        }
      }
    }
  }
  return { problems, notes: [...new Set(notes)] }
}

// --- Devices ----------------------------------------------------------------------------
export class Device {
  constructor(name, baseUrl, report) {
    this.name = name
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.report = report
    this.token = null
    this.timestamps = []
    this.syncs = 0
    this.db = new Database({
      adapter: new LokiJSAdapter({
        schema,
        migrations,
        dbName: `ossa-e2e-${name}`,
        useWebWorker: false,
        useIncrementalIndexedDB: false,
        extraLokiOptions: { autosave: false },
        onSetUpError: (error) => {
          throw error
        },
      }),
      modelClasses: Object.values(modelClasses),
    })
  }

  async login(email, password) {
    const { data } = await api.post(`${this.baseUrl}/api/v1/auth/token`, null, {
      email,
      password,
      device_name: `e2e device ${this.name}`,
    })
    this.token = data.access
    return this
  }

  pullUrl({ lastPulledAt, schemaVersion, migration }) {
    return (
      `${this.baseUrl}/api/v1/sync/pull?last_pulled_at=${lastPulledAt ?? 'null'}` +
      `&schema_version=${schemaVersion}` +
      `&migration=${encodeURIComponent(JSON.stringify(migration))}`
    )
  }

  pushUrl(lastPulledAt) {
    return `${this.baseUrl}/api/v1/sync/push?last_pulled_at=${lastPulledAt}`
  }

  async pull(args) {
    const { data, encoding } = await api.get(this.pullUrl(args), this.token)
    const { problems, notes } = checkPullResponse(data)
    for (const p of problems) this.report.violation(`pull by ${this.name}: ${p}`)
    for (const note of notes) this.report.note(`pull by ${this.name}: ${note}`)
    if (encoding) this.report.note(`pull response content-encoding: ${encoding}`)
    const previous = this.timestamps.at(-1)
    if (previous !== undefined && data?.timestamp < previous) {
      this.report.violation(
        `pull by ${this.name}: timestamp went backwards (${previous} → ${data.timestamp})`,
      )
    }
    this.timestamps.push(data?.timestamp)
    this.lastPull = data
    return data
  }

  /** POST one push; returns the parsed body (or {}) and reports rejected ids. */
  async push(changes, lastPulledAt) {
    const { data, status } = await api.post(this.pushUrl(lastPulledAt), this.token, { changes })
    this.lastPushStatus = status
    const rejected = data?.experimentalRejectedIds
    if (rejected && Object.values(rejected).some((ids) => ids?.length)) {
      this.report.violation(`push by ${this.name}: server rejected ${JSON.stringify(rejected)}`)
    }
    return data && typeof data === 'object' ? data : {}
  }

  /**
   * Run the real synchronize(). `beforePush(changes, lastPulledAt)` runs between the pull and
   * the push; `push(changes, lastPulledAt)` replaces the single POST.
   */
  async sync({ beforePush, push } = {}) {
    this.syncs += 1
    const log = {}
    await synchronize({
      database: this.db,
      pullChanges: (args) => this.pull(args),
      pushChanges: async ({ changes, lastPulledAt }) => {
        this.lastPushed = { changes, lastPulledAt }
        if (beforePush) await beforePush(changes, lastPulledAt)
        return push ? push(changes, lastPulledAt) : this.push(changes, lastPulledAt)
      },
      sendCreatedAsUpdated: true,
      migrationsEnabledAtVersion: 1,
      log,
    })
    this.lastLog = log
    return log
  }

  async write(fn) {
    return this.db.write(fn)
  }

  collection(table) {
    return this.db.get(table)
  }

  async find(table, id) {
    return this.db.get(table).find(id)
  }

  async create(table, values) {
    return this.write(() =>
      this.collection(table).create((record) => {
        for (const [column, value] of Object.entries(values)) record[camel(column)] = value
      }),
    )
  }

  async update(table, id, values) {
    const record = await this.find(table, id)
    return this.write(() =>
      record.update((r) => {
        for (const [column, value] of Object.entries(values)) r[camel(column)] = value
      }),
    )
  }

  async markDeleted(table, id) {
    const record = await this.find(table, id)
    return this.write(() => record.markAsDeleted())
  }

  /** Every live local row, raw columns only (no _status/_changed), sorted by id. */
  async dump() {
    const out = {}
    for (const table of TABLE_NAMES) {
      const records = await this.collection(table).query().fetch()
      out[table] = records
        .map((record) => {
          const row = { id: record._raw.id }
          for (const column of Object.keys(TABLES[table])) row[column] = record._raw[column]
          return row
        })
        .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    }
    return out
  }

  async unsynced() {
    return hasUnsyncedChanges({ database: this.db })
  }
}

export class Report {
  constructor() {
    this.events = []
    this.violations = []
    this.notes = new Set()
  }

  event(step, detail = {}) {
    this.events.push({ step, ...detail })
    console.error(`[scenario] ${step} ${JSON.stringify(detail)}`)
  }

  violation(text) {
    this.violations.push(text)
    console.error(`[violation] ${text}`)
  }

  note(text) {
    this.notes.add(text)
  }
}
