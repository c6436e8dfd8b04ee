// The Trends screen: the last 12 weeks of the server's adherence snapshots, read from the
// local database (so it works offline): weekly proportion of days covered per plan as a line
// chart with the PQA 80% line, doses taken per week for all plans as bars, and a table of
// the same numbers.
import { useMemo } from 'preact/hooks'

import { Q } from '../../data/db'
import { productLabel } from '../../domain/products'
import { localDate } from '../../domain/time'
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
  type LineStyle,
  type Series,
  type WeekTotal,
} from '../../domain/trends'
import { Empty, Loading, Screen } from '../components/blocks'
import { useNow, useProductMap, useRows, useZone } from '../hooks'
import './Trends.css'

const WIDTH = 340
const HEIGHT = 220
const BOX: Box = { left: 38, right: 330, top: 10, bottom: 190 }
const GRID = [0, 20, 40, 60, 80, 100]

export function Trends() {
  const zone = useZone()
  const today = localDate(useNow(60_000), zone)
  const weeks = useMemo(() => recentWeeks(today), [today])
  const rows = useRows('adherence_weeks', [Q.where('week_start', Q.oneOf(weeks))], [weeks[0]])
  const regimens = useRows('regimens')
  const products = useProductMap()

  const series = useMemo(() => {
    const productOf = new Map((regimens ?? []).map((r) => [r.id, r.product_id]))
    const labelOf = (id: string) => (productOf.has(id) ? productLabel(products.get(productOf.get(id)!)) : 'A plan no longer on this device')
    return pdcSeries(rows ?? [], weeks, labelOf)
  }, [rows, regimens, products, weeks])
  const totals = useMemo(() => overallWeeks(rows ?? [], weeks), [rows, weeks])

  if (rows === null || regimens === null) {
    return (
      <Screen title="Trends">
        <Loading />
      </Screen>
    )
  }
  if (rows.length === 0) {
    return (
      <Screen title="Trends">
        <Empty>
          No adherence has been computed yet. Once you have a plan and have logged doses, Ossa's server works out each week and your trends appear here after the next sync.
        </Empty>
      </Screen>
    )
  }
  return (
    <Screen title="Trends">
      <p class="muted">
        The last {weeks.length} weeks, {shortDate(weeks[0])} to this week (still in progress).
      </p>
      <PdcChart weeks={weeks} series={series} />
      <DosesChart totals={totals} />
      <Numbers weeks={weeks} series={series} totals={totals} />
    </Screen>
  )
}

function Axes({ weeks }: { weeks: string[] }) {
  // Every third week is named, ending with this week, so the labels never collide.
  const named = (i: number) => (weeks.length - 1 - i) % 3 === 0
  return (
    <g class="chart-axes" aria-hidden="true">
      {GRID.map((pct) => (
        <g key={pct}>
          <line x1={BOX.left} x2={BOX.right} y1={yFor(pct, BOX)} y2={yFor(pct, BOX)} class="chart-grid-line" />
          <text x={BOX.left - 6} y={yFor(pct, BOX) + 4} text-anchor="end">
            {pct}%
          </text>
        </g>
      ))}
      {weeks.map(
        (week, i) =>
          named(i) && (
            <text key={week} x={xFor(i, weeks.length, BOX)} y={BOX.bottom + 18} text-anchor="middle">
              {shortDate(week)}
            </text>
          ),
      )}
    </g>
  )
}

function Marker({ style, x, y }: { style: LineStyle; x: number; y: number }) {
  const fill = { fill: style.colour }
  switch (style.marker) {
    case 'square':
      return <rect x={x - 3.5} y={y - 3.5} width={7} height={7} style={fill} />
    case 'triangle':
      return <path d={`M${x} ${y - 4.5} L${x + 4.5} ${y + 3.5} L${x - 4.5} ${y + 3.5} Z`} style={fill} />
    case 'diamond':
      return <path d={`M${x} ${y - 5} L${x + 5} ${y} L${x} ${y + 5} L${x - 5} ${y} Z`} style={fill} />
    case 'ring':
      return <circle cx={x} cy={y} r={3.5} fill="var(--card)" stroke-width={2} style={{ stroke: style.colour }} />
    case 'bar':
      return <rect x={x - 1.5} y={y - 5} width={3} height={10} style={fill} />
    default:
      return <circle cx={x} cy={y} r={3.8} style={fill} />
  }
}

function Line({ series, index }: { series: Series; index: number }) {
  const style = lineStyle(index)
  return (
    <g>
      <path d={linePath(series.values, BOX)} fill="none" stroke-width={2.5} stroke-dasharray={style.dash || undefined} style={{ stroke: style.colour }} />
      {series.values.map((value, i) => value !== null && <Marker key={i} style={style} x={xFor(i, series.values.length, BOX)} y={yFor(value, BOX)} />)}
    </g>
  )
}

function Sample({ style }: { style: LineStyle }) {
  return (
    <svg class="chart-legend-sample" viewBox="0 0 36 12" width="36" height="12" aria-hidden="true">
      <line x1={0} x2={36} y1={6} y2={6} stroke-width={2.5} stroke-dasharray={style.dash || undefined} style={{ stroke: style.colour }} />
      <Marker style={style} x={18} y={6} />
    </svg>
  )
}

