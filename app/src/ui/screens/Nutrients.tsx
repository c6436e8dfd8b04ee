// Nutrients (#/nutrients): what today adds up to — vitamin K (K1, MK-4, MK-7), vitamin D (D2,
// D3; µg and IU in the member's units), elemental calcium and magnesium — against the
// member's reference intake and upper limit (nutrient_targets), worked out on the phone from
// the doses ticked today (domain/totals.ts, the server's computation), so it moves as soon
// as a dose is ticked, offline too. Then 12 weeks of the server's days (nutrient_days) as a
// share of the reference, and which products gave what today. Every bar is also a sentence
// for screen readers, and its standing is written beside it, never colour alone.
import { useMemo } from 'preact/hooks'

import { Q } from '../../data/db'
import { bars, contributionText, formatAmount, GROUP_LABELS, weekShares, type Bar, type WeekShare } from '../../domain/nutrients'
import { ruleProductOf, ruleRegimen } from '../../domain/planFacts'
import type { RuleProduct } from '../../domain/planTypes'
import type { Product } from '../../domain/rows'
import { productLabel } from '../../domain/products'
import { sourceNames } from '../../domain/sources'
import { addDays, instantOf, localDate } from '../../domain/time'
import { byProduct, GROUP_NAMES, plannedByDay, takenByDay, type Group, type Totals } from '../../domain/totals'
import { lineStyle, linePath, recentWeeks, shortDate, xFor, type Box } from '../../domain/trends'
import { Empty, Loading, Screen } from '../components/blocks'
import { useNow, useProductMap, useProfile, useRows, useZone } from '../hooks'
import './Nutrients.css'

export function Nutrients() {
  const zone = useZone()
  const profile = useProfile()
  const units = profile?.units ?? 'metric'
  const today = localDate(useNow(60_000), zone)
  // A day either side of today's instants: the local date decides (takenByDay).
  const from = instantOf(addDays(today, -1), '00:00', zone)
  const to = instantOf(addDays(today, 2), '00:00', zone)
  const logs = useRows('intake_logs', [Q.where('taken_at', Q.between(from, to))], [from, to])
  const weeks = useMemo(() => recentWeeks(today), [today])
  const days = useRows('nutrient_days', [Q.where('day', Q.gte(weeks[0]))], [weeks[0]])
  const targets = useRows('nutrient_targets')
  const regimens = useRows('regimens')
  const products = useProductMap()

  const ruleProducts = useMemo(() => new Map<string, RuleProduct>([...products].map(([id, p]) => [id, ruleProductOf(p)])), [products])
  const todayTotals = useMemo(() => takenByDay(logs ?? [], ruleProducts, zone).get(today) ?? {}, [logs, ruleProducts, zone, today])
  // What today adds up to if every planned dose is taken (the server's planned figure).
  const plannedTotals = useMemo(
    () => plannedByDay((regimens ?? []).map((r) => ruleRegimen(r, ruleProducts.get(r.product_id))), today, today).get(today) ?? {},
    [regimens, ruleProducts, today],
  )
  const contributions = useMemo(() => byProduct(logs ?? [], ruleProducts, zone, today, today), [logs, ruleProducts, zone, today])

  if (logs === null || days === null || targets === null) {
    return (
      <Screen title="Nutrients">
        <Loading />
      </Screen>
    )
  }
  const todayBars = bars(todayTotals, targets, units, plannedTotals)
  const shares = weekShares(weeks, days, today, todayTotals, targets)
  return (
    <Screen title="Nutrients">
      <p class="muted">
        What the doses you logged today add up to, from each product’s ingredients, against the reference intake for your age and life stage. It updates as soon as you tick a dose, offline too.
      </p>
      {targets.length === 0 && (
        <p class="notice" role="status">
          Your reference intakes arrive with the next sync; until then the bars show today’s amounts only.
        </p>
      )}
      <section class="card" aria-labelledby="nutrients-today-title">
        <h2 id="nutrients-today-title">Today</h2>
        <ul class="nutrient-bars">
          {todayBars.map((bar) => (
            <NutrientBar key={bar.group} bar={bar} units={units} />
          ))}
        </ul>
        <Legend />
      </section>
      <Contributions contributions={contributions} products={products} units={units} />
      <WeeksChart weeks={weeks} shares={shares} />
      <WeeksTable shares={shares} units={units} />
      <Sources bars={todayBars} />
    </Screen>
  )
}

