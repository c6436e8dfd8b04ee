// Taken, Skip and Snooze tapped on a dose reminder's notification. The service worker
// (app/sw/sw.js) keeps each tap in its own IndexedDB database and tells the open app; the app
// takes them from there, when told, when it starts and when it comes to the front:
// - Taken and Skip log the dose under the reminder's dose_id, the same id on every phone and
//   every tap, so the server keeps one dose however often it is tapped (a dose already on the
//   phone under that id is left as it is). The sync engine sends it, offline or not.
// - Snooze waits with the snoozes asked on Today (snoozes.ts), for 10 minutes from the tap.
import type { Database } from '@nozbe/watermelondb'

import { logOfDoseAt, logWindow } from '../domain/doses'
import { reminderZone } from '../domain/reminders'
import type { Profile, Regimen } from '../domain/rows'
import { deviceZone, localDate } from '../domain/time'
import { create, db, fetchRows, Q, storedRow } from './db'
import { askSnooze, dismissSnooze } from './snoozes'
import { engine } from './sync'

// The service worker's names (sw.js TAPS_DB, TAPS).
const TAPS_DB = 'ossa-notification-taps'
const TAPS = 'taps'
const NOTIFICATION_SNOOZE_MINUTES = 10
// A tap whose plan never reached this phone (another member's, a plan deleted meanwhile) is
// let go after a week.
const KEEP_MS = 7 * 24 * 60 * 60 * 1000

/** The dose a reminder's push names (notifications/transports.py push_payload "dose"). */
export interface PushDose {
  reminder: string
  regimen: string
  product: string
  servings: string
  due: string // ISO 8601 with an offset
  dose_id: string
}

export interface Tap {
  key: string
  action: 'taken' | 'skip' | 'snooze'
  dose: PushDose
  at: number
}

export interface TapStore {
  all(): Promise<Tap[]>
  remove(key: string): Promise<void>
}

/** The service worker's taps, in IndexedDB. */
export function workerTaps(indexedDB: IDBFactory = globalThis.indexedDB): TapStore {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(TAPS_DB, 1)
      request.onupgradeneeded = () => request.result.createObjectStore(TAPS, { keyPath: 'key' })
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const database = await open()
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = database.transaction(TAPS, mode)
        const request = work(tx.objectStore(TAPS))
        tx.oncomplete = () => resolve(request.result)
        tx.onerror = () => reject(tx.error)
        tx.onabort = () => reject(tx.error)
      })
    } finally {
      database.close()
    }
  }
  return {
    all: () => run('readonly', (store) => store.getAll() as IDBRequest<Tap[]>),
    remove: async (key) => {
      await run('readwrite', (store) => store.delete(key))
    },
  }
}

/** Take the taps waiting in `store` into the local database; returns how many were taken. */
export async function applyTaps(store: TapStore, database: Database = db(), now: number = Date.now()): Promise<number> {
  const taps = (await store.all()).sort((a, b) => a.at - b.at)
  const logged = new Set(taps.filter((t) => t.action !== 'snooze').map((t) => t.dose.dose_id))
  let taken = 0
  for (const tap of taps) {
    const done = tap.action === 'snooze' ? snoozeFrom(tap, logged) : await logFrom(tap, database)
    if (done || tap.at < now - KEEP_MS) await store.remove(tap.key)
    if (done) taken++
  }
  return taken
}

async function logFrom(tap: Tap, database: Database): Promise<boolean> {
  const { dose } = tap
  dismissSnooze(dose.reminder)
  if (await storedRow('intake_logs', dose.dose_id, database)) return true
  const regimen = await storedRow('regimens', dose.regimen, database)
  if (!regimen) return false
  // Logged on Today already (under another id): that log is the dose.
  if (await loggedAlready(regimen, Date.parse(dose.due), database)) return true
  const skipped = tap.action === 'skip'
  const values = {
    regimen_id: dose.regimen,
    product_id: dose.product,
    servings: Number(dose.servings),
    // Taken when tapped; skipped at the dose's own time, as Today's Skipped does.
    taken_at: skipped ? Date.parse(dose.due) : tap.at,
    status: skipped ? ('skipped' as const) : ('taken' as const),
    note: '',
    source: 'app',
  }
  await create('intake_logs', values, database, dose.dose_id)
  return true
}

async function loggedAlready(regimen: Regimen, due: number, database: Database): Promise<boolean> {
  const [profile] = await fetchRows('profiles', [], database)
  const zone = reminderZone((profile as Profile | undefined) ?? null, deviceZone())
  const [from, to] = logWindow(localDate(due, zone), zone)
  const logs = await fetchRows('intake_logs', [Q.where('regimen_id', regimen.id), Q.where('taken_at', Q.between(from, to))], database)
  return logOfDoseAt(regimen, logs, due, zone) !== null
}

function snoozeFrom(tap: Tap, logged: Set<string>): boolean {
  // Taken or skipped too: nothing left to snooze.
  if (!logged.has(tap.dose.dose_id)) {
    askSnooze(tap.dose.reminder, { minutes: NOTIFICATION_SNOOZE_MINUTES }, tap.at + NOTIFICATION_SNOOZE_MINUTES * 60_000, tap.at)
  }
  return true
}

/** Take the service worker's taps now and whenever it says there are some, or the app comes
 * to the front; a sync follows each that took any. */
export function startTakingTaps(store: TapStore = workerTaps()): () => void {
  let running = Promise.resolve()
  const take = () => {
    running = running
      .then(() => applyTaps(store))
      .then((taken) => {
        if (taken) void engine.sync()
      })
      .catch((error) => console.error('notification taps not taken', error))
  }
  const onMessage = (event: MessageEvent) => {
    if (event.data?.type === 'ossa-notification-taps') take()
  }
  const onVisible = () => {
    if (document.visibilityState === 'visible') take()
  }
  navigator.serviceWorker?.addEventListener('message', onMessage)
  document.addEventListener('visibilitychange', onVisible)
  take()
  return () => {
    navigator.serviceWorker?.removeEventListener('message', onMessage)
    document.removeEventListener('visibilitychange', onVisible)
  }
}
