import { describe, expect, it } from 'vitest'

import { compact, countChanges, halves, mergeChanges, pushChunks, type Changes } from './pushChunks'

function dose(n: number, note = '') {
  return { id: `dose-${n}`, product_id: 'p', taken_at: n, note, _status: 'created', _changed: '' }
}

function table(created: object[] = [], updated: object[] = [], deleted: string[] = []) {
  return { created, updated, deleted } as Changes[string]
}

/** What a chunk holds, in order: "table kind id". */
function contents(chunk: Changes): string[] {
  const out: string[] = []
  for (const [name, set] of Object.entries(chunk)) {
    for (const kind of ['created', 'updated'] as const) for (const raw of set[kind]) out.push(`${name} ${kind} ${raw.id}`)
    for (const id of set.deleted) out.push(`${name} deleted ${id}`)
  }
  return out
}

describe('pushChunks', () => {
  it('sends parents first and deletions after every upsert, children first', () => {
    const changes: Changes = {
      intake_logs: table([dose(1)], [], ['old-dose']),
      regimens: table([{ id: 'plan' }], [], ['old-plan']),
      products: table([], [{ id: 'own' }]),
      profiles: table([], [{ id: 'me' }]),
    }

    const chunks = pushChunks(changes, { records: 2, bytes: Infinity })

    expect(chunks.flatMap(contents)).toEqual([
      'profiles updated me',
      'products updated own',
      'regimens created plan',
      'intake_logs created dose-1',
      'intake_logs deleted old-dose',
      'regimens deleted old-plan',
    ])
    expect(chunks.map(countChanges)).toEqual([2, 2, 2])
  })

  it('keeps each chunk within the record limit', () => {
    const changes = { intake_logs: table(Array.from({ length: 2500 }, (_, n) => dose(n))) }

    const chunks = pushChunks(changes)

    expect(chunks.map(countChanges)).toEqual([1000, 1000, 500])
    expect(countChanges(mergeChanges(chunks))).toBe(2500)
  })

  it('keeps each chunk within the byte limit', () => {
    const changes = { intake_logs: table(Array.from({ length: 30 }, (_, n) => dose(n, 'x'.repeat(1000)))) }

    const chunks = pushChunks(changes, { records: 1000, bytes: 10_000 })

    expect(chunks.length).toBeGreaterThan(2)
    for (const chunk of chunks) expect(JSON.stringify(chunk).length).toBeLessThanOrEqual(10_000)
    expect(chunks.flatMap(contents)).toEqual(contents(changes))
  })

  it('never splits a record, however large', () => {
    const big = dose(2, 'x'.repeat(5000))
    const changes = { intake_logs: table([dose(1), big, dose(3)]) }

    const chunks = pushChunks(changes, { records: 1000, bytes: 1000 })

    expect(chunks.map(contents)).toEqual([['intake_logs created dose-1'], ['intake_logs created dose-2'], ['intake_logs created dose-3']])
    expect(chunks[1].intake_logs.created[0]).toEqual(big)
  })

  it('leaves out tables with nothing to send', () => {
    const changes = {
      profiles: table(),
      flags: table(),
      intake_logs: table([dose(1)]),
    }

    const chunks = pushChunks(changes)

    expect(chunks).toEqual([{ intake_logs: table([dose(1)]) }])
    expect(pushChunks({ profiles: table(), flags: table() })).toEqual([])
    expect(compact({ profiles: table(), intake_logs: table([dose(1)]) })).toEqual({ intake_logs: table([dose(1)]) })
  })

  it('halves a chunk in order (for a server whose limit is lower)', () => {
    const chunk = { regimens: table([{ id: 'plan' }]), intake_logs: table([dose(1), dose(2)]) }

    const [first, second] = halves(chunk)

    expect(contents(first)).toEqual(['regimens created plan', 'intake_logs created dose-1'])
    expect(contents(second)).toEqual(['intake_logs created dose-2'])
  })
})
