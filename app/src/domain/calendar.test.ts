import { describe, expect, it } from 'vitest'

import {
  addMonths,
  dayLabel,
  dayStatus,
  doseState,
  fullDate,
  lastOfMonth,
  MARKERS,
  monthGrid,
  monthTitle,
  moveDate,
  sameDayIn,
} from './calendar'
import type { DayTally } from './schedule'

const tally = (date: string, scheduled: number, taken: number, skipped = 0): DayTally => ({ date, scheduled, taken, skipped })

describe('monthGrid', () => {
  it('starts weeks on Monday and leaves blanks before the first day', () => {
    // 1 November 2025 is a Saturday.
    const grid = monthGrid('2025-11')
    expect(grid[0]).toEqual([null, null, null, null, null, '2025-11-01', '2025-11-02'])
    expect(grid[1][0]).toBe('2025-11-03')
    expect(grid.at(-1)).toEqual(['2025-11-24', '2025-11-25', '2025-11-26', '2025-11-27', '2025-11-28', '2025-11-29', '2025-11-30'])
    expect(grid).toHaveLength(5)
  })

  it('puts a month starting on Sunday in the last column of a six-week grid', () => {
    // 1 March 2026 is a Sunday: six blanks, then the 1st; the 30th and 31st spill into row six.
    const grid = monthGrid('2026-03')
    expect(grid[0]).toEqual([null, null, null, null, null, null, '2026-03-01'])
    expect(grid).toHaveLength(6)
    expect(grid[5]).toEqual(['2026-03-30', '2026-03-31', null, null, null, null, null])
  })

  it('fills exactly four rows for a February starting on Monday', () => {
    const grid = monthGrid('2021-02')
    expect(grid).toHaveLength(4)
    expect(grid[0][0]).toBe('2021-02-01')
    expect(grid[3][6]).toBe('2021-02-28')
  })

  it('has every day of the month exactly once, in order', () => {
    for (const month of ['2024-02', '2025-06', '2025-12']) {
      const days = monthGrid(month).flat().filter(Boolean)
      expect(days[0]).toBe(`${month}-01`)
      expect(days.at(-1)).toBe(lastOfMonth(month))
      expect(new Set(days).size).toBe(days.length)
    }
    expect(monthGrid('2024-02').flat().filter(Boolean)).toHaveLength(29)
  })
})

describe('months', () => {
  it('steps across year ends both ways', () => {
    expect(addMonths('2025-12', 1)).toBe('2026-01')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2025-11', -13)).toBe('2024-10')
  })

  it('names months and dates in words', () => {
    expect(monthTitle('2025-11')).toBe('November 2025')
    expect(fullDate('2025-11-24')).toBe('24 November 2025')
  })
})

describe('dayStatus', () => {
  const today = '2025-11-24'

  it('is good when every dose was taken', () => {
    expect(dayStatus(tally('2025-11-20', 3, 3), today)).toBe('good')
  })

  it('is part when some were taken', () => {
    expect(dayStatus(tally('2025-11-20', 3, 1, 2), today)).toBe('part')
  })

  it('is bad on a past day with doses and none taken, skipped or not', () => {
    expect(dayStatus(tally('2025-11-23', 2, 0), today)).toBe('bad')
    expect(dayStatus(tally('2025-11-23', 2, 0, 2), today)).toBe('bad')
  })

  it('keeps today open until a dose is taken', () => {
    expect(dayStatus(tally(today, 2, 0), today)).toBe('open')
    expect(dayStatus(tally(today, 2, 1), today)).toBe('part')
    expect(dayStatus(tally(today, 2, 2), today)).toBe('good')
  })

  it('is neutral without doses or in the future', () => {
    expect(dayStatus(tally('2025-11-20', 0, 0), today)).toBe('none')
    expect(dayStatus(undefined, today)).toBe('none')
    expect(dayStatus(tally('2025-11-25', 2, 0), today)).toBe('future')
  })

  it('gives every coloured status a visible marker', () => {
    for (const status of ['good', 'part', 'bad', 'open'] as const) expect(MARKERS[status]).not.toBe('')
    expect(new Set([MARKERS.good, MARKERS.part, MARKERS.bad, MARKERS.open]).size).toBe(4)
  })
})

describe('dayLabel', () => {
  const today = '2025-11-26'

  it('says how many doses were taken', () => {
    expect(dayLabel(tally('2025-11-24', 3, 2), today, '2025-11-24')).toBe('Monday 24 November: 2 of 3 doses taken')
  })

  it('uses the singular for one dose and mentions skipped doses', () => {
    expect(dayLabel(tally('2025-11-25', 1, 0, 1), today, '2025-11-25')).toBe('Tuesday 25 November: 0 of 1 dose taken, 1 skipped')
  })

  it('marks today and says when nothing is planned or still to come', () => {
    expect(dayLabel(tally(today, 2, 1), today, today)).toBe('Wednesday 26 November: 1 of 2 doses taken, today')
    expect(dayLabel(tally('2025-11-27', 4, 0), today, '2025-11-27')).toBe('Thursday 27 November: 4 doses planned')
    expect(dayLabel(undefined, today, '2025-11-20')).toBe('Thursday 20 November: no doses planned')
  })
})

describe('moveDate', () => {
  it('moves by days and weeks, across month ends', () => {
    expect(moveDate('2025-11-30', 'ArrowRight')).toBe('2025-12-01')
    expect(moveDate('2025-11-01', 'ArrowLeft')).toBe('2025-10-31')
    expect(moveDate('2025-11-03', 'ArrowUp')).toBe('2025-10-27')
    expect(moveDate('2025-11-27', 'ArrowDown')).toBe('2025-12-04')
  })

  it('goes to the ends of the Monday-first week', () => {
    expect(moveDate('2025-11-26', 'Home')).toBe('2025-11-24')
    expect(moveDate('2025-11-26', 'End')).toBe('2025-11-30')
  })

  it('moves by months, keeping inside the shorter month', () => {
    expect(moveDate('2025-01-31', 'PageDown')).toBe('2025-02-28')
    expect(moveDate('2024-03-31', 'PageUp')).toBe('2024-02-29')
    expect(sameDayIn('2025-12', '2025-11-15')).toBe('2025-12-15')
  })

  it('leaves other keys alone', () => {
    expect(moveDate('2025-11-26', 'Enter')).toBeNull()
    expect(moveDate('2025-11-26', 'a')).toBeNull()
  })
})

describe('doseState', () => {
  it('reads the log first, then whether the day is over', () => {
    expect(doseState({ status: 'taken' }, '2025-11-20', '2025-11-24')).toBe('taken')
    expect(doseState({ status: 'skipped' }, '2025-11-24', '2025-11-24')).toBe('skipped')
    expect(doseState(null, '2025-11-23', '2025-11-24')).toBe('missed')
    expect(doseState(null, '2025-11-24', '2025-11-24')).toBe('due')
  })
})
