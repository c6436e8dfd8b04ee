// Today (#/today): each dose due today in the member's zone, one tap to log it (offline
// too: the write is local and the sync engine sends it later), its reminder and Snooze, and
// the as-needed plans.
// Which log belongs to which dose is the server's matching (domain/doses.ts → schedule.ts).
import { useEffect, useRef, useState } from 'preact/hooks'

import { Q } from '../../data/db'
import { logDose, skipDose, takeDose, takeDoseAt, undoLog } from '../../data/intakeLogs'
import { dismissSnooze, snoozes, type AskedSnooze } from '../../data/snoozes'
import { adviceFor, afterDoseText, minutesLeft, type Advice } from '../../domain/bisphosphonate'
import { asNeededOn, dosesOn, doseOfLog, logsOn, logWindow, servingsText, type Dose } from '../../domain/doses'
import { MISSED_DOSE, missedDoses } from '../../domain/missedDose'
import { productLabel } from '../../domain/products'
import { reminderOf, reminderView, reminderZone } from '../../domain/reminders'
import type { DoseReminder as ReminderRow, IntakeLog, Product, Profile, Regimen } from '../../domain/rows'
import { isActiveOn } from '../../domain/schedule'
import { localDate, localTime, longDate } from '../../domain/time'
import { Empty, ErrorText, Loading, Screen, useAction } from '../components/blocks'
import { DoseReminder } from '../components/DoseReminder'
import { useNow, useProductMap, useProfile, useRows, useStore, useZone } from '../hooks'
import { firstScreenDrawn } from '../startWork'
import './Today.css'

function logWords(log: IntakeLog, date: string, zone: string): string {
  const day = localDate(log.taken_at, zone)
  const when = day === date ? '' : ` on ${longDate(day)}`
  return log.status === 'skipped' ? `Skipped${when}` : `Taken at ${localTime(log.taken_at, zone)}${when}`
}

/** How to take a bisphosphonate dose (before), or the wait after it (live countdown). */
function BisphosphonateNote({ advice, log, now }: { advice: Advice; log: IntakeLog | null; now: number }) {
  if (log?.status === 'skipped') return null
  if (!log) {
    return (
      <div class="bisphosphonate bisphosphonate-before">
        <p class="bisphosphonate-title">How to take {advice.name.toLowerCase() === 'this bisphosphonate' ? 'it' : advice.name}</p>
        <ul>
          {advice.howToTake.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </div>
    )
  }
  // `now` ticks every few seconds; a dose logged since then must not read as longer ago.
  const at = Math.max(now, log.taken_at)
  const waiting = minutesLeft(advice, log.taken_at, at) > 0
  return (
    <p class={`bisphosphonate bisphosphonate-after${waiting ? ' bisphosphonate-waiting' : ''}`} role="timer" aria-live="off">
      {afterDoseText(advice, log.taken_at, at)}
    </p>
  )
}

function OtherTime({ dose, zone, onSave, onCancel }: { dose: Dose; zone: string; onSave: (time: string) => Promise<void>; onCancel: () => void }) {
  const now = Date.now()
  // Start from the dose's time, or from now when that is still to come.
  const [time, setTime] = useState(() => (dose.occurrence.dueAt <= now ? dose.occurrence.time : localTime(now, zone)))
  const [save, busy, error] = useAction(() => onSave(time))
  const id = `other-${dose.regimen.id}-${dose.occurrence.dueAt}`
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])
  return (
    <form
      class="other-time"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <label for={id}>Time taken</label>
      <input ref={input} id={id} type="time" value={time} onInput={(e) => setTime((e.currentTarget as HTMLInputElement).value)} aria-invalid={error ? true : undefined} />
      <button type="submit" class="button-primary" disabled={busy}>
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <ErrorText error={error} />
    </form>
  )
}

/** What a dose's reminders need: the server's rows, the snoozes asked here, the profile. */
interface Reminders {
  rows: ReminderRow[]
  asked: AskedSnooze[]
  profile: Profile | null
  zone: string // the reminder zone
}

interface DoseProps {
  dose: Dose
  product: Product | undefined
  logs: IntakeLog[]
  date: string
  zone: string
  now: number
  reminders: Reminders
}

