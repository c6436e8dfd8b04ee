// Sync with the server over the WatermelonDB protocol (docs/architecture.md#sync-protocol):
// pull then push, one run at a time, on reconnect, on focus, after local writes and
// periodically.
// Local changes stay in the device's database until the server has them, so a failed sync
// never loses what a person typed; the error is shown in words and the next run retries.
// No phone is stuck for good (issue 13): a push goes in chunks the server takes, and a
// record the server refuses is held back (held.ts) so everything else still syncs.
import type { Database } from '@nozbe/watermelondb'
import type { SyncPushResult } from '@nozbe/watermelondb/sync'

import { ApiError, api, describe } from './api'
import { db, keep } from './db'
import { wireRecord } from './db/schema'
import { HeldBack, locate, refusalsIn, withhold, type Held, type Refusal } from './held'
import { archiveOld, routePulled } from './history'
import { compact, countChanges, halves, mergeChanges, pushChunks, type Changes } from './pushChunks'
import { sendSnoozes } from './snoozes'
import { Store } from './store'
import { OWNER_KEY, readTokens } from './tokens'

export interface SyncStatus {
  running: boolean
  online: boolean
  // Changes waiting to be sent, not counting the held-back ones.
  pending: number
  lastSyncedAt: number | null
  error: string | null
  // Reloading the app resolves the error (a version the server syncs with).
  reload: boolean
  held: Held[]
}

const LAST_SYNC_KEY = 'ossa.lastSyncedAt'
export const PERIOD_MS = 60_000
const AFTER_WRITE_MS = 800
// A 409 means someone else wrote those records after our pull: pull again and retry.
const CONFLICT_RETRIES = 3
// A refused plan makes its doses refused in the next round: a few rounds per chunk, then the
// next sync goes on from what is held by then.
const REFUSAL_ROUNDS = 4
// Gzip each pushed chunk (Content-Encoding: gzip; the server decodes it, backend/bodies.py):
// a backlog's JSON shrinks about fourfold on a phone's slow uplink.
export const GZIP_PUSH = true
// Set when the local copy must be replaced by the server's (a discarded change, a 410 from
// push), and kept until a replacement pull has been applied, so going offline in between
// loses nothing.
const REPLACE_KEY = 'ossa.replaceOnNextPull'

function storedLastSync(): number | null {
  const value = Number(localStorage.getItem(LAST_SYNC_KEY))
  return Number.isFinite(value) && value > 0 ? value : null
}

export const syncStatus = new Store<SyncStatus>({
  running: false,
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  pending: 0,
  lastSyncedAt: typeof localStorage === 'undefined' ? null : storedLastSync(),
  error: null,
  reload: false,
  held: [],
})

/** The held-back records of whoever's data this device holds. */
export function heldBack(): HeldBack {
  const owner = localStorage.getItem(OWNER_KEY) ?? readTokens()?.email ?? ''
  return new HeldBack(localStorage, `ossa.heldBack.${owner}`)
}

/** The next sync pulls everything and replaces the local copy, keeping unsent changes. */
export function wantReplacementPull(): void {
  localStorage.setItem(REPLACE_KEY, '1')
}

function replacementWanted(): boolean {
  return localStorage.getItem(REPLACE_KEY) === '1'
}

export function forgetSyncState(): void {
  heldBack().clear()
  localStorage.removeItem(REPLACE_KEY)
}

function pullUrl(lastPulledAt: number | null | undefined, schemaVersion: number, migration: unknown): string {
  const params = new URLSearchParams({
    last_pulled_at: lastPulledAt ? String(lastPulledAt) : 'null',
    schema_version: String(schemaVersion),
    migration: JSON.stringify(migration ?? null),
  })
  return `/api/v1/sync/pull?${params}`
}

interface Pulled {
  changes: Changes
  timestamp: number
}

/** One synchronize() run against the server; throws ApiError on failure. */
export async function syncOnce(database: Database = db(), held: HeldBack = heldBack()): Promise<void> {
  let replacing = false
  // Changes to archived history are applied in the archive (history.ts); WatermelonDB gets the rest.
  const routed = async (pulled: Pulled, whole: boolean) => {
    const changes = await database.write(() => routePulled(database, pulled.changes, whole))
    return { ...pulled, changes }
  }
  const replacement = async (schemaVersion: number, migration: unknown) => {
    replacing = true
    const full = await routed(await api<Pulled>(pullUrl(null, schemaVersion, migration)), true)
    return { ...full, experimentalStrategy: 'replacement' } as never
  }
  const { synchronize } = await import('./watermelonSync')
  await synchronize({
    database,
    sendCreatedAsUpdated: true,
    migrationsEnabledAtVersion: 1,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      // WatermelonDB replaces what it has with the server's copy and keeps records created
      // or changed here and not yet sent.
      if (replacementWanted()) return replacement(schemaVersion, migration)
      try {
        return (await routed(await api<Pulled>(pullUrl(lastPulledAt, schemaVersion, migration)), false)) as never
      } catch (error) {
        // The server purged deletions older than our cursor: fetch everything again.
        if (error instanceof ApiError && error.status === 410) return replacement(schemaVersion, migration)
        throw error
      }
    },
    onDidPullChanges: async () => {
      if (replacing) localStorage.removeItem(REPLACE_KEY)
    },
    pushChanges: ({ changes, lastPulledAt }) => pushChanges(database, held, changes as Changes, lastPulledAt),
  })
}

