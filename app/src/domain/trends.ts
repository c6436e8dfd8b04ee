// The Trends screen as plain data: the server's weekly adherence snapshots shaped into one
// series per plan over the last weeks (gaps where a plan had no snapshot or nothing was
// scheduled), the scales of the hand-drawn SVG chart and the line styles that tell plans
// apart without colour.
import type { AdherenceWeek } from './rows'
import { addDays, weekStart } from './time'

// source: PQA-PDC (docs/domain.md#adherence): a proportion of days covered of 80% or more is
// "adherent".
export const ADHERENT_PDC_PCT = 80

export const TREND_WEEKS = 12

/** The Mondays of the last `count` ISO weeks up to the one holding `today`, oldest first. */
export function recentWeeks(today: string, count = TREND_WEEKS): string[] {
  const last = weekStart(today)
  return Array.from({ length: count }, (_, i) => addDays(last, 7 * (i - count + 1)))
}

export interface Series {
  regimenId: string
  label: string
  /** One value per week (same order as the weeks); null where there is nothing to show. */
  values: (number | null)[]
}

/** Weekly PDC per plan, one series per plan with at least one value in these weeks, sorted
 * by label (then id, so two plans of one product keep a stable order). */
export function pdcSeries(rows: AdherenceWeek[], weeks: string[], labelOf: (regimenId: string) => string): Series[] {
  const column = new Map(weeks.map((week, i) => [week, i]))
  const byPlan = new Map<string, (number | null)[]>()
  for (const row of rows) {
    const i = column.get(row.week_start)
    if (!row.regimen_id || i === undefined || row.pdc_pct === null) continue
    let values = byPlan.get(row.regimen_id)
    if (!values) byPlan.set(row.regimen_id, (values = weeks.map(() => null)))
    values[i] = row.pdc_pct
  }
  return [...byPlan.entries()]
    .map(([regimenId, values]) => ({ regimenId, label: labelOf(regimenId), values }))
    .sort((a, b) => a.label.localeCompare(b.label) || a.regimenId.localeCompare(b.regimenId))
}

export interface WeekTotal {
  week: string
  taken: number
  scheduled: number
  pct: number | null
}

/** All plans together per week (the rows without a regimen), from the same snapshots. */
export function overallWeeks(rows: AdherenceWeek[], weeks: string[]): WeekTotal[] {
  const overall = new Map(rows.filter((r) => r.regimen_id === null).map((r) => [r.week_start, r]))
  return weeks.map((week) => {
    const row = overall.get(week)
    return { week, taken: row?.taken ?? 0, scheduled: row?.scheduled ?? 0, pct: row?.dose_taking_pct ?? null }
  })
}

/** Doses taken over the whole span, as the weeks add up (not an average of percentages). */
export function overallTotal(weeks: WeekTotal[]): { taken: number; scheduled: number; pct: number | null } {
  const taken = weeks.reduce((sum, w) => sum + w.taken, 0)
  const scheduled = weeks.reduce((sum, w) => sum + w.scheduled, 0)
  return { taken, scheduled, pct: scheduled ? (100 * Math.min(taken, scheduled)) / scheduled : null }
}

export interface Box {
  left: number
  right: number
  top: number
  bottom: number
}

/** The chart's y for a percentage: 100 at the top, 0 at the bottom, outside values clamped. */
export function yFor(pct: number, box: Box): number {
  const clamped = Math.min(100, Math.max(0, pct))
  return box.bottom - (clamped / 100) * (box.bottom - box.top)
}

/** The chart's x for the i-th of `count` weeks, spread from left to right edge. */
export function xFor(index: number, count: number, box: Box): number {
  if (count <= 1) return (box.left + box.right) / 2
  return box.left + (index * (box.right - box.left)) / (count - 1)
}

const round = (n: number) => Math.round(n * 10) / 10

/** An SVG path through the values, broken where a value is missing (no line across a gap). */
export function linePath(values: (number | null)[], box: Box): string {
  const parts: string[] = []
  let drawing = false
  values.forEach((value, i) => {
    if (value === null) {
      drawing = false
      return
    }
    parts.push(`${drawing ? 'L' : 'M'}${round(xFor(i, values.length, box))} ${round(yFor(value, box))}`)
    drawing = true
  })
  return parts.join(' ')
}

export interface LineStyle {
  /** A shared colour variable from ui/styles.css. */
  colour: string
  /** SVG stroke-dasharray; '' is solid. */
  dash: string
  marker: 'circle' | 'square' | 'triangle' | 'diamond' | 'ring' | 'bar'
  /** The line and its markers in words, for the legend. */
  words: string
}

// Colour, dash and marker all change together so that any one of them tells plans apart.
// The red of --bad is left out: a plan's line is not a warning.
const STYLES: LineStyle[] = [
  { colour: 'var(--brand)', dash: '', marker: 'circle', words: 'solid line, dots' },
  { colour: 'var(--part)', dash: '8 4', marker: 'square', words: 'dashed line, squares' },
  { colour: 'var(--focus)', dash: '2 3', marker: 'triangle', words: 'dotted line, triangles' },
  { colour: 'var(--good)', dash: '10 3 2 3', marker: 'diamond', words: 'dash-dot line, diamonds' },
  { colour: 'var(--ink)', dash: '16 5', marker: 'ring', words: 'long-dashed line, rings' },
  { colour: 'var(--muted)', dash: '5 2 1 2 1 2', marker: 'bar', words: 'dash-dot-dot line, bars' },
]

/** The style of the i-th plan; with more plans than styles they repeat. */
export function lineStyle(index: number): LineStyle {
  return STYLES[index % STYLES.length]
}

const weekNames = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })

/** "24 Nov" for a week's Monday. */
export function shortDate(date: string): string {
  return weekNames.format(new Date(`${date}T12:00:00Z`))
}

/** "85%" (whole numbers; the snapshots carry one decimal the chart does not need). */
export function percent(value: number | null): string {
  return value === null ? '–' : `${Math.round(value)}%`
}
