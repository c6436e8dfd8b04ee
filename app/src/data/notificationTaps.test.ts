// Taken, Skip and Snooze on a dose reminder's notification: the service worker (sw/sw.js, run
// here with a stand-in for its global scope) keeps each tap, and the app takes it into the
// local database under the reminder's dose_id, so tapping twice, or logging on Today first,
// leaves one dose; taps wait while the plan is not on the phone yet.
import { IDBFactory } from 'fake-indexeddb'
import { fetchLocalChanges } from '@nozbe/watermelondb/sync/impl'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { create, createDatabase, fetchRows } from './db'
import { MemoryStorage } from './fakeSyncServer'
import { applyTaps, workerTaps, type PushDose, type TapStore } from './notificationTaps'
import { askSnooze, snoozes } from './snoozes'
import type { Changes } from './pushChunks'
import { instantOf } from '../domain/time'

logger.silence()

const SW = import.meta.glob<string>('../../sw/sw.js', { query: '?raw', import: 'default', eager: true })['../../sw/sw.js']
const AMS = 'Europe/Amsterdam'
const PLAN = '1c6f5d47-4a1b-4d6f-8e66-9b203c4d5e6f'
const PRODUCT = '2d7a6e58-5b2c-4e7a-9f77-ac314d5e6f70'
const DOSE_ID = '7c2f1dad-a071-5d2f-8ecc-f1869ca3b4c5'
const DUE = instantOf('2026-11-23', '08:00', AMS)
const DOSE: PushDose = { reminder: DOSE_ID, regimen: PLAN, product: PRODUCT, servings: '1', due: '2026-11-23T08:00:00+01:00', dose_id: DOSE_ID }
const PAYLOAD = {
  id: 'n1', kind: 'dose_reminder', title: 'Levothyroxine 50 mcg: 1 tablet at 08:00', body: 'As your plan says.', url: '/app/#/today', dose: DOSE,
  actions: [{ action: 'taken', title: 'Taken' }, { action: 'skip', title: 'Skip' }, { action: 'snooze', title: 'Snooze 10 min' }],
}

type Listener = (event: unknown) => void

/** sw.js in a stand-in of its global scope: its listeners, the notifications it shows, the
 * messages it posts to the app's window. */
function serviceWorker(indexedDB: IDBFactory, Notification: { maxActions?: number } = {}) {
  const listeners: Record<string, Listener> = {}
  const shown: { title: string; options: Record<string, unknown> }[] = []
  const posted: unknown[] = []
  const navigated: string[] = []
  const window = {
    url: 'http://ossa.test/app/',
    postMessage: (m: unknown) => posted.push(m),
    navigate: async (href: string) => (navigated.push(href), window),
    focus: async () => window,
  }
  const scope = {
    addEventListener: (type: string, listener: Listener) => (listeners[type] = listener),
    registration: {
      showNotification: async (title: string, options: Record<string, unknown>) => void shown.push({ title, options }),
      // What the browser still shows: the latest notification of each tag.
      getNotifications: async ({ tag }: { tag?: string } = {}) => {
        const latest = new Map(shown.map((n) => [n.options.tag, n]))
        return [...latest.values()].filter((n) => tag === undefined || n.options.tag === tag).map((n) => ({ tag: n.options.tag, data: n.options.data }))
      },
    },
    clients: { matchAll: async () => [window] },
    location: { origin: 'http://ossa.test' },
    skipWaiting: () => undefined,
    Notification,
  }
  const source = SW.replace('__OSSA_VERSION__', '"test"').replace('__OSSA_SHELL__', '[]')
  new Function('self', 'indexedDB', 'caches', source)(scope, indexedDB, {})
  const dispatch = async (type: string, event: Record<string, unknown>) => {
    const waits: Promise<unknown>[] = []
    listeners[type]({ ...event, waitUntil: (p: Promise<unknown>) => waits.push(p) })
    await Promise.all(waits)
  }
  return {
    shown,
    posted,
    navigated,
    push: (payload: unknown) => dispatch('push', { data: { json: () => payload } }),
    tap: (action: string, data: unknown = shown.at(-1)!.options.data) => dispatch('notificationclick', { action, notification: { data, close: () => undefined } }),
  }
}