/** The body of one pushed chunk, gzipped when `gzip` and the browser can. */
export async function encodePush(json: string, gzip: boolean = GZIP_PUSH): Promise<{ body: BodyInit; headers: Record<string, string> }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (!gzip || typeof CompressionStream === 'undefined') return { body: json, headers }
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream('gzip'))
  // A Blob, not the stream: a request renewed after a 401 sends the same body again.
  return { body: await new Response(stream).blob(), headers: { ...headers, 'Content-Encoding': 'gzip' } }
}

/** A chunk as it goes on the wire: records without the columns a migration added and the
 * server has not sent yet (db/schema.ts wireRecord). The chunk itself stays as fetched, so
 * marking it synced still finds its records unchanged. */
export function wireChanges(chunk: Changes): Changes {
  const wire: Changes = {}
  for (const [table, set] of Object.entries(chunk)) {
    wire[table] = {
      created: set.created.map((raw) => wireRecord(table, raw)),
      updated: set.updated.map((raw) => wireRecord(table, raw)),
      deleted: set.deleted,
    }
  }
  return wire
}

async function postChunk(chunk: Changes, lastPulledAt: number): Promise<void> {
  const { body, headers } = await encodePush(JSON.stringify({ changes: wireChanges(chunk) }))
  await api(`/api/v1/sync/push?last_pulled_at=${lastPulledAt}`, { method: 'POST', body, headers })
}

interface PushRun {
  held: HeldBack
  changes: Changes
  lastPulledAt: number
  stored: Changes[]
}

/** Push the local changes in chunks, holding back refused records; returns their ids so
 * WatermelonDB keeps them unsynced. */
export async function pushChanges(
  database: Database,
  held: HeldBack,
  changes: Changes,
  lastPulledAt: number,
): Promise<SyncPushResult> {
  held.release(changes)
  const run: PushRun = { held, changes, lastPulledAt, stored: [] }
  try {
    for (const chunk of pushChunks(withhold(changes, held.all()).send)) await pushChunk(run, chunk)
  } catch (error) {
    await keepStored(database, run.stored)
    throw error
  }
  return { experimentalRejectedIds: withhold(changes, held.all()).rejected }
}

async function pushChunk(run: PushRun, chunk: Changes): Promise<void> {
  let left = chunk
  for (let round = 0; countChanges(left) > 0; round++) {
    try {
      await postChunk(left, run.lastPulledAt)
      run.stored.push(left)
      return
    } catch (error) {
      if (error instanceof ApiError && error.status === 413 && countChanges(left) > 1) {
        for (const half of halves(left)) await pushChunk(run, half)
        return
      }
      const refused = refusedIn(error, left)
      if (refused.length === 0 || round >= REFUSAL_ROUNDS) throw error
      run.held.hold(refused, run.changes)
      left = compact(withhold(left, run.held.all()).send)
    }
  }
}

/** The records of `chunk` a refusal names; a record too large to send even alone is one. */
function refusedIn(error: unknown, chunk: Changes): Refusal[] {
  if (!(error instanceof ApiError)) return []
  if (error.status === 413) {
    const [table, set] = Object.entries(chunk)[0]
    const id = set.created[0]?.id ?? set.updated[0]?.id ?? set.deleted[0]
    return [{ table, id, column: null, code: 'payload_too_large', detail: 'This change is too large for the server to take.' }]
  }
  if (error.status !== 400) return []
  return refusalsIn(error.errors).filter((r) => locate(chunk, r.table, r.id) !== null)
}

/** After a later chunk failed: mark what the server stored as synced, so the next run does
 * not send it again (it would be a no-op there, but a long backlog on a poor line may never
 * get through whole). */
async function keepStored(database: Database, stored: Changes[]): Promise<void> {
  if (stored.length === 0) return
  const { fetchLocalChanges, markLocalChangesAsSynced } = await import('./watermelonSync')
  const { affectedRecords } = await fetchLocalChanges(database)
  await markLocalChangesAsSynced(database, { changes: mergeChanges(stored), affectedRecords })
}

/** Changes waiting to be sent, and the held-back records still held. */
async function localState(database: Database): Promise<{ pending: number; held: Held[] }> {
  const { fetchLocalChanges } = await import('./watermelonSync')
  const { changes } = await fetchLocalChanges(database)
  const held = heldBack().release(changes)
  return { pending: countChanges(changes) - held.length, held }
}

