// Snoozes wait on the phone until the server takes them; a refusal is kept in the server's
// words until the member dismisses it, and is never sent again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { MemoryStorage } from './fakeSyncServer'
import { askSnooze, dismissSnooze, sendSnoozes, snoozes } from './snoozes'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 23, 7, 0)
let answer: (path: string, body: unknown) => Response
let calls: { path: string; body: unknown }[]

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

beforeEach(() => {
  calls = []
  answer = () => json({})
  vi.stubGlobal('localStorage', new MemoryStorage())
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body))
    calls.push({ path, body })
    return answer(path, body)
  })
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('sendSnoozes', () => {
  it('sends a snooze, keeps the server’s end until it comes, then forgets it', async () => {
    answer = () => json({ id: 'r1', state: 'snoozed', snoozed_until: new Date(T0 + 11 * MIN).toISOString() })
    askSnooze('r1', { minutes: 10 }, T0 + 10 * MIN, T0)

    expect(await sendSnoozes(() => T0 + MIN)).toBe(1)

    expect(calls).toEqual([{ path: '/api/v1/dose-reminders/r1/snooze', body: { minutes: 10 } }])
    expect(snoozes.get()).toMatchObject([{ reminder: 'r1', sent: true, until: T0 + 11 * MIN }])
    expect(await sendSnoozes(() => T0 + 5 * MIN)).toBe(0)
    expect(await sendSnoozes(() => T0 + 11 * MIN)).toBe(0)
    expect(calls).toHaveLength(1)
    expect(snoozes.get()).toEqual([])
  })

  it('keeps a snooze while offline, and sends what is left of it later', async () => {
    askSnooze('r1', { minutes: 60 }, T0 + 60 * MIN, T0)
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })

    await expect(sendSnoozes(() => T0)).rejects.toThrow()
    expect(snoozes.get().map((s) => s.reminder)).toEqual(['r1'])

    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      calls.push({ path, body: JSON.parse(String(init.body)) })
      return json({})
    })
    await sendSnoozes(() => T0 + 25 * MIN)
    expect(calls.map((c) => c.body)).toEqual([{ minutes: 30 }])
  })

  it('drops a snooze whose time came while offline, without asking the server', async () => {
    askSnooze('r1', { minutes: 10 }, T0 + 10 * MIN, T0)

    expect(await sendSnoozes(() => T0 + 11 * MIN)).toBe(0)

    expect(calls).toEqual([])
    expect(snoozes.get()).toEqual([])
  })

  it('keeps a refusal in the server’s words, never sends it again, and forgets it when dismissed', async () => {
    answer = () => json({ type: 'client_error', errors: [{ code: 'snooze_refused', detail: 'This dose is logged, or its reminders are over.', attr: null }] }, 409)
    askSnooze('r1', { next_meal: true }, T0 + 300 * MIN, T0)

    await sendSnoozes(() => T0 + MIN)
    await sendSnoozes(() => T0 + 2 * MIN)

    expect(calls).toHaveLength(1)
    expect(snoozes.get()).toMatchObject([{ reminder: 'r1', refused: 'This dose is logged, or its reminders are over.' }])
    dismissSnooze('r1')
    expect(snoozes.get()).toEqual([])
  })

  it('keeps a snooze the server could not take just now (a server problem)', async () => {
    answer = () => json({ errors: [{ code: 'error', detail: 'Down.' }] }, 503)
    askSnooze('r1', { minutes: 30 }, T0 + 30 * MIN, T0)

    await expect(sendSnoozes(() => T0 + MIN)).rejects.toThrow()

    expect(snoozes.get()).toMatchObject([{ reminder: 'r1', refused: null }])
  })
})
