// Devices that used to be stuck for good, with the real WatermelonDB synchronize(): each mode
// first reproduces the stuck case, then recovers the way the Ossa app does (app/src/data/sync.ts).
// Prints one JSON document on stdout; progress goes to stderr.
//
//   OSSA_BASE_URL=… OSSA_EMAIL=… OSSA_PASSWORD=… node stuck.mjs MODE
//
// backlog: more doses than one push body may hold. A single push is a 413 forever; gzip and
//   pushes split into chunks (parents first) reach the server.
// refused: a dose with a NUL in its note and a local edit of a computed flag. The push is a
//   400 naming both, every time; holding those two back (experimentalRejectedIds) sends the
//   rest, fixing the note sends it, discarding the flag edit (marked synced, then a
//   replacement pull) restores the server's copy.
// deleted-elsewhere: a plan deleted on another device, edited here after this device lost
//   its tombstones (the replacement pull from null a 410 leads to). The push used to be a 400
//   record_deleted forever; now delete wins and the next pull removes it.
// upper-case-ids: a client whose UUIDs are upper case is refused by name, nothing written.

import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import zlib from 'node:zlib'

import { Device, HttpError, Report, clientErrors } from './harness.mjs'

const require = createRequire(import.meta.url)
const { fetchLocalChanges, markLocalChangesAsSynced } = require('@nozbe/watermelondb/sync/impl')
const { setGenerator } = require('@nozbe/watermelondb/utils/common/randomId')

const base = (process.env.OSSA_BASE_URL || '').replace(/\/+$/, '')
const email = process.env.OSSA_EMAIL
const password = process.env.OSSA_PASSWORD
const productId = process.env.OSSA_PRODUCT_ID
const mode = process.argv[2]

const report = new Report()
const failures = []
const output = { mode, events: report.events, violations: report.violations, failed_checks: failures, client_errors: clientErrors }
const DAY = 24 * 60 * 60 * 1000
const minute = (ms) => Math.floor(ms / 60000) * 60000
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10)
// Parents before children, deletions after every upsert (as syncapi/push.py writes them).
const ORDER = ['profiles', 'products', 'regimens', 'intake_logs', 'notifications']

function check(ok, message) {
  if (!ok) {
    failures.push(message)
    console.error(`[check failed] ${message}`)
  }
  return ok
}

let currentStep = 'start'
async function step(name, fn) {
  currentStep = name
  report.event(name)
  return fn()
}

/** The refusal a call ends with: {status, body} (a success is {status: 200}). */
async function outcome(fn) {
  try {
    await fn()
    return { status: 200 }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error
    let body = null
    try {
      body = JSON.parse(error.body)
    } catch {
      body = error.body
    }
    return { status: error.status, body }
  }
}

