import { describe, expect, it } from 'vitest'

import { MemoryStorage } from './fakeSyncServer'
import { fingerprint, HeldBack, refusalsIn, withhold } from './held'
import type { Changes } from './pushChunks'

const DOSE = '2c1f7e4a-9b7d-4c1e-8f2a-0d6b5e4c3a21'
const PLAN = '7a0e3c51-2b4f-4d6e-9a8c-1f2e3d4c5b6a'

function dose(values: Record<string, unknown> = {}) {
  return { id: DOSE, note: '', status: 'taken', _status: 'created', _changed: '', ...values }
}

function changes(doses: object[] = [dose()], deleted: string[] = []): Changes {
  return {
    intake_logs: { created: doses as Changes[string]['created'], updated: [], deleted: [] },
    regimens: { created: [{ id: PLAN, note: '' }], updated: [], deleted },
  }
}

describe('refusalsIn', () => {
  it('reads the record, and the column when there is one, from each error', () => {
    const errors = [
      { code: 'invalid', detail: 'note must not contain NUL characters.', attr: `intake_logs.${DOSE}.note` },
      { code: 'read_only', detail: 'flags is computed by the server.', attr: 'flags.f-1' },
    ]

    expect(refusalsIn(errors)).toEqual([
      { table: 'intake_logs', id: DOSE, column: 'note', code: 'invalid', detail: 'note must not contain NUL characters.' },
      { table: 'flags', id: 'f-1', column: null, code: 'read_only', detail: 'flags is computed by the server.' },
    ])
  })

  it('finds no record in errors about the request as a whole', () => {
    const errors = [
      { code: 'invalid', detail: 'changes must be an object', attr: 'changes' },
      { code: 'invalid', detail: 'Must be a sync timestamp or null.', attr: 'last_pulled_at' },
      { code: 'read_only', detail: 'flags is computed by the server and cannot be changed.', attr: 'flags' },
      { code: 'unknown_table', detail: "No table 'pets'.", attr: 'pets.p-1' },
      { code: 'invalid', detail: 'Send {"changes": …}.', attr: null },
    ]

    expect(refusalsIn(errors)).toEqual([])
  })

  it('keeps a dotted id whole when the last part is not a column', () => {
    expect(refusalsIn([{ code: 'invalid_id', detail: 'Not a UUID.', attr: 'products.old.id.42' }])).toMatchObject([{ id: 'old.id.42', column: null }])
  })
})

describe('HeldBack', () => {
  const refusal = { table: 'intake_logs', id: DOSE, column: 'note', code: 'invalid', detail: 'note must not contain NUL characters.' }

  it('remembers a refused record with its kind and fingerprint, per member', () => {
    const storage = new MemoryStorage()
    const held = new HeldBack(storage, 'ossa.heldBack.maria@example.com')

    held.hold([refusal], changes(), 5)

    const again = new HeldBack(storage, 'ossa.heldBack.maria@example.com')
    expect(again.all()).toEqual([
      { table: 'intake_logs', id: DOSE, kind: 'created', fingerprint: fingerprint(dose()), heldAt: 5, reasons: [{ column: 'note', code: 'invalid', detail: refusal.detail }] },
    ])
    expect(new HeldBack(storage, 'ossa.heldBack.other@example.com').all()).toEqual([])
  })

  it('ignores a refusal of a record that is not in the changes, and gathers reasons per record', () => {
    const held = new HeldBack(new MemoryStorage(), 'k')

    held.hold([refusal, { ...refusal, id: 'elsewhere' }, { ...refusal, column: 'status', detail: 'status is not one of taken, skipped.' }], changes())

    expect(held.all()).toHaveLength(1)
    expect(held.all()[0].reasons.map((r) => r.column)).toEqual(['note', 'status'])
  })

  it('keeps holding while the record is unchanged', () => {
    const held = new HeldBack(new MemoryStorage(), 'k')
    held.hold([refusal], changes())

    expect(held.release(changes([dose()]))).toHaveLength(1)
  })

  it('lets go once the member has changed the record, or it has nothing left to send', () => {
    const held = new HeldBack(new MemoryStorage(), 'k')
    held.hold([refusal], changes())

    expect(held.release(changes([dose({ note: 'fixed', _changed: 'note' })]))).toEqual([])
    expect(held.all()).toEqual([])

    held.hold([refusal], changes())
    expect(held.release(changes([]))).toEqual([])
  })

  it('holds a deletion until it is no longer pending', () => {
    const held = new HeldBack(new MemoryStorage(), 'k')
    const deletion = { table: 'regimens', id: 'old-plan', column: null, code: 'not_deletable', detail: 'No.' }
    held.hold([deletion], changes([], ['old-plan']))

    expect(held.all()).toMatchObject([{ kind: 'deleted', fingerprint: 'deleted' }])
    expect(held.release(changes([], ['old-plan']))).toHaveLength(1)
    expect(held.release(changes([], []))).toEqual([])
  })

  it('forgets one record', () => {
    const held = new HeldBack(new MemoryStorage(), 'k')
    held.hold([refusal], changes())

    held.forget('intake_logs', DOSE)

    expect(held.all()).toEqual([])
  })
})

describe('withhold', () => {
  it('leaves held records out of what is sent and names them for WatermelonDB', () => {
    const held = new HeldBack(new MemoryStorage(), 'k')
    held.hold([{ table: 'intake_logs', id: DOSE, column: null, code: 'invalid', detail: '' }], changes())

    const { send, rejected } = withhold(changes(), held.all())

    expect(send.intake_logs.created).toEqual([])
    expect(send.regimens.created).toEqual([{ id: PLAN, note: '' }])
    expect(rejected).toEqual({ intake_logs: [DOSE] })
  })
})

describe('fingerprint', () => {
  it('changes with any value, the status or the changed columns, not with key order', () => {
    const base = fingerprint(dose())
    expect(fingerprint({ _changed: '', _status: 'created', status: 'taken', note: '', id: DOSE })).toBe(base)
    expect(fingerprint(dose({ note: 'x' }))).not.toBe(base)
    expect(fingerprint(dose({ _status: 'updated' }))).not.toBe(base)
    expect(fingerprint(dose({ _changed: 'note' }))).not.toBe(base)
  })
})