function NutrientBar({ bar, units }: { bar: Bar; units: string }) {
  const intake = bar.target?.intake ?? null
  const limit = bar.target?.upper_limit ?? null
  const group = bar.group
  return (
    <li class={`nutrient-bar nutrient-bar-${bar.standing}`} data-nutrient={group}>
      {/* One sentence for screen readers; the visible parts below repeat it for the eye. */}
      <p class="visually-hidden" data-testid={`nutrient-words-${group}`}>
        {bar.words}
      </p>
      <div aria-hidden="true">
        <p class="nutrient-bar-head">
          <span class="nutrient-bar-name">{bar.label}</span>
          <span class="nutrient-bar-amount" data-testid={`nutrient-amount-${group}`}>
            {bar.amountText}
          </span>
        </p>
        <div class="nutrient-track">
          <div class="nutrient-fill" style={{ width: `${Math.min(100, bar.fill * 100)}%` }} />
          {bar.intakeAt !== null && <div class="nutrient-mark nutrient-mark-intake" style={{ left: `${bar.intakeAt * 100}%` }} />}
          {bar.limitAt !== null && <div class="nutrient-mark nutrient-mark-limit" style={{ left: `${bar.limitAt * 100}%` }} />}
        </div>
        <p class="nutrient-bar-scale">
          {intake !== null ? (
            <span>
              {bar.target!.intake_kind === 'ai' ? 'Adequate intake' : 'Recommended'} {formatAmount(intake, group, units)}
            </span>
          ) : (
            <span>No reference intake for your profile</span>
          )}
          <span>{limit !== null ? `Upper limit ${formatAmount(limit, group, units)}` : 'No upper limit set'}</span>
        </p>
        <p class="nutrient-standing">
          <span class="nutrient-standing-sign">{STANDING_SIGN[bar.standing]}</span> {bar.standingText}
        </p>
        <p class="nutrient-planned muted">As planned today: {bar.plannedText}</p>
        {bar.parts.length > 0 && (
          <p class="nutrient-parts">
            {bar.parts.map((part, i) => (
              <span key={part.code}>
                {i > 0 && ' · '}
                {part.label} {part.text}
              </span>
            ))}
          </p>
        )}
        {bar.target?.note && <p class="nutrient-note muted">{bar.target.note}</p>}
      </div>
    </li>
  )
}

// A sign as well as a colour, so the standing never rests on colour.
const STANDING_SIGN: Record<Bar['standing'], string> = { none: '–', below: '○', reached: '●', over_limit: '▲' }

function Legend() {
  return (
    <p class="nutrient-legend muted">
      <span class="nutrient-legend-item">
        <span class="nutrient-swatch nutrient-swatch-intake" aria-hidden="true" /> solid line: reference intake (RDA or AI)
      </span>{' '}
      <span class="nutrient-legend-item">
        <span class="nutrient-swatch nutrient-swatch-limit" aria-hidden="true" /> dashed line: upper limit (UL)
      </span>
    </p>
  )
}

