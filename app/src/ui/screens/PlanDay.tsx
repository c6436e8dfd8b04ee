// The Plan screen's "Your day": today's doses as the plans have them, and the day Ossa's day
// planner suggests from the labels, the fact sheets and the member's usual day, each dose
// with why and its source; the rules no time can meet, with the compromise; and one "Use
// this day" that gives the plans the suggested times and servings. All on this device
// (domain/planning.ts), offline too: the changed plans sync as any edit does, and the server
// keeps their schedule history.
import { useEffect, useRef, useState } from 'preact/hooks'

import { update } from '../../data/db'
import type { Change, DayPlan, Moment, Why } from '../../domain/dayPlanner'
import { servingsText } from '../../domain/doses'
import { joinWords } from '../../domain/planForm'
import { appliedRows, confirmedCodes, currentDay, dayPlan, findings, toConfirm, type PlannedMoment, type Plans } from '../../domain/planning'
import type { Finding } from '../../domain/planTypes'
import { sourceNames } from '../../domain/sources'
import { longDate } from '../../domain/time'
import { ErrorText, Notice, useAction } from '../components/blocks'
import { FindingList } from '../components/Findings'
import './PlanDay.css'

function amount(plans: Plans, regimenId: string, servings: number): string {
  const regimen = plans.regimens.find((r) => r.id === regimenId)
  const unit = plans.products.get(regimen?.product_id ?? '')?.serving_unit ?? 'serving'
  return servingsText(servings, unit)
}

function WhyLine({ why }: { why: Why }) {
  return (
    <li>
      {why.text}{' '}
      <span class="day-why-source">{why.source ? `Source: ${sourceNames(why.source).join('; ')}.` : 'Ossa’s own suggestion.'}</span>
    </li>
  )
}