function DoseItem({ dose, product, logs, date, zone, now, reminders }: DoseProps) {
  const [otherTime, setOtherTime] = useState(false)
  const [countedElsewhere, setCountedElsewhere] = useState<string | null>(null)
  const { regimen, occurrence, log } = dose
  const labelId = `dose-${regimen.id}-${occurrence.dueAt}`
  // After logging, focus goes to "Undo"; after undoing, back to "Taken" (the buttons swap).
  const undoButton = useRef<HTMLButtonElement>(null)
  const takenButton = useRef<HTMLButtonElement>(null)
  const focusAfter = useRef(false)
  const reminder = reminderOf(occurrence, reminders.rows, reminders.zone)
  const snooze = reminder ? (reminders.asked.find((s) => s.reminder === reminder.id) ?? null) : null
  const [act, busy, error] = useAction(async (what: 'taken' | 'skipped' | 'undo') => {
    setCountedElsewhere(null)
    // Logged: a snooze still waiting for this dose has nothing left to do.
    if (snooze && what !== 'undo') dismissSnooze(snooze.reminder)
    if (what === 'taken') await write(() => takeDose(dose))
    else if (what === 'skipped') await write(() => skipDose(dose))
    else if (log) await write(() => undoLog(log))
  })
  // Waits for `busy` to clear: a disabled button cannot take focus.
  useEffect(() => {
    if (!focusAfter.current || busy) return
    focusAfter.current = false
    ;(log ? undoButton : takenButton).current?.focus()
  }, [log?.id, busy])

  // A dose counts for the scheduled time nearest to when it was taken (the server's rule);
  // say so when that is another of today's doses than the one tapped.
  const logged = (created: IntakeLog) => {
    setOtherTime(false)
    const matched = doseOfLog(regimen, [...logs, created], created, zone)
    const elsewhere = matched !== null && matched.dueAt !== occurrence.dueAt
    // This dose stays open when the log counts for another one: keep focus where it is.
    if (elsewhere) focusAfter.current = false
    setCountedElsewhere(
      elsewhere ? `Logged at ${localTime(created.taken_at, zone)}, which counts for your ${matched.time} dose: the scheduled time nearest to it.` : null,
    )
  }
  // The live query may re-render with the new log before the write's promise resolves, so
  // the focus move is asked for before writing and called off if the write fails.
  const write = async (action: () => Promise<IntakeLog | void>) => {
    focusAfter.current = true
    try {
      const created = await action()
      if (created) logged(created)
    } catch (e) {
      focusAfter.current = false
      throw e
    }
  }
  const advice = adviceFor(product)
  const state = log ? log.status : 'open'
  return (
    <li class={`dose card dose-${state}`} data-regimen={regimen.id} data-due={occurrence.dueAt} data-log={log?.id} data-state={state}>
      <div class="dose-head" id={labelId}>
        <span class="dose-time">{occurrence.time}</span>
        <span class="dose-what">
          <strong>{productLabel(product)}</strong>
          <span class="muted">{servingsText(regimen.servings_per_dose, product?.serving_unit ?? 'serving')}</span>
        </span>
      </div>
      {log ? (
        <div class="dose-logged">
          <p class={`badge ${log.status === 'taken' ? 'badge-good' : 'badge-part'}`} role="status">
            {logWords(log, date, zone)}
          </p>
          <button ref={undoButton} type="button" class="button-link" disabled={busy} aria-describedby={labelId} onClick={() => void act('undo')}>
            Undo
          </button>
        </div>
      ) : otherTime ? (
        <OtherTime dose={dose} zone={zone} onSave={(time) => write(() => takeDoseAt(dose, time, zone))} onCancel={() => setOtherTime(false)} />
      ) : (
        <div class="dose-actions">
          <button ref={takenButton} type="button" class="button-primary" disabled={busy} aria-describedby={labelId} onClick={() => void act('taken')}>
            Taken
          </button>
          <button type="button" disabled={busy} aria-describedby={labelId} onClick={() => void act('skipped')}>
            Skipped
          </button>
          <button type="button" disabled={busy} aria-describedby={labelId} onClick={() => setOtherTime(true)}>
            Other time
          </button>
        </div>
      )}
      <DoseReminder
        view={reminderView({ regimen, occurrence, logged: log !== null, reminder, snooze, profile: reminders.profile, zone: reminders.zone, now })}
        reminder={reminder}
        profile={reminders.profile}
        zone={reminders.zone}
        labelId={labelId}
      />
      {advice && <BisphosphonateNote advice={advice} log={log} now={now} />}
      {countedElsewhere && !log && <p class="dose-moved">{countedElsewhere}</p>}
      <ErrorText error={error} />
    </li>
  )
}