function memoryTaps(taps: Awaited<ReturnType<TapStore['all']>>): TapStore {
  return {
    all: async () => [...taps],
    remove: async (key) => void taps.splice(taps.findIndex((t) => t.key === key), 1),
  }
}

let names = 0

async function phoneWithPlan() {
  const database = createDatabase({ name: `taps-${++names}`, persistent: false })
  await create('profiles', { timezone: AMS, reminder_zone: 'home' }, database)
  const plan = { product_id: PRODUCT, servings_per_dose: 1, schedule_kind: 'daily' as const, times: '["08:00"]', weekdays: '[]', start_date: '2026-11-01', note: '', remind: true, refill_days: 7 }
  await create('regimens', plan, database, PLAN)
  return database
}

beforeEach(() => {
  vi.stubGlobal('localStorage', new MemoryStorage())
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the service worker', () => {
  it('shows a dose reminder with its actions, one notification per dose', async () => {
    const worker = serviceWorker(new IDBFactory())

    await worker.push(PAYLOAD)
    await worker.push({ ...PAYLOAD, id: 'n2', title: 'Not logged yet: Levothyroxine 50 mcg from 08:00' })

    expect(worker.shown.map((n) => n.options.tag)).toEqual([`dose-${DOSE_ID}`, `dose-${DOSE_ID}`])
    expect((worker.shown[0].options.actions as { action: string }[]).map((a) => a.action)).toEqual(['taken', 'skip', 'snooze'])
    expect(worker.shown[1].options.renotify).toBe(true)
  })

  it('shows the same message pushed twice once, alerting once', async () => {
    const worker = serviceWorker(new IDBFactory())

    await worker.push(PAYLOAD)
    await worker.push(PAYLOAD) // a sender that stopped before recording the first sends again

    expect(worker.shown.map((n) => n.options.renotify)).toEqual([true, false])
    expect(worker.shown.map((n) => n.options.tag)).toEqual([`dose-${DOSE_ID}`, `dose-${DOSE_ID}`])
  })

  it('keeps Taken and Snooze where the browser shows two actions only', async () => {
    const worker = serviceWorker(new IDBFactory(), { maxActions: 2 })

    await worker.push(PAYLOAD)

    expect((worker.shown[0].options.actions as { action: string }[]).map((a) => a.action)).toEqual(['taken', 'snooze'])
  })

  it('keeps the first Taken of a dose however often it is tapped, and tells the app', async () => {
    const idb = new IDBFactory()
    const worker = serviceWorker(idb)
    await worker.push(PAYLOAD)

    await worker.tap('taken')
    await worker.tap('skip')
    await worker.tap('taken')

    const taps = await workerTaps(idb).all()
    expect(taps.map((t) => [t.key, t.action])).toEqual([[`log:${DOSE_ID}`, 'taken']])
    expect(taps[0].dose).toEqual(DOSE)
    expect(worker.posted).toEqual([{ type: 'ossa-notification-taps' }, { type: 'ossa-notification-taps' }, { type: 'ossa-notification-taps' }])
  })

  it('says a dose is marked on this phone when its follow-up comes before the app took the tap', async () => {
    const worker = serviceWorker(new IDBFactory())
    await worker.push(PAYLOAD)
    await worker.tap('taken')

    await worker.push({ ...PAYLOAD, title: 'Not logged yet: Levothyroxine 50 mcg from 08:00' })

    const followUp = worker.shown.at(-1)!.options
    expect(followUp.actions).toBeUndefined()
    expect(followUp.body).toMatch(/marked this dose on this phone/)
  })

  it('opens the screen a notification is about when tapped itself, and keeps nothing', async () => {
    const idb = new IDBFactory()
    const worker = serviceWorker(idb)
    await worker.push({ id: 'n2', kind: 'weekly_digest', title: 'Your week', body: '…', url: '/app/#/inbox' })
    await worker.tap('')
    expect(worker.navigated).toEqual(['http://ossa.test/app/#/inbox'])
    expect(await workerTaps(idb).all()).toEqual([])
  })
})

