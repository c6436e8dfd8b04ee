// Sync with the server over the WatermelonDB protocol (docs/architecture.md#sync-protocol):
// pull then push, one run at a time, on reconnect, on focus, after local writes and
// periodically.
// Local changes stay in the device's database until the server has them, so a failed sync
// never loses what a person typed; the error is shown in words and the next run retries.
import type { Database } from '@nozbe/watermelondb'
import { synchronize, type SyncTableChangeSet } from '@nozbe/watermelondb/sync'
import { fetchLocalChanges } from '@nozbe/watermelondb/sync/impl'

import { ApiError, api, describe } from './api'
import { db } from './db'
import { Store } from './store'

export interface SyncStatus {
  running: boolean
  online: boolean
  pending: number
  lastSyncedAt: number | null
  error: string | null
}

const LAST_SYNC_KEY = 'ossa.lastSyncedAt'
export const PERIOD_MS = 60_000
const AFTER_WRITE_MS = 800
// A 409 means someone else wrote those records after our pull: pull again and retry.
const CONFLICT_RETRIES = 3

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
})

function pullUrl(lastPulledAt: number | null | undefined, schemaVersion: number, migration: unknown): string {
  const params = new URLSearchParams({
    last_pulled_at: lastPulledAt ? String(lastPulledAt) : 'null',
    schema_version: String(schemaVersion),
    migration: JSON.stringify(migration ?? null),
  })
  return `/api/v1/sync/pull?${params}`
}

/** One synchronize() run against the server; throws ApiError on failure. */
export async function syncOnce(database: Database = db()): Promise<void> {
  await synchronize({
    database,
    sendCreatedAsUpdated: true,
    migrationsEnabledAtVersion: 1,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      try {
        return await api(pullUrl(lastPulledAt, schemaVersion, migration))
      } catch (error) {
        // The server purged deletions older than our cursor: fetch everything again and let
        // WatermelonDB replace what it has (keeping records created here and not yet sent).
        if (error instanceof ApiError && error.status === 410) {
          const full = await api<object>(pullUrl(null, schemaVersion, migration))
          return { ...full, experimentalStrategy: 'replacement' } as never
        }
        throw error
      }
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      await api(`/api/v1/sync/push?last_pulled_at=${lastPulledAt}`, { method: 'POST', json: { changes } })
    },
  })
}

async function countPending(database: Database): Promise<number> {
  const { changes } = await fetchLocalChanges(database)
  let count = 0
  for (const set of Object.values(changes) as SyncTableChangeSet[]) count += set.created.length + set.updated.length + set.deleted.length
  return count
}

function wordsFor(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 426) return 'This version of Ossa is too old for the server. Reload the app to update it.'
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
    let error: unknown = null
    for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      try {
        await syncOnce(this.database)
        error = null
        break
      } catch (e) {
        error = e
        if (!(e instanceof ApiError && e.status === 409)) break
      }
    }
    if (error === null) {
      const now = Date.now()
      localStorage.setItem(LAST_SYNC_KEY, String(now))
      syncStatus.patch({ running: false, lastSyncedAt: now, error: null })
    } else if (error instanceof ApiError && error.offline) {
      syncStatus.patch({ running: false, online: false, error: null })
    } else {
      syncStatus.patch({ running: false, error: wordsFor(error) })
    }
    await this.refreshPending()
  }

  async refreshPending(): Promise<number> {
    const pending = await countPending(this.database)
    if (pending !== syncStatus.get().pending) syncStatus.patch({ pending })
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
      .withChangesForTables(['products', 'regimens', 'intake_logs', 'profiles', 'notifications'])
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

/** The app's one engine: screens call engine.sync() after a change the server must see soon. */
export const engine = new SyncEngine()
