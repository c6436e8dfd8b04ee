import type { Database } from '@nozbe/watermelondb'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { beforeEach, describe, expect, it } from 'vitest'

import { asNeededOn, dosesOn, doseOfLog, logsOn } from '../domain/doses'
import type { Regimen } from '../domain/rows'
import { instantOf } from '../domain/time'
import { create, createDatabase, fetchRows } from './db'
import { logDose, skipDose, takeDose, takeDoseAt, undoLog } from './intakeLogs'

// WatermelonDB narrates every database step; the tests only need its errors.
logger.silence()

const AMS = 'Europe/Amsterdam'
const DAY = '2025-03-05'
const NOON = instantOf(DAY, '12:00', AMS)

let database: Database
let twice: Regimen

async function planOf(values: Partial<Regimen>): Promise<Regimen> {
  return create(
    'regimens',
    {
      product_id: 'product-1',
      servings_per_dose: 2,
      schedule_kind: 'daily',
      times: '["08:00","20:00"]',
      weekdays: '[]',
      day_of_month: null,
      interval_days: null,
      start_date: '2025-03-01',
      end_date: null,
      note: '',
      ...values,
    },
    database,
  )
}

async function today() {
  const regimens = await fetchRows('regimens', [], database)
  const logs = await fetchRows('intake_logs', [], database)
  return dosesOn(regimens, logs, DAY, AMS)
}

beforeEach(async () => {
  database = createDatabase({ name: `intake-logs-${Math.random()}`, persistent: false })
  twice = await planOf({})
})

describe('dosesOn', () => {
  it('lists every plan’s doses of the day in time order', async () => {
    await planOf({ product_id: 'product-2', times: '["12:30"]' })
    await planOf({ product_id: 'product-3', schedule_kind: 'as_needed', times: '[]' })
    const doses = await today()
    expect(doses.map((d) => [d.occurrence.time, d.regimen.product_id])).toEqual([
      ['08:00', 'product-1'],
      ['12:30', 'product-2'],
      ['20:00', 'product-1'],
    ])
    expect(doses.every((d) => d.log === null)).toBe(true)
  })
})

describe('logging a dose', () => {
  it('writes a taken log with the plan’s product and servings', async () => {
    const [morning] = await today()
    const log = await takeDose(morning, NOON - 4 * 3600_000, database)
    const [stored] = await fetchRows('intake_logs', [], database)
    expect(stored).toMatchObject({
      id: log.id,
      regimen_id: twice.id,
      product_id: 'product-1',
      servings: 2,
      taken_at: NOON - 4 * 3600_000,
      status: 'taken',
      note: '',
      source: 'app',
    })
    expect(stored.created_at).toBeGreaterThan(0)
    const [first, second] = await today()
    expect(first.log?.id).toBe(log.id)
    expect(second.log).toBeNull()
  })

  it('logs a skip at the dose’s own time, so it lands on that dose', async () => {
    const [, evening] = await today()
    const log = await skipDose(evening, database)
    expect(log.status).toBe('skipped')
    expect(log.taken_at).toBe(evening.occurrence.dueAt)
    const [first, second] = await today()
    expect(first.log).toBeNull()
    expect(second.log?.id).toBe(log.id)
  })

  it('logs "other time" at that wall time of the dose’s day', async () => {
    const [morning] = await today()
    const log = await takeDoseAt(morning, '07:40', AMS, NOON, database)
    expect(log.taken_at).toBe(instantOf(DAY, '07:40', AMS))
    expect((await today())[0].log?.id).toBe(log.id)
  })

  it('refuses an "other time" still to come, or not a time, and writes nothing', async () => {
    const [, evening] = await today()
    await expect(takeDoseAt(evening, '13:00', AMS, NOON, database)).rejects.toThrow(/has not come yet/)
    await expect(takeDoseAt(evening, '25:00', AMS, NOON, database)).rejects.toThrow(/like 08:05/)
    expect(await fetchRows('intake_logs', [], database)).toEqual([])
  })

  it('undoes a log, and the dose is open again', async () => {
    const [morning] = await today()
    const log = await takeDose(morning, NOON, database)
    await undoLog(log, database)
    expect(await fetchRows('intake_logs', [], database)).toEqual([])
    expect((await today()).every((d) => d.log === null)).toBe(true)
  })

  it('tells which dose a log was counted for', async () => {
    const [morning, evening] = await today()
    // Taken at 13:00 for the evening dose: nearer to 08:00 than to 20:00, so it counts there.
    const log = await takeDose(evening, instantOf(DAY, '13:00', AMS), database)
    const logs = await fetchRows('intake_logs', [], database)
    expect(doseOfLog(twice, logs, log, AMS)?.dueAt).toBe(morning.occurrence.dueAt)
  })
})

describe('as-needed plans', () => {
  it('are listed while in force, with the day’s logs', async () => {
    const spare = await planOf({ schedule_kind: 'as_needed', times: '[]' })
    await planOf({ schedule_kind: 'as_needed', times: '[]', end_date: '2025-03-04' })
    expect(asNeededOn(await fetchRows('regimens', [], database), DAY).map((r) => r.id)).toEqual([spare.id])
    await logDose(spare, 'taken', NOON, database)
    await logDose(spare, 'taken', instantOf('2025-03-04', '12:00', AMS), database)
    const logs = await fetchRows('intake_logs', [], database)
    expect(logsOn(spare, logs, DAY, AMS).map((l) => l.taken_at)).toEqual([NOON])
  })
})