function Contributions({ contributions, products, units }: { contributions: Map<string, Totals>; products: Map<string, Product>; units: string }) {
  const rows = [...contributions].map(([id, amounts]) => ({ id, name: productLabel(products.get(id)), words: contributionText(amounts, units) }))
  rows.sort((a, b) => a.name.localeCompare(b.name))
  return (
    <section class="card" aria-labelledby="nutrients-products-title">
      <h2 id="nutrients-products-title">What gave it today</h2>
      {rows.length === 0 ? (
        <Empty>Nothing logged today adds to these nutrients yet.</Empty>
      ) : (
        <ul class="nutrient-products">
          {rows.map((row) => (
            <li key={row.id}>
              <span class="nutrient-product-name">{row.name}</span>
              <span class="nutrient-product-amounts">{row.words}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const WIDTH = 340
const HEIGHT = 220
const BOX: Box = { left: 38, right: 330, top: 10, bottom: 190 }
// Percent of the reference intake; a week above 200% is drawn at the top.
const TOP_PCT = 200
const GRID = [0, 50, 100, 150, 200]

function yForShare(pct: number): number {
  return BOX.bottom - (Math.min(pct, TOP_PCT) / TOP_PCT) * (BOX.bottom - BOX.top)
}

function WeeksChart({ weeks, shares }: { weeks: string[]; shares: WeekShare[] }) {
  const groups = GROUP_NAMES.filter((name) => shares.some((s) => s.share[name] !== null))
  const x = (i: number) => xFor(i, weeks.length, BOX)
  return (
    <section class="card nutrient-chart" aria-labelledby="nutrients-weeks-title">
      <h2 id="nutrients-weeks-title">The last {weeks.length} weeks</h2>
      <p class="muted">Average a day each week as a share of your reference intake (100% is the line). This week counts the days so far.</p>
      {groups.length === 0 ? (
        <Empty>The chart needs your reference intakes, which arrive with the next sync.</Empty>
      ) : (
        <>
          <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="nutrients-svg-title">
            <title id="nutrients-svg-title">
              Weekly average a day as a share of the reference intake.{' '}
              {groups.map((name) => `${GROUP_LABELS[name]} this week: ${Math.round(shares.at(-1)!.share[name] ?? 0)}%.`).join(' ')} The numbers are in the table below.
            </title>
            <g class="nutrient-chart-axes" aria-hidden="true">
              {GRID.map((pct) => (
                <g key={pct}>
                  <line x1={BOX.left} x2={BOX.right} y1={yForShare(pct)} y2={yForShare(pct)} class={pct === 100 ? 'nutrient-chart-reference' : 'nutrient-chart-grid'} />
                  <text x={BOX.left - 6} y={yForShare(pct) + 4} text-anchor="end">
                    {pct}%
                  </text>
                </g>
              ))}
              {weeks.map(
                (week, i) =>
                  (weeks.length - 1 - i) % 3 === 0 && (
                    <text key={week} x={x(i)} y={BOX.bottom + 18} text-anchor="middle">
                      {shortDate(week)}
                    </text>
                  ),
              )}
            </g>
            {groups.map((name, index) => {
              const style = lineStyle(index)
              const values = shares.map((s) => (s.share[name] === null ? null : Math.min(s.share[name]!, TOP_PCT) / (TOP_PCT / 100)))
              return (
                <g key={name}>
                  <path d={linePath(values, BOX)} fill="none" stroke-width={2.5} stroke-dasharray={style.dash || undefined} style={{ stroke: style.colour }} />
                  {values.map((v, i) => v !== null && <circle key={i} cx={x(i)} cy={yForShare(shares[i].share[name]!)} r={3} style={{ fill: style.colour }} />)}
                </g>
              )
            })}
          </svg>
          <ul class="nutrient-chart-legend" aria-label="Nutrients in the chart">
            {groups.map((name, index) => (
              <li key={name}>
                <svg class="nutrient-chart-sample" viewBox="0 0 36 12" width="36" height="12" aria-hidden="true">
                  <line x1={0} x2={36} y1={6} y2={6} stroke-width={2.5} stroke-dasharray={lineStyle(index).dash || undefined} style={{ stroke: lineStyle(index).colour }} />
                </svg>
                <span>
                  {GROUP_LABELS[name]} <span class="muted">({lineStyle(index).words.split(',')[0]})</span>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function WeeksTable({ shares, units }: { shares: WeekShare[]; units: string }) {
  return (
    <details class="nutrient-numbers">
      <summary>Show the numbers</summary>
      <div class="nutrient-table-scroll" role="region" aria-labelledby="nutrients-table-caption" tabIndex={0}>
        <table>
          <caption id="nutrients-table-caption" class="visually-hidden">
            Average a day each week, and its share of the reference intake
          </caption>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              {GROUP_NAMES.map((name) => (
                <th key={name} scope="col">
                  {GROUP_LABELS[name]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shares.map((s) => (
              <tr key={s.week}>
                <th scope="row">{shortDate(s.week)}</th>
                {GROUP_NAMES.map((name: Group) => (
                  <td key={name}>
                    {formatAmount(s.perDay[name], name, units)}
                    {s.share[name] !== null && ` (${Math.round(s.share[name]!)}%)`}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  )
}

function Sources({ bars }: { bars: Bar[] }) {
  const keys = [...new Set(bars.map((b) => b.target?.source ?? '').filter(Boolean).flatMap((s) => s.split(',').map((k) => k.trim())))]
  return (
    <section class="nutrient-sources muted" aria-labelledby="nutrients-sources-title">
      <h2 id="nutrients-sources-title">Where the numbers come from</h2>
      <p>
        Reference intakes (the recommended dietary allowance, RDA, or the adequate intake, AI, where no RDA is set) and tolerable upper intake levels (UL) for your age, sex, pregnancy and breastfeeding, as
        the fact sheets give them. An upper limit is the most a day that is unlikely to cause harm; magnesium’s counts supplements and medicines only, not food. Vitamin D: 1 µg is 40 IU. These totals come from the ingredients on each product’s label and cover what you logged here, not your food. They inform; your doctor, pharmacist or dietitian can say what they mean for you.
      </p>
      {keys.length > 0 && (
        <ul>
          {keys.map((key) => (
            <li key={key}>{sourceNames(key)[0]}</li>
          ))}
        </ul>
      )}
    </section>
  )
}