function Moments({ moments, plans, label }: { moments: (Moment | PlannedMoment)[]; plans: Plans; label: string }) {
  if (!moments.length) return <p class="muted">No doses today.</p>
  return (
    <ol class="list day-moments" aria-label={label}>
      {moments.map((moment) => (
        <li key={moment.at} class="day-moment" data-at={moment.at}>
          <h4 class="day-moment-when">
            <span class="day-moment-time">{moment.at}</span>
            {moment.label !== moment.at && <span class="day-moment-label">{moment.label}</span>}
          </h4>
          <ul class="list">
            {moment.doses.map((dose) => (
              <li key={dose.regimen_id} class="day-dose" data-regimen={dose.regimen_id} data-servings={dose.servings}>
                <strong>{dose.product}</strong> <span class="muted">{amount(plans, dose.regimen_id, dose.servings)}</span>
                {'why' in dose && (
                  <ul class="day-why" aria-label={`Why, for ${dose.product}`}>
                    {dose.why.map((why, i) => (
                      <WhyLine key={i} why={why} />
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  )
}

function changeWords(change: Change, plans: Plans): string {
  const times = change.times.join(', ') === change.current_times.join(', ') ? `at ${joinWords(change.times)}` : `at ${joinWords(change.times)} instead of ${joinWords(change.current_times)}`
  const servings =
    change.servings_per_dose === change.current_servings_per_dose
      ? ''
      : `, ${amount(plans, change.regimen_id, change.servings_per_dose)} each time instead of ${amount(plans, change.regimen_id, change.current_servings_per_dose)}`
  return `${times}${servings}`
}

/** The critical findings the suggested times would bring that nobody confirmed (the server
 * checks each changed plan in turn, as an edit). */
function toConfirmWhenApplied(plans: Plans, suggestion: DayPlan): Finding[] {
  const needed: Finding[] = []
  let state = plans
  for (const row of appliedRows(plans, suggestion)) {
    if (!suggestion.changes.some((c) => c.regimen_id === row.id)) continue
    needed.push(...toConfirm(state, row))
    state = { ...state, regimens: state.regimens.map((r) => (r.id === row.id ? row : r)) }
  }
  return needed
}

export function YourDay({ plans }: { plans: Plans }) {
  const suggestion = dayPlan(plans)
  const planned = currentDay(plans)
  const found = findings(plans)
  const [asking, setAsking] = useState<Finding[] | null>(null)
  const [done, setDone] = useState(false)
  const confirmHeading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (asking) confirmHeading.current?.focus()
  }, [asking])

  const [use, busy, error] = useAction(async (confirmed: Finding[] = []) => {
    const needed = toConfirmWhenApplied(plans, suggestion).filter((f) => !confirmed.some((c) => c.code === f.code && c.subject === f.subject))
    if (needed.length) {
      setAsking(needed)
      return
    }
    setAsking(null)
    for (const change of suggestion.changes) {
      const regimen = plans.regimens.find((r) => r.id === change.regimen_id)
      const codes = confirmed.filter((f) => f.subject === change.regimen_id).map((f) => f.code)
      const extra = codes.length ? { confirmed_findings: JSON.stringify([...new Set([...confirmedCodes(regimen), ...codes])]) } : {}
      await update('regimens', change.regimen_id, { times: JSON.stringify(change.times), servings_per_dose: change.servings_per_dose, ...extra })
    }
    setDone(true)
  })

  return (
    <section class="day-plan" aria-labelledby="day-plan-title">
      <h2 id="day-plan-title">Your day</h2>
      <p class="muted">
        {longDate(plans.today)}: your plans as they are, and the day Ossa suggests from the labels, the fact sheets and your usual day (
        <a href="#/settings">Settings → Your usual day</a>). Ossa informs; it does not prescribe.
      </p>
      <div class="day-plan-columns">
        <section class="card day-plan-column" aria-labelledby="day-now-title">
          <h3 id="day-now-title">As planned</h3>
          <Moments moments={planned} plans={plans} label="Today as planned" />
          {found.length > 0 ? (
            <>
              <h4 class="day-plan-subtitle">What Ossa notices</h4>
              <FindingList findings={found} label="What Ossa notices about your plans" level={4} />
            </>
          ) : (
            <p class="muted">Ossa notices nothing about these times.</p>
          )}
        </section>
        <section class="card day-plan-column day-plan-suggested" aria-labelledby="day-suggested-title">
          <h3 id="day-suggested-title">Suggested by Ossa</h3>
          <Moments moments={suggestion.moments} plans={plans} label="Today as suggested" />
          {suggestion.unmet.length > 0 && (
            <>
              <h4 class="day-plan-subtitle">What this day cannot meet</h4>
              <ul class="list day-unmet" aria-label="Rules the suggested day cannot meet">
                {suggestion.unmet.map((unmet, i) => (
                  <li key={i} class="day-unmet-item" data-rule={unmet.rule}>
                    <p>{unmet.explanation}</p>
                    <p>
                      <strong>Compromise:</strong> {unmet.compromise}
                    </p>
                    <p class="day-why-source">Source: {sourceNames(unmet.source).join('; ')}.</p>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
      <section class="card day-plan-changes" aria-labelledby="day-changes-title">
        <h3 id="day-changes-title">{suggestion.changes.length ? 'What “Use this day” changes' : 'Nothing to change'}</h3>
        {suggestion.changes.length ? (
          <>
            <ul class="day-changes" aria-label="Changes to your plans">
              {suggestion.changes.map((change) => (
                <li key={change.regimen_id} data-regimen={change.regimen_id}>
                  <strong>{change.product}</strong> {changeWords(change, plans)}
                </li>
              ))}
            </ul>
            <p class="muted">The plans change from today; earlier weeks keep the schedule they had. Works offline too: the change is sent with the next sync.</p>
            {asking ? (
              <div class="plan-confirm-inline" role="group" aria-labelledby="day-confirm-title">
                <h4 id="day-confirm-title" ref={confirmHeading} tabIndex={-1}>
                  Please confirm before the plans change
                </h4>
                <FindingList findings={asking} label="To confirm" level={4} />
                <div class="actions">
                  <button type="button" class="button-primary" disabled={busy} onClick={() => void use(asking)}>
                    Confirm and use this day
                  </button>
                  <button type="button" disabled={busy} onClick={() => setAsking(null)}>
                    Keep my plans as they are
                  </button>
                </div>
              </div>
            ) : (
              <button type="button" class="button-primary" disabled={busy} onClick={() => void use()}>
                Use this day
              </button>
            )}
          </>
        ) : (
          <p>Your plans already follow the suggested day.</p>
        )}
        {done && suggestion.changes.length === 0 && <Notice>Done: your plans follow this day now. They reach the server with the next sync.</Notice>}
        <ErrorText error={error} />
      </section>
    </section>
  )
}
