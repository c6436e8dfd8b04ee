import { describe, expect, it } from 'vitest'

import type { IntakeLog, Regimen, StockEvent } from './rows'
import { firstCount, planStock, stockWords } from './stock'
import { instantOf } from './time'
import { decimal, text } from './totals'

const AMS = 'Europe/Amsterdam'
const at = (date: string, time: string) => instantOf(date, time, AMS)

const CALCIUM: Regimen = {
  id: 'calcium', product_id: 'ca', servings_per_dose: 1, schedule_kind: 'daily', times: '["08:00","20:00"]', weekdays: '[]',
  day_of_month: null, interval_days: null, start_date: '2026-11-01', end_date: null, note: '', confirmed_findings: '[]',
  remind: true, follow_up_minutes: null, pack_size: 60, refill_days: 7, created_at: 0, updated_at: 0,
}

function entry(regimen: string, kind: StockEvent['kind'], servings: number, when: number): StockEvent {
  return { id: `${regimen}-${kind}-${when}`, regimen_id: regimen, kind, servings, at: when, note: '', created_at: when, updated_at: when }
}

function taken(regimen: string, when: number, servings = 1): IntakeLog {
  return { id: `log-${regimen}-${when}`, regimen_id: regimen, product_id: 'ca', servings, taken_at: when, status: 'taken', note: '', source: 'app', created_at: when, updated_at: when }
}

describe('planStock', () => {
  it('counts only the plan’s own entries and doses', () => {
    const events = [entry('calcium', 'count', 10, at('2026-11-23', '07:00')), entry('other', 'refill', 500, at('2026-11-23', '07:30'))]
    const logs = [taken('calcium', at('2026-11-23', '08:05')), taken('other', at('2026-11-23', '08:10'), 3)]

    const found = planStock(CALCIUM, events, logs, at('2026-11-23', '09:00'), AMS)!

    expect(text(found.onHand)).toBe('9')
    // From Tuesday two a day: 7, 5, 3, 1 left, and Saturday needs two.
    expect(found.runsOutOn).toBe('2026-11-28')
  })

  it('knows nothing until the member counts', () => {
    expect(planStock(CALCIUM, [entry('calcium', 'refill', 60, 0)], [], at('2026-11-23', '09:00'), AMS)).toBeNull()
  })
})

describe('firstCount', () => {
  it('is the earliest count, refills aside', () => {
    expect(firstCount([entry('calcium', 'refill', 1, 5), entry('calcium', 'count', 1, 9), entry('calcium', 'count', 1, 7)])).toBe(7)
    expect(firstCount([entry('calcium', 'refill', 1, 5)])).toBeNull()
  })
})

describe('stockWords', () => {
  it('says what is left and when it runs out', () => {
    expect(stockWords({ onHand: decimal(9), runsOutOn: '2026-11-28' }, 'tablet', 7)).toBe(
      'About 9 tablets left; they run out on Saturday 28 November (refill reminder 7 days before).',
    )
    expect(stockWords({ onHand: decimal(0), runsOutOn: '2026-11-24' }, 'capsule', 1)).toMatch(/^No capsules left; .*\(refill reminder 1 day before\)\.$/)
    expect(stockWords({ onHand: decimal(400), runsOutOn: null }, 'ml', 7)).toBe('About 400 ml left; enough for more than a year at this plan’s pace.')
  })
})