function AsNeededItem({ regimen, product, logs, date, zone, now }: { regimen: Regimen; product: Product | undefined; logs: IntakeLog[]; date: string; zone: string; now: number }) {
  const todays = logsOn(regimen, logs, date, zone)
  const [act, busy, error] = useAction(async (undo?: IntakeLog) => {
    if (undo) await undoLog(undo)
    else await logDose(regimen, 'taken', Date.now())
  })
  const advice = adviceFor(product)
  const latest = [...todays].reverse().find((l) => l.status === 'taken') ?? null
  const labelId = `as-needed-${regimen.id}`
  return (
    <li class="card as-needed" data-regimen={regimen.id}>
      <div class="dose-head" id={labelId}>
        <span class="dose-what">
          <strong>{productLabel(product)}</strong>
          <span class="muted">{servingsText(regimen.servings_per_dose, product?.serving_unit ?? 'serving')} per dose</span>
        </span>
      </div>
      {todays.length > 0 && (
        <ul class="as-needed-logs" aria-label={`Logged today: ${productLabel(product)}`}>
          {todays.map((log) => (
            <li key={log.id}>
              <span>{logWords(log, date, zone)}</span>
              <button type="button" class="button-link" disabled={busy} onClick={() => void act(log)}>
                Undo
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="button-primary" disabled={busy} aria-describedby={labelId} onClick={() => void act()}>
        Log a dose
      </button>
      {advice && latest && <BisphosphonateNote advice={advice} log={latest} now={now} />}
      <ErrorText error={error} />
    </li>
  )
}

/** A missed bisphosphonate dose the server flagged: what it saw, and what the label says,
 * quoted and attributed (Ossa does not advise on it). */
function MissedDoses() {
  const flags = useRows('flags', [Q.where('code', MISSED_DOSE), Q.where('resolved_at', null)])
  const missed = missedDoses(flags ?? [])
  if (!missed.length) return null
  return (
    <section class="missed-doses" aria-label="Missed doses">
      {missed.map((dose) => (
        <article key={dose.regimenId} class="card missed-dose" aria-labelledby={`missed-${dose.regimenId}`} data-regimen={dose.regimenId}>
          <h2 id={`missed-${dose.regimenId}`}>{dose.title}</h2>
          <p>{dose.observed}</p>
          {dose.label ? (
            <figure class="missed-dose-label">
              <figcaption>What the label says ({dose.sources.join('; ')}):</figcaption>
              <blockquote>{dose.label}</blockquote>
            </figure>
          ) : (
            <p class="muted">Source: {dose.sources.join('; ')}</p>
          )}
          <p class="muted">
            Ossa shows the label’s words; it does not advise. Your pharmacist can say what applies to you. <a href="#/flags">See all flags</a>
          </p>
        </article>
      ))}
    </section>
  )
}

/** Snoozes the server refused for doses not open on today's list: said, and cleared with OK. */
function RefusedSnoozes({ asked, name }: { asked: AskedSnooze[]; name: (reminder: string) => string }) {
  if (!asked.length) return null
  return (
    <section class="card refused-snoozes" aria-labelledby="refused-snoozes-title">
      <h2 id="refused-snoozes-title">Snoozes not made</h2>
      <ul class="list">
        {asked.map((s) => (
          <li key={s.reminder}>
            <span>
              {name(s.reminder)}: {s.refused}
            </span>
            <button type="button" onClick={() => dismissSnooze(s.reminder)}>
              OK
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** "Levothyroxine 50 mcg at 14:07" for a reminder, or "A dose" when it is not on this phone. */
function reminderName(id: string, rows: ReminderRow[], regimens: Regimen[], products: Map<string, Product>, zone: string): string {
  const row = rows.find((r) => r.id === id)
  const plan = row && regimens.find((r) => r.id === row.regimen_id)
  if (!row || !plan) return 'A dose'
  return `${productLabel(products.get(plan.product_id))} at ${localTime(row.due_at, zone)}`
}

function Summary({ doses }: { doses: Dose[] }) {
  const taken = doses.filter((d) => d.log?.status === 'taken').length
  const skipped = doses.filter((d) => d.log?.status === 'skipped').length
  if (doses.length === 0) return null
  const total = doses.length === 1 ? '1 dose' : `${doses.length} doses`
  const all = doses.length === 1 ? 'Today’s dose is taken. Well done.' : `All ${total} taken. Well done.`
  let words = taken === doses.length ? all : `${taken} of ${total} taken`
  if (taken < doses.length) words += skipped ? `, ${skipped} skipped.` : '.'
  return <p class="today-summary">{words}</p>
}

export function Today() {
  const zone = useZone()
  const now = useNow(15_000)
  const date = localDate(now, zone)
  const [from, to] = logWindow(date, zone)
  const regimens = useRows('regimens')
  const logs = useRows('intake_logs', [Q.where('taken_at', Q.between(from, to))], [from, to])
  const reminderRows = useRows('dose_reminders', [Q.where('due_at', Q.between(from, to))], [from, to])
  const asked = useStore(snoozes)
  const profile = useProfile() ?? null
  const products = useProductMap()
  const loaded = regimens !== null && logs !== null && reminderRows !== null
  useEffect(() => {
    if (loaded) firstScreenDrawn()
  }, [loaded])
  if (!loaded) {
    return (
      <Screen title="Today">
        <Loading />
      </Screen>
    )
  }
  const active = regimens.filter((r) => isActiveOn(r, date))
  const doses = dosesOn(active, logs, date, zone)
  const asNeeded = asNeededOn(active, date)
  const reminders: Reminders = { rows: reminderRows, asked, profile, zone: reminderZone(profile, zone) }
  // A refusal is said on its dose while the dose is open, else in a list of its own.
  const shown = new Set(doses.filter((d) => !d.log).map((d) => reminderOf(d.occurrence, reminderRows, reminders.zone)?.id))
  return (
    <Screen title="Today">
      <p class="today-date">{longDate(date)}</p>
      <MissedDoses />
      {regimens.length === 0 ? (
        <div class="today-empty card">
          <p>
            <strong>Welcome to your day.</strong> Add what you take — a supplement or a bone medicine — and each dose shows up here to tick off with one tap,
            offline too.
          </p>
          <a class="button button-primary" href="#/plan/new">
            Add your first plan
          </a>
        </div>
      ) : active.length === 0 ? (
        <Empty>
          None of your plans runs today. <a href="#/plan">See your plans</a> or <a href="#/plan/new">add a plan</a>.
        </Empty>
      ) : (
        <>
          <Summary doses={doses} />
          {doses.length === 0 ? (
            <Empty>No doses are due today.</Empty>
          ) : (
            <ul class="list doses" aria-label="Doses due today">
              {doses.map((dose) => (
                <DoseItem
                  key={`${dose.regimen.id}-${dose.occurrence.dueAt}`}
                  dose={dose}
                  product={products.get(dose.regimen.product_id)}
                  logs={logs}
                  date={date}
                  zone={zone}
                  now={now}
                  reminders={reminders}
                />
              ))}
            </ul>
          )}
          <RefusedSnoozes asked={asked.filter((s) => s.refused && !shown.has(s.reminder))} name={(id) => reminderName(id, reminderRows, regimens, products, reminders.zone)} />
          {asNeeded.length > 0 && (
            <section aria-labelledby="as-needed-title">
              <h2 id="as-needed-title">As needed</h2>
              <ul class="list">
                {asNeeded.map((regimen) => (
                  <AsNeededItem key={regimen.id} regimen={regimen} product={products.get(regimen.product_id)} logs={logs} date={date} zone={zone} now={now} />
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </Screen>
  )
}