/** Errors that go away with a reload: the server's own version of the app syncs with it. */
function fixedByReload(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 426 || error.code === 'schema_unsupported')
}

function wordsFor(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 426) return 'This version of Ossa is too old for the server. Reload the app to update it.'
    if (error.code === 'schema_unsupported') return 'This version of Ossa is newer than the server can sync with. Reload the app to use the server’s version. Your changes are kept.'
    if (error.status === 410) return 'The server asked this phone to start again from its copy, and that did not work yet. Your changes are kept; the next sync tries again.'
    if (error.status === 409) return 'Your changes crossed with changes from another device. They are kept and will be sent on the next sync.'
    if (error.status === 400) return `The server refused some of your changes: ${error.message} They are kept on this device.`
    if (error.status >= 500) return 'The server had a problem. Your changes are kept and will be sent later.'
  }
  return describe(error)
}

export class SyncEngine {
  private running: Promise<void> | null = null
  private again = false
  private stops: (() => void)[] = []

  // The database is looked up when first needed, so importing this module opens nothing.
  constructor(private databaseOverride: Database | null = null) {}

  private get database(): Database {
    return this.databaseOverride ?? db()
  }

  /** Sync now (or right after the run in progress). Never throws: the status says how it went. */
  sync(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.run().finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        void this.sync()
      }
    })
    return this.running
  }

  private async run(): Promise<void> {
    if (!navigator.onLine) {
      syncStatus.patch({ online: false })
      await this.refreshPending()
      return
    }
    syncStatus.patch({ running: true, online: true })
    // Snoozes go by REST before the pull, which then brings the reminders as snoozed. One
    // that cannot go now waits for the next sync; the sync itself goes on.
    await sendSnoozes().catch(() => undefined)
    let error: unknown = null
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      try {
        await syncOnce(this.database)
        // What the pull brought is kept at once: an app closed or reloaded right after a sync
        // (before the autosave tick) would otherwise have to fetch it all again.
        keep(this.database)
        error = null
        break
      } catch (e) {
        error = e
        // The push's cursor is ahead of the server's clock: start again from its copy.
        if (e instanceof ApiError && e.status === 410) wantReplacementPull()
        else if (!(e instanceof ApiError && e.status === 409)) break
      }
    }
    if (error === null) {
      const now = Date.now()
      localStorage.setItem(LAST_SYNC_KEY, String(now))
      syncStatus.patch({ running: false, lastSyncedAt: now, error: null, reload: false })
      // Synced rows that have grown old move out of the first read (history.ts).
      await archiveOld(this.database).catch((e: unknown) => console.error('old history could not be archived', e))
    } else if (error instanceof ApiError && error.offline) {
      syncStatus.patch({ running: false, online: false, error: null, reload: false })
    } else {
      syncStatus.patch({ running: false, error: wordsFor(error), reload: fixedByReload(error) })
    }
    await this.refreshPending()
  }

  async refreshPending(): Promise<number> {
    const { pending, held } = await localState(this.database)
    const status = syncStatus.get()
    if (pending !== status.pending || heldKey(held) !== heldKey(status.held)) syncStatus.patch({ pending, held })
    return pending
  }

  /** Sync on reconnect, on focus, after local writes and every PERIOD_MS while visible. */
  start(): void {
    const soon = () => void this.sync()
    const online = () => {
      syncStatus.patch({ online: true })
      soon()
    }
    const offline = () => syncStatus.patch({ online: false })
    const visible = () => {
      if (document.visibilityState === 'visible') soon()
    }
    window.addEventListener('online', online)
    window.addEventListener('offline', offline)
    window.addEventListener('focus', soon)
    document.addEventListener('visibilitychange', visible)
    const period = setInterval(() => {
      if (document.visibilityState === 'visible') soon()
    }, PERIOD_MS)
    let debounce: ReturnType<typeof setTimeout> | undefined
    const changes = this.database
      .withChangesForTables(['products', 'regimens', 'intake_logs', 'profiles', 'stock_events', 'notifications'])
      .subscribe(async () => {
        // Applying pulled changes fires this too; only local changes call for a push.
        if ((await this.refreshPending()) === 0) return
        clearTimeout(debounce)
        debounce = setTimeout(soon, AFTER_WRITE_MS)
      })
    this.stops.push(
      () => window.removeEventListener('online', online),
      () => window.removeEventListener('offline', offline),
      () => window.removeEventListener('focus', soon),
      () => document.removeEventListener('visibilitychange', visible),
      () => clearInterval(period),
      () => clearTimeout(debounce),
      () => changes.unsubscribe(),
    )
    soon()
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop()
  }
}

function heldKey(held: Held[]): string {
  return held.map((h) => `${h.table}.${h.id}.${h.fingerprint}.${h.reasons.length}`).join(',')
}

/** The app's one engine: screens call engine.sync() after a change the server must see soon. */
export const engine = new SyncEngine()
