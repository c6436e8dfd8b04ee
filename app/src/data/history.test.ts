// Old history in the archive beside the local database (history.ts), against the stand-in
// server: a long history syncs with its old part archived, the archived part is still read
// and still syncs both ways (an archived dose edited or deleted offline reaches the server; a
// server's change or deletion reaches the archived copy), a replacement pull leaves nothing
// the server no longer has, and only synced rows ever move.
import 'fake-indexeddb/auto'

import type { Database } from '@nozbe/watermelondb'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { fetchLocalChanges } from '@nozbe/watermelondb/sync/impl'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { archiveOf, create, createDatabase, fetchRows, remove, update } from './db'
import type { ArchivedTable } from './db/archive'
import { FakeSyncServer, MemoryStorage } from './fakeSyncServer'
import { archiveOld, KEEP_DAYS, readArchived } from './history'
import { countChanges, type Changes } from './pushChunks'
import { SyncEngine, syncOnce, wantReplacementPull } from './sync'

logger.silence()

const DAY = 86_400_000
const NOW = Date.now()
const PRODUCT_ID = 'a5b1e3c2-0000-4000-8000-000000000001'
const PLAN_ID = 'a5b1e3c2-0000-4000-8000-0000000000aa'

let server: FakeSyncServer
let database: Database
let databases = 0

