import { describe, expect, it } from 'vitest'

import type { AdherenceWeek } from './rows'
import {
  ADHERENT_PDC_PCT,
  lineStyle,
  linePath,
  overallTotal,
  overallWeeks,
  pdcSeries,
  percent,
  recentWeeks,
  shortDate,
  xFor,
  yFor,
  type Box,
} from './trends'

function week(week_start: string, regimen_id: string | null, values: Partial<AdherenceWeek> = {}): AdherenceWeek {
  return {
    id: `${regimen_id ?? 'all'}-${week_start}`,
    regimen_id,
    week_start,
    scheduled: 7,
    taken: 7,
    on_time: 7,
    skipped: 0,
    days_covered: 7,
    days_in_period: 7,
    dose_taking_pct: 100,
    timing_pct: 100,
    pdc_pct: 100,
    streak_days: 7,
    ...values,
  }
}

const BOX: Box = { left: 40, right: 340, top: 10, bottom: 210 }

describe('recentWeeks', () => {
  it('gives twelve Mondays ending with the current week', () => {
    // 26 November 2025 is a Wednesday.
    const weeks = recentWeeks('2025-11-26')
    expect(weeks).toHaveLength(12)
    expect(weeks.at(-1)).toBe('2025-11-24')
    expect(weeks[0]).toBe('2025-09-08')
    expect(weeks[1]).toBe('2025-09-15')
  })

  it('treats a Sunday as the end of its ISO week', () => {
    expect(recentWeeks('2025-11-30', 2)).toEqual(['2025-11-17', '2025-11-24'])
  })
})

describe('pdcSeries', () => {
  const weeks = ['2025-11-03', '2025-11-10', '2025-11-17', '2025-11-24']
  const labels: Record<string, string> = { r1: 'Vitamin D3', r2: 'Calcium citrate', r3: 'Alendronate' }
  const labelOf = (id: string) => labels[id]

  it('aligns each plan to the weeks, with gaps where a week is missing or has no PDC', () => {
    const rows = [
      week('2025-11-03', 'r1', { pdc_pct: 85.7 }),
      week('2025-11-17', 'r1', { pdc_pct: 71.4 }),
      week('2025-11-24', 'r1', { pdc_pct: null }),
    ]
    expect(pdcSeries(rows, weeks, labelOf)).toEqual([{ regimenId: 'r1', label: 'Vitamin D3', values: [85.7, null, 71.4, null] }])
  })

  it('ignores overall rows, weeks outside the span and plans without any value', () => {
    const rows = [
      week('2025-11-10', null, { pdc_pct: 50 }),
      week('2025-10-27', 'r1', { pdc_pct: 40 }),
      week('2025-11-10', 'r2', { pdc_pct: null }),
    ]
    expect(pdcSeries(rows, weeks, labelOf)).toEqual([])
  })

  it('sorts plans by label, then by id', () => {
    const rows = [
      week('2025-11-10', 'r1'),
      week('2025-11-10', 'r2'),
      week('2025-11-10', 'r3'),
      week('2025-11-10', 'r0'),
    ]
    const withDuplicate = (id: string) => (id === 'r0' ? 'Vitamin D3' : labels[id])
    expect(pdcSeries(rows, weeks, withDuplicate).map((s) => s.regimenId)).toEqual(['r3', 'r2', 'r0', 'r1'])
  })
})

describe('overall weeks', () => {
  const weeks = ['2025-11-10', '2025-11-17', '2025-11-24']

  it('takes the rows without a plan, zero where a week has none', () => {
    const rows = [week('2025-11-17', null, { taken: 10, scheduled: 14, dose_taking_pct: 71.4 }), week('2025-11-17', 'r1', { taken: 1 })]
    expect(overallWeeks(rows, weeks)).toEqual([
      { week: '2025-11-10', taken: 0, scheduled: 0, pct: null },
      { week: '2025-11-17', taken: 10, scheduled: 14, pct: 71.4 },
      { week: '2025-11-24', taken: 0, scheduled: 0, pct: null },
    ])
  })

  it('adds doses up instead of averaging percentages', () => {
    const total = overallTotal([
      { week: 'a', taken: 1, scheduled: 2, pct: 50 },
      { week: 'b', taken: 18, scheduled: 18, pct: 100 },
    ])
    expect(total).toEqual({ taken: 19, scheduled: 20, pct: 95 })
    expect(overallTotal([]).pct).toBeNull()
  })
})

describe('scales', () => {
  it('puts 100% at the top and 0% at the bottom, clamping outside values', () => {
    expect(yFor(100, BOX)).toBe(10)
    expect(yFor(0, BOX)).toBe(210)
    expect(yFor(ADHERENT_PDC_PCT, BOX)).toBe(50)
    expect(yFor(130, BOX)).toBe(10)
    expect(yFor(-5, BOX)).toBe(210)
  })

  it('spreads weeks from edge to edge', () => {
    expect(xFor(0, 4, BOX)).toBe(40)
    expect(xFor(3, 4, BOX)).toBe(340)
    expect(xFor(1, 4, BOX)).toBe(140)
    expect(xFor(0, 1, BOX)).toBe(190)
  })
})

describe('linePath', () => {
  it('breaks the line at gaps instead of drawing across them', () => {
    expect(linePath([100, 50, null, 0], BOX)).toBe('M40 10 L140 110 M340 210')
  })

  it('is empty without values', () => {
    expect(linePath([null, null], BOX)).toBe('')
  })
})

describe('line styles', () => {
  it('tells six plans apart by dash, marker and colour at once', () => {
    const styles = [0, 1, 2, 3, 4, 5].map(lineStyle)
    expect(new Set(styles.map((s) => s.dash)).size).toBe(6)
    expect(new Set(styles.map((s) => s.marker)).size).toBe(6)
    expect(new Set(styles.map((s) => s.colour)).size).toBe(6)
    expect(new Set(styles.map((s) => s.words)).size).toBe(6)
    expect(styles.every((s) => s.colour.startsWith('var(--') && s.colour !== 'var(--bad)')).toBe(true)
  })

  it('repeats the styles past the sixth plan', () => {
    expect(lineStyle(6)).toEqual(lineStyle(0))
  })
})

describe('words', () => {
  it('formats weeks and percentages', () => {
    expect(shortDate('2025-11-24')).toBe('24 Nov')
    expect(percent(85.71)).toBe('86%')
    expect(percent(null)).toBe('–')
  })
})
