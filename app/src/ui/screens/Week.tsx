// The Week screen: this ISO week's adherence as the server computed it, and a month calendar
// coloured by each day's doses, computed on the device from the plans and the log (so it
// works offline). Choosing a day lists its doses.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'

import { Q } from '../../data/db'
import {
  addMonths,
  dayLabel,
  dayStatus,
  doseState,
  firstOfMonth,
  lastOfMonth,
  LEGEND,
  MARKERS,
  monthGrid,
  monthOf,
  monthTitle,
  moveDate,
  sameDayIn,
  WEEKDAYS,
  type DoseState,
  type Month,
} from '../../domain/calendar'
import { productLabel } from '../../domain/products'
import type { AdherenceWeek, IntakeLog, Product, Regimen } from '../../domain/rows'
import { slotsBetween, tallyDays, type DayTally } from '../../domain/schedule'
import { addDays, instantOf, localDate, localTime, longDate, weekStart } from '../../domain/time'
import { percent } from '../../domain/trends'
import { Empty, Loading, Screen } from '../components/blocks'
import { useNow, useProductMap, useRows, useWithArchive, useZone } from '../hooks'
import './Week.css'

// Monthly doses match logs up to 7 days away, and occurrences up to two such tolerances
// outside a range compete for logs too (domain/schedule.ts slotsBetween); the day list looks
// a week either side. So the month's logs are read with four weeks' margin on both sides.
const LOG_MARGIN_DAYS = 29

export function Week() {
  const zone = useZone()
  const today = localDate(useNow(60_000), zone)
  const [chosen, setChosen] = useState(today)
  const month = monthOf(chosen)
  const regimens = useRows('regimens')
  const from = instantOf(addDays(firstOfMonth(month), -LOG_MARGIN_DAYS), '00:00', zone)
  const to = instantOf(addDays(lastOfMonth(month), LOG_MARGIN_DAYS + 1), '00:00', zone)
  const recent = useRows('intake_logs', [Q.where('taken_at', Q.between(from, to))], [from, to])
  // Months before the window of the local database come from its archive of old history.
  const logs = useWithArchive('intake_logs', recent, from, to)

  return (
    <Screen title="Week">
      <WeekSummary monday={weekStart(today)} />
      {regimens === null || logs === null ? (
        <Loading />
      ) : (
        <>
          {regimens.length === 0 && (
            <Empty>
              No plans yet, so no doses are due. <a href="#/plan">Add a plan</a>.
            </Empty>
          )}
          <MonthCalendar month={month} chosen={chosen} today={today} regimens={regimens} logs={logs} zone={zone} onChoose={setChosen} />
          <DayDoses date={chosen} today={today} regimens={regimens} logs={logs} zone={zone} />
        </>
      )}
    </Screen>
  )
}

function WeekSummary({ monday }: { monday: string }) {
  const rows = useRows('adherence_weeks', [Q.where('week_start', monday), Q.where('regimen_id', null)], [monday])
  const week: AdherenceWeek | undefined = rows?.[0]
  return (
    <section class="card week-summary" aria-labelledby="week-summary-title">
      <h2 id="week-summary-title">This week</h2>
      <p class="muted">Week of {longDate(monday)}, as last computed by Ossa's server.</p>
      {rows === null ? (
        <Loading />
      ) : !week ? (
        <p>
          <strong>Not computed yet.</strong> It appears here after the server has worked out this week and your device has synced.
        </p>
      ) : (
        <dl class="week-stats">
          <div>
            <dt>Doses taken</dt>
            <dd>
              {week.taken} of {week.scheduled}
            </dd>
          </div>
          <div>
            <dt>Dose-taking</dt>
            <dd>{percent(week.dose_taking_pct)}</dd>
          </div>
          <div>
            <dt>Days covered (PDC)</dt>
            <dd>{percent(week.pdc_pct)}</dd>
          </div>
          <div>
            <dt>Streak</dt>
            <dd>
              {week.streak_days} {week.streak_days === 1 ? 'day' : 'days'}
            </dd>
          </div>
        </dl>
      )}
    </section>
  )
}

