// The sync engine against a stand-in server (fakeSyncServer.ts) on an in-memory database:
// a backlog goes in chunks, a refused record is held back while everything else syncs, and
// discarding a held-back change resolves it whatever kind of change it was.
import type { Database } from '@nozbe/watermelondb'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { fetchLocalChanges } from '@nozbe/watermelondb/sync/impl'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { IntakeLog } from '../domain/rows'
import { create, createDatabase, fetchRows, remove, update } from './db'
import { discardChange } from './discard'
import { FakeSyncServer, MemoryStorage } from './fakeSyncServer'
import { HeldBack } from './held'
import { countChanges, type Changes } from './pushChunks'
import { encodePush, heldBack, syncOnce, SyncEngine, syncStatus } from './sync'

logger.silence()

let server: FakeSyncServer
let database: Database
let databases = 0

beforeEach(() => {
  server = new FakeSyncServer()
  vi.stubGlobal('fetch', server.fetch)
  vi.stubGlobal('localStorage', new MemoryStorage())
  vi.stubGlobal('navigator', { onLine: true })
  localStorage.setItem('ossa.owner', 'maria@example.com')
  database = createDatabase({ name: `sync-test-${++databases}`, persistent: false })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

const PRODUCT_ID = 'a5b1e3c2-0000-4000-8000-000000000001'

function planValues() {
  return {
    product_id: PRODUCT_ID,
    servings_per_dose: 1,
    schedule_kind: 'daily' as const,
    times: '["08:00"]',
    weekdays: '[]',
    start_date: '2025-12-01',
    note: '',
  }
}

async function plan() {
  return create('regimens', planValues(), database)
}

async function dose(regimenId: string, values: Partial<IntakeLog> = {}) {
  return create(
    'intake_logs',
    { regimen_id: regimenId, product_id: PRODUCT_ID, servings: 1, taken_at: Date.UTC(2025, 11, 3, 7), status: 'taken', note: '', source: 'app', ...values },
    database,
  )
}

async function pending(): Promise<number> {
  return countChanges((await fetchLocalChanges(database)).changes as Changes)
}

describe('pushing in chunks', () => {
  it('sends a backlog larger than one chunk in several requests and leaves nothing pending', async () => {
    const regimen = await plan()
    await database.write(() =>
      database.batch(
        Array.from({ length: 2500 }, (_, n) =>
          database.get('intake_logs').prepareCreate((r) => {
            Object.assign(r._raw, { regimen_id: regimen.id, product_id: PRODUCT_ID, servings: 1, taken_at: n, status: 'taken', note: '', source: 'app' })
          }),
        ),
      ),
    )

    await syncOnce(database)

    expect(server.pushes.map((p) => countChanges(p.changes))).toEqual([1000, 1000, 501])
    expect(server.pushes[0].changes.regimens.created[0].id).toBe(regimen.id)
    expect(server.ids('intake_logs')).toHaveLength(2500)
    expect(await pending()).toBe(0)
  })

  it('splits a chunk the server finds too large', async () => {
    const regimen = await plan()
    for (let n = 0; n < 4; n++) await dose(regimen.id, { taken_at: n })
    server.maxBodyBytes = 400

    await syncOnce(database)

    expect(server.pushes.length).toBeGreaterThan(1)
    expect(server.ids('intake_logs')).toHaveLength(4)
    expect(await pending()).toBe(0)
  })

  it('keeps what the server stored when a later chunk fails, and sends only the rest next time', async () => {
    const regimen = await plan()
    await database.write(() =>
      database.batch(
        Array.from({ length: 1500 }, (_, n) =>
          database.get('intake_logs').prepareCreate((r) => {
            Object.assign(r._raw, { regimen_id: regimen.id, product_id: PRODUCT_ID, servings: 1, taken_at: n, status: 'taken', note: '', source: 'app' })
          }),
        ),
      ),
    )
    server.failingPush = 2

    await expect(syncOnce(database)).rejects.toMatchObject({ status: 500 })
    expect(await pending()).toBe(501)

    await syncOnce(database)
    expect(server.pushes.map((p) => countChanges(p.changes))).toEqual([1000, 501, 501])
    expect(server.ids('intake_logs')).toHaveLength(1500)
    expect(await pending()).toBe(0)
  })

  it('gzips a chunk when switched on', async () => {
    const json = JSON.stringify({ changes: { intake_logs: { created: [], updated: [], deleted: ['x'.repeat(2000)] } } })

    const { body, headers } = await encodePush(json, true)

    expect(headers['Content-Encoding']).toBe('gzip')
    const back = await new Response((body as Blob).stream().pipeThrough(new DecompressionStream('gzip'))).text()
    expect(back).toBe(json)
    expect((body as Blob).size).toBeLessThan(json.length / 4)
    expect(await encodePush(json, false)).toEqual({ body: json, headers: { 'Content-Type': 'application/json' } })
  })
})

describe('holding back refused records', () => {
  it('holds back a refused dose, sends everything else and keeps the dose unsynced', async () => {
    const regimen = await plan()
    const bad = await dose(regimen.id, { note: 'a\u0000b' })
    const good = await dose(regimen.id, { taken_at: Date.UTC(2025, 11, 3, 19) })

    await syncOnce(database)

    expect(server.ids('intake_logs')).toEqual([good.id])
    expect(server.ids('regimens')).toEqual([regimen.id])
    const [held] = heldBack().all()
    expect(held).toMatchObject({ table: 'intake_logs', id: bad.id, kind: 'created', reasons: [{ column: 'note', code: 'invalid', detail: 'note must not contain NUL characters.' }] })
    expect(await pending()).toBe(1) // the held dose, still unsynced on the phone

    // The next sync does not send it again.
    const before = server.pushes.length
    await dose(regimen.id, { taken_at: Date.UTC(2025, 11, 4, 7) })
    await syncOnce(database)
    expect(server.pushes.slice(before).flatMap((p) => p.changes.intake_logs.created.map((r) => r.id))).not.toContain(bad.id)
    expect(server.ids('intake_logs')).toHaveLength(2)
  })

  it('tries a held record again once the member has edited it', async () => {
    const regimen = await plan()
    const bad = await dose(regimen.id, { note: 'a\u0000b' })
    await syncOnce(database)
    expect(heldBack().all()).toHaveLength(1)

    await update('intake_logs', bad.id, { note: 'ab' }, database)
    await syncOnce(database)

    expect(heldBack().all()).toEqual([])
    expect(server.get('intake_logs', bad.id)?.note).toBe('ab')
    expect(await pending()).toBe(0)
  })

  it('holds back the doses of a refused plan in the next round, in the same sync', async () => {
    const badPlan = await create('regimens', { ...planValues(), note: 'x\u0000' }, database)
    const orphan = await dose(badPlan.id)
    const goodPlan = await plan()
    const fine = await dose(goodPlan.id)

    await syncOnce(database)

    expect(heldBack().all().map((h) => h.id)).toEqual([badPlan.id, orphan.id])
    expect(server.ids('regimens')).toEqual([goodPlan.id])
    expect(server.ids('intake_logs')).toEqual([fine.id])
  })

  it('shows an error that names no record as before, holding nothing back', async () => {
    await plan()
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).includes('/push')
        ? new Response(JSON.stringify({ errors: [{ code: 'invalid', detail: 'Must be a sync timestamp or null.', attr: 'last_pulled_at' }] }), { status: 400 })
        : server.fetch(input, init),
    )

    await expect(syncOnce(database)).rejects.toMatchObject({ status: 400 })
    expect(heldBack().all()).toEqual([])
  })
})