async function postPush(device, lastPulledAt, changes, { gzip = false } = {}) {
  const json = Buffer.from(JSON.stringify({ changes }))
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${device.token}` }
  if (gzip) headers['Content-Encoding'] = 'gzip'
  const response = await fetch(device.pushUrl(lastPulledAt), { method: 'POST', headers, body: gzip ? zlib.gzipSync(json) : json })
  const text = await response.text()
  if (!response.ok) throw new HttpError('POST', device.pushUrl(lastPulledAt), response.status, text)
  return { bytes: json.length, sent: gzip ? zlib.gzipSync(json).length : json.length }
}

/** WatermelonDB's changes as chunks of at most `size` records, parents first, deletions last. */
function chunks(changes, size) {
  const records = []
  for (const table of ORDER) for (const kind of ['created', 'updated']) for (const row of changes[table]?.[kind] ?? []) records.push([table, kind, row])
  for (const table of [...ORDER].reverse()) for (const id of changes[table]?.deleted ?? []) records.push([table, 'deleted', id])
  const out = []
  for (let i = 0; i < records.length; i += size) {
    const chunk = {}
    for (const [table, kind, row] of records.slice(i, i + size)) {
      chunk[table] ??= { created: [], updated: [], deleted: [] }
      chunk[table][kind].push(row)
    }
    out.push(chunk)
  }
  return out
}

function without(changes, held) {
  const out = {}
  for (const [table, set] of Object.entries(changes)) {
    const keep = (id) => !held.has(`${table}.${id}`)
    out[table] = { created: set.created.filter((r) => keep(r.id)), updated: set.updated.filter((r) => keep(r.id)), deleted: set.deleted.filter(keep) }
  }
  return out
}

function refusedRecords(body) {
  return (body?.errors ?? []).map((e) => e.attr?.split('.')).filter((parts) => parts?.length >= 2).map(([table, id]) => `${table}.${id}`)
}

function rejectedIds(held) {
  const byTable = {}
  for (const key of held) {
    const [table, id] = key.split('.')
    ;(byTable[table] ??= []).push(id)
  }
  return byTable
}

/** A push that keeps refused records back and sends the rest, as the app does. */
function holdingBack(device, held, rounds) {
  return async (changes, lastPulledAt) => {
    for (let round = 0; round < 5; round++) {
      const result = await outcome(() => postPush(device, lastPulledAt, without(changes, held)))
      rounds.push({ status: result.status, refused: refusedRecords(result.body) })
      if (result.status === 200) return { experimentalRejectedIds: rejectedIds(held) }
      const named = refusedRecords(result.body)
      if (result.status !== 400 || !named.length) throw new Error(`push ${result.status}: ${JSON.stringify(result.body)}`)
      for (const key of named) held.add(key)
    }
    throw new Error('still refused after 5 rounds')
  }
}

/** Discard the local change to one record: marked synced, then the server's copy comes back. */
async function discard(device, table, id) {
  const { changes, affectedRecords } = await fetchLocalChanges(device.db)
  const raw = [...changes[table].created, ...changes[table].updated].find((r) => r.id === id)
  const set = { created: [], updated: raw ? [raw] : [], deleted: raw ? [] : [id] }
  await markLocalChangesAsSynced(device.db, { changes: { [table]: set }, affectedRecords })
  await device.sync({ pull: 'replacement' })
}

async function signedIn(name) {
  const device = new Device(name, base, report)
  await device.login(email, password)
  return device
}

async function plan(device) {
  return device.create('regimens', {
    product_id: productId,
    servings_per_dose: 1,
    schedule_kind: 'daily',
    times: JSON.stringify(['08:00']),
    weekdays: '[]',
    day_of_month: null,
    interval_days: null,
    start_date: isoDay(Date.now() - 3000 * DAY),
    end_date: null,
    note: '',
  })
}

async function dose(device, regimen, daysAgo, note = '') {
  return device.create('intake_logs', {
    regimen_id: regimen.id,
    product_id: productId,
    servings: 1,
    taken_at: minute(Date.now() - daysAgo * DAY),
    status: 'taken',
    note,
    source: 'app',
  })
}

const MODES = {
  async backlog() {
    const A = await signedIn('A')
    await step('A first sync', () => A.sync())
    const count = Number(process.env.OSSA_DOSES || 2000)
    const regimen = await step('A offline: a plan and years of doses', async () => {
      const r = await plan(A)
      await A.write(async () => {
        const logs = A.collection('intake_logs')
        const batch = []
        for (let i = 0; i < count; i++) {
          batch.push(
            logs.prepareCreate((log) => {
              Object.assign(log._raw, { regimen_id: r.id, product_id: productId, servings: 1, taken_at: minute(Date.now() - (i + 1) * 3600_000), status: 'taken', note: 'with breakfast', source: 'app' })
            }),
          )
        }
        await A.db.batch(batch)
      })
      return r
    })
    output.regimen = regimen.id
    output.doses = count
    output.single = await step('stuck: everything in one push', () => outcome(() => A.sync()))
    output.single_again = await step('stuck: and again', () => outcome(() => A.sync()))
    const sent = []
    await step('recover: gzip, in chunks of 500, parents first', () =>
      A.sync({
        push: async (changes, lastPulledAt) => {
          for (const chunk of chunks(changes, 500)) sent.push(await postPush(A, lastPulledAt, chunk, { gzip: true }))
          return {}
        },
      }),
    )
    output.chunks = sent
    output.unsynced = await A.unsynced()
  },

  async refused() {
    const A = await signedIn('A')
    await step('A first sync', () => A.sync())
    const flagId = (await A.dump()).flags[0]?.id
    check(!!flagId, 'the member has a flag to edit')
    output.flag = flagId
    await step('A offline: a plan, two doses, a dose with a NUL, a flag edited', async () => {
      const r = await plan(A)
      output.regimen = r.id
      output.good = [(await dose(A, r, 2)).id, (await dose(A, r, 1)).id]
      output.bad = (await dose(A, r, 3, 'took it \u0000 late')).id
      await A.update('flags', flagId, { title: 'edited on the phone' })
    })
    output.single = await step('stuck: the whole push is refused', () => outcome(() => A.sync()))
    output.single_again = await step('stuck: and again, every time', () => outcome(() => A.sync()))
    const held = new Set()
    output.rounds = []
    await step('recover: hold the refused records back, send the rest', () => A.sync({ push: holdingBack(A, held, output.rounds) }))
    output.held = [...held].sort()
    output.unsynced_while_held = await A.unsynced()
    await step('fix: the member edits the note; its hold is released', async () => {
      await A.update('intake_logs', output.bad, { note: 'took it late' })
      held.delete(`intake_logs.${output.bad}`)
      await A.sync({ push: holdingBack(A, held, output.rounds) })
    })
    await step('discard: the flag edit is given up', () => discard(A, 'flags', flagId))
    held.delete(`flags.${flagId}`)
    await step('a plain sync afterwards', () => A.sync())
    output.unsynced = await A.unsynced()
    output.local_flag_title = (await A.dump()).flags.find((f) => f.id === flagId)?.title
  },

  async ['deleted-elsewhere']() {
    const A = await signedIn('A')
    const B = await signedIn('B')
    await step('A first sync', () => A.sync())
    const regimen = await plan(A)
    await dose(A, regimen, 1)
    output.regimen = regimen.id
    await step('A sync: a plan with a dose', () => A.sync())
    await step('B syncs and deletes the plan', async () => {
      await B.sync()
      await B.markDeleted('regimens', regimen.id)
      await B.sync()
    })
    await step('A offline: edits the plan', () => A.update('regimens', regimen.id, { note: 'after breakfast' }))
    output.after_410 = await step('A: replacement pull from null (after a 410), then push', () => outcome(() => A.sync({ pull: 'replacement' })))
    await step('A: the next sync', () => A.sync())
    output.local_regimens = (await A.dump()).regimens.map((r) => r.id)
    output.unsynced = await A.unsynced()
  },

  async ['upper-case-ids']() {
    const A = await signedIn('A')
    await step('A first sync', () => A.sync())
    setGenerator(() => crypto.randomUUID().toUpperCase())
    const regimen = await step('A: a plan with an upper-case id', () => plan(A))
    output.regimen = regimen.id
    output.push = await step('A sync', () => outcome(() => A.sync()))
  },
}

// Device.sync({ pull: 'replacement' }): synchronize() pulling from null with WatermelonDB's
// replacement strategy, as the app does after a 410.
const plainSync = Device.prototype.sync
Device.prototype.sync = async function sync(options = {}) {
  if (options.pull !== 'replacement') return plainSync.call(this, options)
  const { synchronize } = require('@nozbe/watermelondb/sync')
  return synchronize({
    database: this.db,
    pullChanges: async (args) => ({ ...(await this.pull({ ...args, lastPulledAt: null })), experimentalStrategy: 'replacement' }),
    pushChanges: ({ changes, lastPulledAt }) => this.push(changes, lastPulledAt),
    sendCreatedAsUpdated: true,
    migrationsEnabledAtVersion: 1,
  })
}

try {
  if (!MODES[mode]) throw new Error(`unknown mode ${mode}`)
  await MODES[mode]()
} catch (error) {
  output.error = { step: currentStep, message: String(error?.stack || error) }
}
process.stdout.write(`${JSON.stringify(output)}\n`)
process.exit(output.error ? 1 : 0)