function latest(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]
  return null
}

function PdcChart({ weeks, series }: { weeks: string[]; series: Series[] }) {
  const threshold = yFor(ADHERENT_PDC_PCT, BOX)
  return (
    <section class="card chart" aria-labelledby="pdc-title">
      <h2 id="pdc-title">Days covered per plan</h2>
      <p class="muted">
        Proportion of days covered (PDC): the share of days on which every planned dose was taken. {ADHERENT_PDC_PCT}% or more counts as adherent (Pharmacy Quality Alliance); the shaded band marks it.
      </p>
      {series.length === 0 ? (
        <Empty>No plan had doses scheduled in these weeks.</Empty>
      ) : (
        <>
          <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="pdc-svg-title pdc-svg-desc">
            <title id="pdc-svg-title">Weekly days covered per plan</title>
            <desc id="pdc-svg-desc">
              {series.map((s) => `${s.label}: ${percent(latest(s.values))} in the latest week with doses.`).join(' ')} The numbers are in the table below.
            </desc>
            <rect x={BOX.left} y={BOX.top} width={BOX.right - BOX.left} height={threshold - BOX.top} class="chart-adherent-band" />
            <Axes weeks={weeks} />
            <line x1={BOX.left} x2={BOX.right} y1={threshold} y2={threshold} class="chart-threshold-line" />
            {series.map((s, i) => (
              <Line key={s.regimenId} series={s} index={i} />
            ))}
            {/* Drawn last, with a halo, so the lines never hide it. */}
            <text x={BOX.left + 4} y={threshold - 5} class="chart-threshold-label">
              {ADHERENT_PDC_PCT}% adherent (PQA)
            </text>
          </svg>
          <ul class="chart-legend" aria-label="Plans in the chart">
            {series.map((s, i) => (
              <li key={s.regimenId}>
                <Sample style={lineStyle(i)} />
                <span>
                  {s.label} <span class="muted">({lineStyle(i).words}; latest {percent(latest(s.values))})</span>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function DosesChart({ totals }: { totals: WeekTotal[] }) {
  const total = overallTotal(totals)
  const slot = (BOX.right - BOX.left) / totals.length
  return (
    <section class="card chart" aria-labelledby="doses-title">
      <h2 id="doses-title">Doses taken, all plans</h2>
      <p>
        {total.scheduled === 0
          ? 'No doses were planned in these weeks.'
          : `You took ${total.taken} of ${total.scheduled} planned doses (${percent(total.pct)}).`}
      </p>
      {total.scheduled > 0 && (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="doses-svg-title">
          <title id="doses-svg-title">Share of planned doses taken each week, all plans together; the numbers are in the table below.</title>
          <g class="chart-axes" aria-hidden="true">
            {GRID.map((pct) => (
              <g key={pct}>
                <line x1={BOX.left} x2={BOX.right} y1={yFor(pct, BOX)} y2={yFor(pct, BOX)} class="chart-grid-line" />
                <text x={BOX.left - 6} y={yFor(pct, BOX) + 4} text-anchor="end">
                  {pct}%
                </text>
              </g>
            ))}
            {totals.map(
              (week, i) =>
                (totals.length - 1 - i) % 3 === 0 && (
                  <text key={week.week} x={BOX.left + slot * (i + 0.5)} y={BOX.bottom + 18} text-anchor="middle">
                    {shortDate(week.week)}
                  </text>
                ),
            )}
          </g>
          {totals.map(
            (week, i) =>
              week.pct !== null && (
                <rect key={week.week} class="chart-bar" x={BOX.left + slot * i + slot * 0.2} width={slot * 0.6} y={yFor(week.pct, BOX)} height={BOX.bottom - yFor(week.pct, BOX)} />
              ),
          )}
        </svg>
      )}
    </section>
  )
}

function Numbers({ weeks, series, totals }: { weeks: string[]; series: Series[]; totals: WeekTotal[] }) {
  return (
    <details class="numbers">
      <summary>Show the numbers</summary>
      <p class="muted" id="numbers-note">
        Days covered (PDC) per plan, and doses taken for all plans, by week. A dash means nothing was planned that week. The table scrolls sideways.
      </p>
      <div class="table-scroll" role="region" aria-labelledby="numbers-caption" aria-describedby="numbers-note" tabIndex={0}>
        <table>
          <caption id="numbers-caption" class="visually-hidden">
            Weekly adherence numbers
          </caption>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              {series.map((s) => (
                <th key={s.regimenId} scope="col">
                  {s.label}
                </th>
              ))}
              <th scope="col">All plans: doses taken</th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((week, i) => (
              <tr key={week}>
                <th scope="row">{shortDate(week)}</th>
                {series.map((s) => (
                  <td key={s.regimenId}>{percent(s.values[i])}</td>
                ))}
                <td>{totals[i].scheduled ? `${totals[i].taken} of ${totals[i].scheduled} (${percent(totals[i].pct)})` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  )
}