describe('discarding a held-back change', () => {
  it('removes a dose the server never had', async () => {
    const regimen = await plan()
    const bad = await dose(regimen.id, { note: 'a\u0000b' })
    await syncOnce(database)

    await discardChange(heldBack().all()[0], database)
    await syncOnce(database)

    expect(await fetchRows('intake_logs', [], database)).toEqual([])
    expect(heldBack().all()).toEqual([])
    expect(await pending()).toBe(0)
    expect(server.get('intake_logs', bad.id)).toBeUndefined()
  })

  it('puts back the server’s copy of a dose changed here', async () => {
    const regimen = await plan()
    const logged = await dose(regimen.id, { note: 'after breakfast' })
    await syncOnce(database)
    await update('intake_logs', logged.id, { note: 'after\u0000breakfast', status: 'skipped' }, database)
    await syncOnce(database)
    expect(heldBack().all()).toMatchObject([{ id: logged.id, kind: 'updated' }])

    await discardChange(heldBack().all()[0], database)
    await syncOnce(database)

    const [row] = await fetchRows('intake_logs', [], database)
    expect(row).toMatchObject({ id: logged.id, note: 'after breakfast', status: 'taken' })
    expect(await pending()).toBe(0)
    expect(heldBack().all()).toEqual([])
  })

  it('undoes a deletion the server refuses', async () => {
    const message = { id: 'b0c4a8e0-0000-4000-8000-000000000009', kind: 'weekly', period: '2025-W49', title: 'Your week', body: 'Well done.', data: '{}', created_at: 1, read_at: null }
    server.put('notifications', message)
    await syncOnce(database)
    await remove('notifications', message.id, database)
    await syncOnce(database)
    expect(heldBack().all()).toMatchObject([{ table: 'notifications', kind: 'deleted', reasons: [{ code: 'not_deletable' }] }])

    await discardChange(heldBack().all()[0], database)
    await syncOnce(database)

    expect(await fetchRows('notifications', [], database)).toMatchObject([{ id: message.id, title: 'Your week' }])
    expect(await pending()).toBe(0)
  })

  it('puts back the server’s copy of a computed record edited here', async () => {
    const flag = { id: 'c0c4a8e0-0000-4000-8000-00000000000f', code: 'calcium_high', subject: '', severity: 'warning', title: 'A lot of calcium', explanation: '', evidence: '{}', source: '', audience: 'member', first_seen_at: 1, resolved_at: null, acknowledged_at: null }
    server.put('flags', flag)
    await syncOnce(database)
    await update('flags', flag.id, { title: 'Nothing to see' }, database)
    await syncOnce(database)
    expect(heldBack().all()).toMatchObject([{ table: 'flags', reasons: [{ code: 'read_only' }] }])

    await discardChange(heldBack().all()[0], database)
    await syncOnce(database)

    expect(await fetchRows('flags', [], database)).toMatchObject([{ id: flag.id, title: 'A lot of calcium' }])
    expect(await pending()).toBe(0)
  })

  it('keeps other unsent changes through the replacement pull', async () => {
    const regimen = await plan()
    const logged = await dose(regimen.id)
    await syncOnce(database)
    await update('intake_logs', logged.id, { note: '\u0000' }, database)
    await syncOnce(database)
    await discardChange(heldBack().all()[0], database)
    vi.stubGlobal('navigator', { onLine: false }) // offline: the discard waits for the next sync
    const later = await dose(regimen.id, { taken_at: Date.UTC(2025, 11, 5, 7) })

    vi.stubGlobal('navigator', { onLine: true })
    await syncOnce(database)

    expect((await fetchRows('intake_logs', [], database)).map((r) => r.id).sort()).toEqual([logged.id, later.id].sort())
    expect(server.get('intake_logs', later.id)).toBeDefined()
    expect(await pending()).toBe(0)
  })
})

