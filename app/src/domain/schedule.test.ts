import { describe, expect, it } from 'vitest'

import type { IntakeLog, Regimen } from './rows'
import { occurrencesOn, slotsBetween, tallyDays, toleranceDays } from './schedule'
import { instantOf } from './time'

const AMS = 'Europe/Amsterdam'

function plan(values: Partial<Regimen> & { times?: string; weekdays?: string }): Regimen {
  return {
    id: 'plan-1',
    product_id: 'product-1',
    servings_per_dose: 1,
    schedule_kind: 'daily',
    times: '["08:00"]',
    weekdays: '[]',
    day_of_month: null,
    interval_days: null,
    start_date: '2025-01-01',
    end_date: null,
    note: '',
    confirmed_findings: '[]',
    remind: false,
    follow_up_minutes: null,
    pack_size: null,
    refill_days: 7,
    created_at: 0,
    updated_at: 0,
    ...values,
  }
}

let logIds = 0
function log(regimen: Regimen, date: string, time: string, status: IntakeLog['status'] = 'taken'): IntakeLog {
  return {
    id: `log-${++logIds}`,
    regimen_id: regimen.id,
    product_id: regimen.product_id,
    servings: 1,
    taken_at: instantOf(date, time, AMS),
    status,
    note: '',
    source: 'app',
    created_at: 0,
    updated_at: 0,
  }
}

const times = (regimen: Regimen, date: string) => occurrencesOn(regimen, date, AMS).map((o) => o.time)

describe('occurrencesOn', () => {
  it('gives a daily plan every time every day, sorted and once each', () => {
    const daily = plan({ times: '["20:00","08:00","08:00"]' })
    expect(times(daily, '2025-03-05')).toEqual(['08:00', '20:00'])
    const [morning] = occurrencesOn(daily, '2025-03-05', AMS)
    expect(morning.dueAt).toBe(Date.UTC(2025, 2, 5, 7, 0))
    expect(morning.regimenId).toBe('plan-1')
  })

  it('gives a weekday plan doses only on its ISO weekdays', () => {
    const mondays = plan({ schedule_kind: 'weekdays', weekdays: '[1,4]', times: '["07:00"]' })
    expect(times(mondays, '2025-03-03')).toEqual(['07:00']) // Monday
    expect(times(mondays, '2025-03-04')).toEqual([])
    expect(times(mondays, '2025-03-06')).toEqual(['07:00']) // Thursday
    expect(times(mondays, '2025-03-09')).toEqual([]) // Sunday
  })

  it('puts a monthly day past the month end on its last day', () => {
    const on31 = plan({ schedule_kind: 'monthly', day_of_month: 31, times: '["09:00"]', start_date: '2024-01-01' })
    expect(times(on31, '2025-02-28')).toEqual(['09:00'])
    expect(times(on31, '2025-02-27')).toEqual([])
    expect(times(on31, '2024-02-29')).toEqual(['09:00']) // leap year
    expect(times(on31, '2024-02-28')).toEqual([])
    expect(times(on31, '2025-03-31')).toEqual(['09:00'])
    expect(times(on31, '2025-04-30')).toEqual(['09:00'])
    expect(times(on31, '2025-03-30')).toEqual([])
  })

  it('counts an interval plan from its start date', () => {
    const every3 = plan({ schedule_kind: 'interval', interval_days: 3, start_date: '2025-03-02', times: '["09:00"]' })
    expect(times(every3, '2025-03-02')).toEqual(['09:00'])
    expect(times(every3, '2025-03-03')).toEqual([])
    expect(times(every3, '2025-03-04')).toEqual([])
    expect(times(every3, '2025-03-05')).toEqual(['09:00'])
    expect(times(every3, '2025-04-01')).toEqual(['09:00']) // 30 days on
    expect(times(every3, '2025-02-27')).toEqual([]) // before the start, even on the rhythm
  })

  it('has no doses before the start or after the end date, and none when as needed', () => {
    const bounded = plan({ start_date: '2025-03-05', end_date: '2025-03-07' })
    expect(times(bounded, '2025-03-04')).toEqual([])
    expect(times(bounded, '2025-03-05')).toEqual(['08:00'])
    expect(times(bounded, '2025-03-07')).toEqual(['08:00'])
    expect(times(bounded, '2025-03-08')).toEqual([])
    expect(times(plan({ schedule_kind: 'as_needed', times: '[]' }), '2025-03-05')).toEqual([])
  })

  it('moves a dose inside the spring-forward gap forward', () => {
    const night = plan({ times: '["02:30"]' })
    const [dose] = occurrencesOn(night, '2025-03-30', AMS)
    expect(dose.dueAt).toBe(Date.UTC(2025, 2, 30, 1, 30))
  })
})