describe('applyTaps', () => {
  it('logs a Taken under the dose’s id at the tap, once, however often it was tapped', async () => {
    const idb = new IDBFactory()
    const worker = serviceWorker(idb)
    const database = await phoneWithPlan()
    await worker.push(PAYLOAD)
    await worker.tap('taken')

    expect(await applyTaps(workerTaps(idb), database)).toBe(1)
    await worker.tap('taken')
    expect(await applyTaps(workerTaps(idb), database)).toBe(1)

    const logs = await fetchRows('intake_logs', [], database)
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ id: DOSE_ID, regimen_id: PLAN, product_id: PRODUCT, servings: 1, status: 'taken', source: 'app' })
    expect(await workerTaps(idb).all()).toEqual([])
    const { changes } = await fetchLocalChanges(database)
    expect((changes as Changes).intake_logs.created.map((r) => r.id)).toEqual([DOSE_ID])
  })

  it('logs a Skip at the dose’s own time', async () => {
    const database = await phoneWithPlan()
    const at = DUE + 20 * 60_000
    await applyTaps(memoryTaps([{ key: `log:${DOSE_ID}`, action: 'skip', dose: DOSE, at }]), database)

    expect(await fetchRows('intake_logs', [], database)).toMatchObject([{ id: DOSE_ID, status: 'skipped', taken_at: DUE }])
  })

  it('leaves a dose logged on Today as it is', async () => {
    const database = await phoneWithPlan()
    const today = { regimen_id: PLAN, product_id: PRODUCT, servings: 1, taken_at: DUE + 5 * 60_000, status: 'taken' as const, note: '', source: 'app' }
    const onToday = await create('intake_logs', today, database)
    const taps = memoryTaps([{ key: `log:${DOSE_ID}`, action: 'taken', dose: DOSE, at: DUE + 9 * 60_000 }])

    expect(await applyTaps(taps, database)).toBe(1)

    expect((await fetchRows('intake_logs', [], database)).map((l) => l.id)).toEqual([onToday.id])
  })

  it('keeps a tap while its plan is not on the phone, and lets it go after a week', async () => {
    const database = createDatabase({ name: `taps-${++names}`, persistent: false })
    const taps = memoryTaps([{ key: `log:${DOSE_ID}`, action: 'taken', dose: DOSE, at: DUE }])

    expect(await applyTaps(taps, database, DUE + 60_000)).toBe(0)
    expect(await taps.all()).toHaveLength(1)
    await applyTaps(taps, database, DUE + 8 * 24 * 60 * 60_000)
    expect(await taps.all()).toEqual([])
  })

  it('snoozes for 10 minutes from the tap, unless the dose was taken too', async () => {
    const database = await phoneWithPlan()
    const at = DUE + 2 * 60_000
    await applyTaps(memoryTaps([{ key: `snooze:${DOSE_ID}`, action: 'snooze', dose: DOSE, at }]), database)
    expect(snoozes.get()).toMatchObject([{ reminder: DOSE_ID, choice: { minutes: 10 }, askedAt: at, until: at + 10 * 60_000 }])

    askSnooze(DOSE_ID, { minutes: 30 }, at + 30 * 60_000, at)
    const both = memoryTaps([
      { key: `snooze:${DOSE_ID}`, action: 'snooze', dose: DOSE, at },
      { key: `log:${DOSE_ID}`, action: 'taken', dose: DOSE, at: at + 60_000 },
    ])
    await applyTaps(both, database)
    expect(snoozes.get()).toEqual([])
    expect(await both.all()).toEqual([])
  })
})