describe('a 410 from push', () => {
  it('pulls the server’s copy again and sends what is unsent', async () => {
    const regimen = await plan()
    await syncOnce(database)
    const logged = await dose(regimen.id)
    server.goneUntilFullPull = true

    await new SyncEngine(database).sync()

    expect(syncStatus.get().error).toBeNull()
    expect(server.get('intake_logs', logged.id)).toBeDefined()
    expect(await pending()).toBe(0)
    expect(localStorage.getItem('ossa.replaceOnNextPull')).toBeNull()
  })
})

describe('an app the server cannot sync with', () => {
  it('says so in words, with a reload to resolve it', async () => {
    const refuse = (code: string, status: number) => async () =>
      new Response(JSON.stringify({ type: 'client_error', errors: [{ code, detail: 'Not this version.', attr: 'schema_version' }] }), { status })
    const engine = new SyncEngine(database)

    vi.stubGlobal('fetch', refuse('schema_unsupported', 400))
    await engine.sync()
    expect(syncStatus.get()).toMatchObject({ reload: true, error: expect.stringContaining('newer than the server') })

    vi.stubGlobal('fetch', refuse('client_outdated', 426))
    await engine.sync()
    expect(syncStatus.get()).toMatchObject({ reload: true, error: expect.stringContaining('too old') })

    vi.stubGlobal('fetch', server.fetch)
    await engine.sync()
    expect(syncStatus.get()).toMatchObject({ reload: false, error: null })
  })
})

describe('the sync strip’s counts', () => {
  it('counts held-back records apart from the changes waiting', async () => {
    const regimen = await plan()
    await dose(regimen.id, { note: '\u0000' })
    const engine = new SyncEngine(database)

    await engine.sync()

    expect(syncStatus.get()).toMatchObject({ pending: 0, error: null })
    expect(syncStatus.get().held).toHaveLength(1)
    expect(new HeldBack(localStorage, 'ossa.heldBack.someone-else').all()).toEqual([])
  })
})