beforeEach(() => {
  server = new FakeSyncServer()
  vi.stubGlobal('fetch', server.fetch)
  vi.stubGlobal('localStorage', new MemoryStorage())
  vi.stubGlobal('navigator', { onLine: true })
  localStorage.setItem('ossa.owner', 'maria@example.com')
  database = createDatabase({ name: `history-test-${++databases}`, persistent: false, archive: true })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

function logId(day: number): string {
  return `a5b1e3c2-0000-4000-8000-${String(day).padStart(12, '0')}`
}

/** On the server: one plan and a dose on each of the last `days` days (day 0 is today). */
function history(days: number): void {
  server.put('regimens', {
    id: PLAN_ID, product_id: PRODUCT_ID, servings_per_dose: 1, schedule_kind: 'daily', times: '["08:00"]', weekdays: '[]',
    day_of_month: null, interval_days: null, start_date: '2020-01-01', end_date: null, note: '', confirmed_findings: '[]',
    created_at: NOW - days * DAY, updated_at: NOW - days * DAY,
  })
  for (let day = 0; day < days; day++) {
    const at = NOW - day * DAY
    server.put('intake_logs', { id: logId(day), regimen_id: PLAN_ID, product_id: PRODUCT_ID, servings: 1, taken_at: at, status: 'taken', note: '', source: 'app', created_at: at, updated_at: at })
  }
}

async function local(table: ArchivedTable = 'intake_logs'): Promise<string[]> {
  return (await fetchRows(table, [], database)).map((row) => row.id).sort()
}

async function archived(table: ArchivedTable = 'intake_logs'): Promise<string[]> {
  return [...(await archiveOf(database)!.has(table, null))].sort()
}

async function pending(): Promise<number> {
  return countChanges((await fetchLocalChanges(database)).changes as Changes)
}

const offline = async () => {
  throw new TypeError('Failed to fetch')
}

describe('a long history', () => {
  it('keeps the window in the database and the rest in the archive, every record once', async () => {
    history(400)

    await syncOnce(database)

    const recent = Array.from({ length: KEEP_DAYS }, (_, day) => logId(day))
    expect(await local()).toEqual([...recent].sort())
    expect(await archived()).toHaveLength(400 - KEEP_DAYS)
    expect(new Set([...(await local()), ...(await archived())]).size).toBe(400)
    expect(await pending()).toBe(0)
  })

  it('gives screens the archived rows of a range, as the database gives its own', async () => {
    history(400)
    await syncOnce(database)

    const from = NOW - 300.5 * DAY
    const rows = await readArchived('intake_logs', database, from, NOW - 299.5 * DAY)

    expect(rows).toEqual([{ ...server.get('intake_logs', logId(300)) }])
    expect(Object.keys(rows[0]).sort()).toEqual(Object.keys((await fetchRows('intake_logs', [], database))[0]).sort())
  })

  it('moves rows that grew old after a sync, and only synced ones', async () => {
    history(30)
    await syncOnce(database)
    const unsent = await create('intake_logs', { regimen_id: PLAN_ID, product_id: PRODUCT_ID, servings: 1, taken_at: NOW - 20 * DAY, status: 'skipped', note: '', source: 'app' }, database)

    // 200 days on, every dose is old; the one never sent stays until the server has it.
    expect(await archiveOld(database, NOW + 200 * DAY)).toBe(30)
    expect(await local()).toEqual([unsent.id])
    expect(await archived()).toHaveLength(30)

    await syncOnce(database)
    expect(server.get('intake_logs', unsent.id)).toBeDefined()
    expect(await archiveOld(database, NOW + 200 * DAY)).toBe(1)
    expect(await local()).toEqual([])
  })

  it('waits until rows are a month past the window before moving any', async () => {
    history(KEEP_DAYS + 20)
    await syncOnce(database)
    await archiveOld(database) // the first sync archived what was old already

    // The newest is 119 days old: none is 150 days old before 31 days on; then the rows
    // older than 120 days go.
    expect(await archiveOld(database, NOW + 31 * DAY)).toBe(0)
    expect(await archiveOld(database, NOW + 32 * DAY)).toBe(31)
  })
})

describe('archived records still sync', () => {
  it('sends an archived dose edited offline, and archives it again once the server has it', async () => {
    history(400)
    const engine = new SyncEngine(database)
    await engine.sync()
    const old = logId(300)
    expect(await archived()).toContain(old)

    vi.stubGlobal('fetch', offline)
    await update('intake_logs', old, { note: 'with breakfast' }, database)
    await engine.sync()
    expect(await pending()).toBe(1)
    expect(await archived()).not.toContain(old)

    vi.stubGlobal('fetch', server.fetch)
    await engine.sync()
    expect(server.get('intake_logs', old)?.note).toBe('with breakfast')
    expect(await pending()).toBe(0)
    expect(await archived()).toContain(old) // archived again after that sync
    expect((await readArchived('intake_logs', database)).find((row) => row.id === old)?.note).toBe('with breakfast')
  })

  it('sends the deletion of an archived dose', async () => {
    history(400)
    await syncOnce(database)

    await remove('intake_logs', logId(350), database)
    await syncOnce(database)

    expect(server.get('intake_logs', logId(350))).toBeUndefined()
    expect(server.ids('intake_logs')).toHaveLength(399)
    expect([...(await local()), ...(await archived())]).not.toContain(logId(350))
  })

  it('applies the server’s change and deletion of an archived record where it is', async () => {
    history(400)
    await syncOnce(database)

    server.put('intake_logs', { ...server.get('intake_logs', logId(200))!, note: 'corrected' })
    server.put('intake_logs', { ...server.get('intake_logs', logId(210))!, taken_at: NOW - DAY / 2 })
    server.delete('intake_logs', logId(250))
    await syncOnce(database)

    expect((await readArchived('intake_logs', database)).find((row) => row.id === logId(200))?.note).toBe('corrected')
    expect(await local()).not.toContain(logId(200))
    // Moved into the window by the server: in the database now, not in the archive.
    expect(await local()).toContain(logId(210))
    expect(await archived()).not.toContain(logId(210))
    expect(await archived()).not.toContain(logId(250))
    expect(await pending()).toBe(0)
  })

  it('keeps a change made here over the server’s when both changed a record from the archive', async () => {
    history(400)
    await syncOnce(database)
    vi.stubGlobal('fetch', offline)
    await update('intake_logs', logId(300), { note: 'mine' }, database)

    server.put('intake_logs', { ...server.get('intake_logs', logId(300))!, status: 'skipped' })
    vi.stubGlobal('fetch', server.fetch)
    await syncOnce(database)

    expect(server.get('intake_logs', logId(300))).toMatchObject({ note: 'mine', status: 'skipped' })
  })

  it('drops archived records a replacement pull does not list, and keeps unsent changes', async () => {
    history(400)
    await syncOnce(database)
    const unsent = await create('intake_logs', { regimen_id: PLAN_ID, product_id: PRODUCT_ID, servings: 1, taken_at: NOW - 300 * DAY, status: 'taken', note: '', source: 'app' }, database)
    server.purge('intake_logs', logId(320))
    server.purge('intake_logs', logId(10))

    wantReplacementPull()
    await syncOnce(database)

    expect(await archived()).not.toContain(logId(320))
    expect(await local()).not.toContain(logId(10))
    expect(new Set([...(await local()), ...(await archived())]).size).toBe(399)
    expect(server.get('intake_logs', unsent.id)).toBeDefined()
  })
})

describe('inbox messages', () => {
  it('archives old messages once read, so unread ones are always in the database', async () => {
    for (const [n, readAt] of [[1, null], [2, NOW - 190 * DAY]] as const) {
      const at = NOW - 200 * DAY
      server.put('notifications', { id: logId(n), kind: 'weekly_digest', period: '2026-W01', title: 'Your week', body: '', data: '{}', created_at: at, read_at: readAt })
    }

    await syncOnce(database)

    expect(await local('notifications')).toEqual([logId(1)])
    expect(await archived('notifications')).toEqual([logId(2)])
  })
})