describe('toleranceDays', () => {
  it('is ±3 days for one weekday, ±7 for monthly, and the same day otherwise', () => {
    expect(toleranceDays(plan({}))).toBe(0)
    expect(toleranceDays(plan({ schedule_kind: 'weekdays', weekdays: '[1]' }))).toBe(3)
    expect(toleranceDays(plan({ schedule_kind: 'weekdays', weekdays: '[1,4]' }))).toBe(0)
    expect(toleranceDays(plan({ schedule_kind: 'monthly', day_of_month: 1 }))).toBe(7)
    expect(toleranceDays(plan({ schedule_kind: 'interval', interval_days: 3 }))).toBe(0)
    expect(toleranceDays(plan({ schedule_kind: 'interval', interval_days: 7 }))).toBe(3)
    expect(toleranceDays(plan({ schedule_kind: 'interval', interval_days: 28 }))).toBe(7)
  })
})

describe('slotsBetween (matching logs to doses)', () => {
  const twice = plan({ times: '["08:00","20:00"]' })

  it('gives a log to the nearest occurrence in time on its day', () => {
    const evening = log(twice, '2025-03-05', '17:30')
    const slots = slotsBetween(twice, [evening], '2025-03-05', '2025-03-05', AMS)
    expect(slots.map((s) => [s.occurrence.time, s.log?.id ?? null])).toEqual([
      ['08:00', null],
      ['20:00', evening.id],
    ])
  })

  it('breaks an exact tie towards the earlier occurrence', () => {
    const noon = log(twice, '2025-03-05', '14:00')
    const slots = slotsBetween(twice, [noon], '2025-03-05', '2025-03-05', AMS)
    expect(slots[0].log?.id).toBe(noon.id)
    expect(slots[1].log).toBeNull()
  })

  it('lets a log match only one dose; the next log takes the next nearest', () => {
    const first = log(twice, '2025-03-05', '08:10')
    const second = log(twice, '2025-03-05', '08:20')
    const third = log(twice, '2025-03-05', '08:30')
    const slots = slotsBetween(twice, [third, second, first], '2025-03-05', '2025-03-05', AMS)
    expect(slots.map((s) => s.log?.id)).toEqual([first.id, second.id])
  })

  it('never matches a daily dose from another day', () => {
    const yesterday = log(twice, '2025-03-04', '23:50')
    const slots = slotsBetween(twice, [yesterday], '2025-03-05', '2025-03-05', AMS)
    expect(slots.every((s) => s.log === null)).toBe(true)
  })

  it('lets a taken log win an occurrence over a skip', () => {
    const once = plan({})
    const skipped = log(once, '2025-03-05', '07:00', 'skipped')
    const taken = log(once, '2025-03-05', '09:30')
    const [slot] = slotsBetween(once, [skipped, taken], '2025-03-05', '2025-03-05', AMS)
    expect(slot.log?.id).toBe(taken.id)
  })

  it('matches a weekly dose within ±3 days, not 4', () => {
    const weekly = plan({ schedule_kind: 'weekdays', weekdays: '[1]', times: '["07:00"]' })
    const thursday = log(weekly, '2025-03-06', '07:00') // Monday 3 March + 3 days
    const slots = slotsBetween(weekly, [thursday], '2025-03-03', '2025-03-03', AMS)
    expect(slots).toHaveLength(1)
    expect(slots[0].log?.id).toBe(thursday.id)

    // Friday is 4 days after Monday 3 March and 3 days before Monday 10 March.
    const friday = log(weekly, '2025-03-07', '07:00')
    const later = slotsBetween(weekly, [friday], '2025-03-03', '2025-03-10', AMS)
    expect(later.map((s) => [s.occurrence.date, s.log?.id ?? null])).toEqual([
      ['2025-03-03', null],
      ['2025-03-10', friday.id],
    ])
  })

  it('matches a monthly dose within ±7 days', () => {
    const monthly = plan({ schedule_kind: 'monthly', day_of_month: 1, times: '["09:00"]' })
    const late = log(monthly, '2025-03-08', '09:00')
    const [slot] = slotsBetween(monthly, [late], '2025-03-01', '2025-03-01', AMS)
    expect(slot.log?.id).toBe(late.id)
    const tooLate = log(monthly, '2025-03-09', '09:00')
    const [missed] = slotsBetween(monthly, [tooLate], '2025-03-01', '2025-03-01', AMS)
    expect(missed.log).toBeNull()
  })

  it('ignores logs of other plans', () => {
    const other = { ...log(twice, '2025-03-05', '08:00'), regimen_id: 'plan-2' }
    const slots = slotsBetween(twice, [other], '2025-03-05', '2025-03-05', AMS)
    expect(slots.every((s) => s.log === null)).toBe(true)
  })
})

describe('tallyDays', () => {
  it('counts scheduled, taken and skipped doses per day', () => {
    const twice = plan({ times: '["08:00","20:00"]' })
    const logs = [log(twice, '2025-03-05', '08:00'), log(twice, '2025-03-05', '20:00', 'skipped')]
    expect(tallyDays([twice], logs, '2025-03-05', '2025-03-06', AMS)).toEqual([
      { date: '2025-03-05', scheduled: 2, taken: 1, skipped: 1 },
      { date: '2025-03-06', scheduled: 2, taken: 0, skipped: 0 },
    ])
  })
})