interface CalendarProps {
  month: Month
  chosen: string
  today: string
  regimens: Regimen[]
  logs: IntakeLog[]
  zone: string
  onChoose: (date: string) => void
}

function MonthCalendar({ month, chosen, today, regimens, logs, zone, onChoose }: CalendarProps) {
  const tallies = useMemo(() => {
    const days = tallyDays(regimens, logs, firstOfMonth(month), lastOfMonth(month), zone)
    return new Map(days.map((day) => [day.date, day]))
  }, [regimens, logs, month, zone])
  const grid = useRef<HTMLTableElement>(null)
  // Keys move the focus along with the chosen day, once the new cell is rendered.
  const focusChosen = useRef(false)
  useEffect(() => {
    if (!focusChosen.current) return
    focusChosen.current = false
    grid.current?.querySelector<HTMLButtonElement>(`button[data-date="${chosen}"]`)?.focus()
  }, [chosen])

  // Keys can arrive faster than renders: each press moves on from the last press's day.
  const latest = useRef(chosen)
  latest.current = chosen
  const onKeyDown = (event: KeyboardEvent) => {
    const next = moveDate(latest.current, event.key)
    if (!next) return
    event.preventDefault()
    latest.current = next
    focusChosen.current = true
    onChoose(next)
  }
  const showMonth = (count: number) => {
    const target = addMonths(month, count)
    onChoose(monthOf(today) === target ? today : sameDayIn(target, chosen))
  }

  return (
    <section class="calendar-section" aria-labelledby="month-title">
      <h2 id="month-title" aria-live="polite">
        {monthTitle(month)}
      </h2>
      <div class="month-nav">
        <button type="button" onClick={() => showMonth(-1)}>
          <span aria-hidden="true">‹ </span>Previous month
        </button>
        <button type="button" onClick={() => showMonth(1)}>
          Next month<span aria-hidden="true"> ›</span>
        </button>
      </div>
      {monthOf(today) !== month && (
        <button type="button" class="button-link" onClick={() => onChoose(today)}>
          Back to today
        </button>
      )}
      <p class="hint" id="calendar-hint">
        Choose a day to see its doses. Arrow keys move between days, Page Up and Page Down between months.
      </p>
      <table class="calendar" ref={grid} aria-labelledby="month-title" aria-describedby="calendar-hint" onKeyDown={onKeyDown}>
        <thead>
          <tr>
            {WEEKDAYS.map(([short, long]) => (
              <th key={short} scope="col" abbr={long}>
                {short}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {monthGrid(month).map((week, row) => (
            <tr key={row}>
              {week.map((date, column) => (
                <td key={column}>{date && <DayCell date={date} tally={tallies.get(date)} today={today} chosen={date === chosen} onChoose={onChoose} />}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <Legend />
    </section>
  )
}

function DayCell({ date, tally, today, chosen, onChoose }: { date: string; tally: DayTally | undefined; today: string; chosen: boolean; onChoose: (date: string) => void }) {
  const status = dayStatus(tally, today)
  const classes = ['day', `day-${status}`, date === today && 'day-today', chosen && 'day-chosen'].filter(Boolean).join(' ')
  return (
    <button
      type="button"
      class={classes}
      data-date={date}
      // One day in the tab order; the arrow keys reach the others.
      tabIndex={chosen ? 0 : -1}
      aria-label={dayLabel(tally, today, date)}
      aria-pressed={chosen}
      aria-current={date === today ? 'date' : undefined}
      onClick={() => onChoose(date)}
    >
      <span class="day-number" aria-hidden="true">
        {Number(date.slice(8, 10))}
      </span>
      <span class="day-marker" aria-hidden="true">
        {MARKERS[status]}
      </span>
    </button>
  )
}

function Legend() {
  return (
    <ul class="calendar-legend" aria-label="Calendar legend">
      {LEGEND.map(([status, words]) => (
        <li key={status}>
          <span class={`calendar-legend-swatch day-${status}`} aria-hidden="true">
            {MARKERS[status]}
          </span>
          {words}
        </li>
      ))}
      <li>
        <span class="calendar-legend-swatch day-none day-today" aria-hidden="true" />
        Outlined: today
      </li>
    </ul>
  )
}

interface DayProps {
  date: string
  today: string
  regimens: Regimen[]
  logs: IntakeLog[]
  zone: string
}

const STATE_BADGE: Record<DoseState, string> = { taken: 'badge-good', skipped: 'badge-part', missed: 'badge-bad', due: '' }

function stateWords(state: DoseState, log: IntakeLog | null, date: string, time: string, zone: string): string {
  if (state === 'taken' && log) {
    const day = localDate(log.taken_at, zone)
    const at = localTime(log.taken_at, zone)
    return day === date ? `Taken at ${at}` : `Taken ${longDate(day)} at ${at}`
  }
  if (state === 'skipped') return 'Skipped'
  if (state === 'missed') return 'Missed'
  return `Due at ${time}`
}

function DayDoses({ date, today, regimens, logs, zone }: DayProps) {
  const products = useProductMap()
  const { slots, extra } = useMemo(() => dayDoses(regimens, logs, date, zone), [regimens, logs, date, zone])
  const productOf = (regimenId: string): Product | undefined => products.get(regimens.find((r) => r.id === regimenId)?.product_id ?? '')
  return (
    <section class="day-doses" aria-labelledby="day-title">
      <h2 id="day-title">
        {longDate(date)}
        {date === today && ' (today)'}
      </h2>
      {slots.length === 0 && extra.length === 0 ? (
        <Empty>No doses planned on this day.</Empty>
      ) : (
        <ul class="list">
          {slots.map(({ occurrence, log }) => {
            const state = doseState(log, occurrence.date, today)
            return (
              <li key={`${occurrence.regimenId}-${occurrence.time}`} class="card day-doses-item">
                <span>
                  <strong>{productLabel(productOf(occurrence.regimenId))}</strong>
                  <span class="muted day-doses-plan">Planned {occurrence.time}</span>
                </span>
                <span class={`badge ${STATE_BADGE[state]}`}>{stateWords(state, log, date, occurrence.time, zone)}</span>
              </li>
            )
          })}
          {extra.map((log) => (
            <li key={log.id} class="card day-doses-item">
              <span>
                <strong>{productLabel(products.get(log.product_id))}</strong>
                <span class="muted day-doses-plan">Not in a plan's schedule</span>
              </span>
              <span class={`badge ${log.status === 'taken' ? 'badge-good' : 'badge-part'}`}>
                {log.status === 'taken' ? 'Taken' : 'Skipped'} at {localTime(log.taken_at, zone)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** The day's scheduled doses with their logs, and the day's logs that no scheduled dose took
 * (as-needed products, extra doses). Matching looks a week either side, as logs can. */
function dayDoses(regimens: Regimen[], logs: IntakeLog[], date: string, zone: string) {
  const matched = new Set<string>()
  const slots = []
  for (const regimen of regimens) {
    for (const slot of slotsBetween(regimen, logs, addDays(date, -7), addDays(date, 7), zone)) {
      if (slot.log) matched.add(slot.log.id)
      if (slot.occurrence.date === date) slots.push(slot)
    }
  }
  slots.sort((a, b) => a.occurrence.dueAt - b.occurrence.dueAt)
  const extra = logs.filter((log) => !matched.has(log.id) && localDate(log.taken_at, zone) === date).sort((a, b) => a.taken_at - b.taken_at)
  return { slots, extra }
}
