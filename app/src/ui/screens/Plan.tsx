// Plans (#/plan): the active ones with their schedule in words, ended ones folded away;
// #/plan/new adds one and #/plan/<id> edits one or ends it. All local, so it works offline.
import { useEffect, useRef, useState } from 'preact/hooks'

import { Q, remove, update } from '../../data/db'
import { dateWords, scheduleWords, servingsWords } from '../../domain/planForm'
import { productLabel } from '../../domain/products'
import type { Product, Regimen } from '../../domain/rows'
import { stockWords } from '../../domain/stock'
import { localDate } from '../../domain/time'
import { Empty, ErrorText, Loading, Notice, Screen, useAction } from '../components/blocks'
import { usePlanStock } from '../components/PlanReminders'
import { useNow, useProductMap, useProfile, useRows, useZone } from '../hooks'
import { navigate } from '../router'
import { YourDay } from './PlanDay'
import { PlanForm } from './PlanForm'
import './Plan.css'

// A word for the list after a change made on another route (saved, ended).
let flash: string | null = null

function leaveWith(message: string): void {
  flash = message
  navigate('plan')
}

function isEnded(regimen: Regimen, today: string): boolean {
  return regimen.end_date !== null && regimen.end_date <= today
}

function since(regimen: Regimen, today: string): string {
  if (regimen.end_date !== null && regimen.end_date <= today) {
    if (regimen.end_date === regimen.start_date) return `On ${dateWords(regimen.start_date)} only`
    return `${dateWords(regimen.start_date)} to ${dateWords(regimen.end_date)}`
  }
  const start = regimen.start_date > today ? `Starts ${dateWords(regimen.start_date)}` : `Since ${dateWords(regimen.start_date)}`
  return regimen.end_date ? `${start}, until ${dateWords(regimen.end_date)}` : start
}

function PlanItem({ regimen, product, today }: { regimen: Regimen; product: Product | undefined; today: string }) {
  const stock = usePlanStock(regimen)
  const reminded = regimen.remind && regimen.schedule_kind !== 'as_needed' && !isEnded(regimen, today)
  return (
    <li class="card plan-item" data-regimen={regimen.id}>
      <h3>
        <a href={`#/plan/${regimen.id}`}>{productLabel(product)}</a>
      </h3>
      <p class="plan-schedule">{scheduleWords(regimen)}</p>
      <p class="muted">
        {servingsWords(regimen, product)} · {since(regimen, today)}
      </p>
      {reminded && <p class="muted plan-reminded">Reminds you at each time</p>}
      {stock && !isEnded(regimen, today) && <p class="plan-stock-words">{stockWords(stock, product?.serving_unit ?? 'serving', regimen.refill_days || 7)}</p>}
      {regimen.note && <p class="plan-note">{regimen.note}</p>}
    </li>
  )
}

function byProduct(products: Map<string, Product>) {
  return (a: Regimen, b: Regimen) => productLabel(products.get(a.product_id)).localeCompare(productLabel(products.get(b.product_id)))
}

function PlanList() {
  const zone = useZone()
  const today = localDate(useNow(60_000), zone)
  const regimens = useRows('regimens')
  const products = useProductMap()
  const profile = useProfile()
  const [message] = useState(() => {
    const text = flash
    flash = null
    return text
  })
  const add = (
    <a class="button button-primary" href="#/plan/new">
      Add a plan
    </a>
  )
  if (regimens === null) return <Loading />
  const sorted = [...regimens].sort(byProduct(products))
  const active = sorted.filter((r) => !isEnded(r, today))
  const ended = sorted.filter((r) => isEnded(r, today))
  return (
    <Screen title="Plan" actions={add}>
      {message && <Notice>{message}</Notice>}
      {regimens.length === 0 ? (
        <Empty>No plans yet. A plan says what you take, how much and when; then Today lists each dose to tick off.</Empty>
      ) : (
        <>
          {active.length === 0 ? (
            <Empty>No active plans. Your ended plans and their history are below.</Empty>
          ) : (
            <ul class="list" aria-label="Active plans">
              {active.map((r) => (
                <PlanItem key={r.id} regimen={r} product={products.get(r.product_id)} today={today} />
              ))}
            </ul>
          )}
          {ended.length > 0 && (
            <details class="ended-plans">
              <summary>Ended plans ({ended.length})</summary>
              <ul class="list">
                {ended.map((r) => (
                  <PlanItem key={r.id} regimen={r} product={products.get(r.product_id)} today={today} />
                ))}
              </ul>
            </details>
          )}
          {active.length > 0 && <YourDay plans={{ regimens, products, profile, today }} />}
        </>
      )}
    </Screen>
  )
}

function BackLink() {
  return (
    <a class="back" href="#/plan">
      Back to plans
    </a>
  )
}

function NewPlan() {
  return (
    <Screen title="Add a plan" actions={<BackLink />}>
      <PlanForm onSaved={() => leaveWith('Plan saved. Its doses are on Today.')} />
    </Screen>
  )
}

function EndPlan({ regimen, today }: { regimen: Regimen; today: string }) {
  const [asking, setAsking] = useState(false)
  // The button pressed goes away; focus the safe answer of the question that replaces it.
  const keep = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (asking) keep.current?.focus()
  }, [asking])
  const notStarted = regimen.start_date > today
  const [end, busy, error] = useAction(async () => {
    // A plan that has not started has no history: removing it is the same as ending it (the
    // server ends a deleted plan and keeps its logs; docs/architecture.md#pushed-changes).
    if (notStarted) await remove('regimens', regimen.id)
    else await update('regimens', regimen.id, { end_date: today })
    leaveWith(notStarted ? 'Plan removed: it had not started yet.' : 'Plan ended today. Its history stays.')
  })
  return (
    <section class="end-plan" aria-labelledby="end-plan-title">
      <h2 id="end-plan-title">Stop taking it?</h2>
      {!asking ? (
        <>
          <p class="muted">Ending a plan keeps everything you logged; its doses stop from tomorrow.</p>
          <button type="button" class="button-danger" onClick={() => setAsking(true)}>
            End this plan
          </button>
        </>
      ) : (
        <div role="group" aria-labelledby="end-plan-question">
          <p id="end-plan-question">
            {notStarted ? 'This plan has not started yet, so it will be removed.' : `End this plan today, ${dateWords(today)}? Your logged doses stay.`}
          </p>
          <div class="actions">
            <button type="button" class="button-danger" disabled={busy} onClick={() => void end()}>
              Yes, end it
            </button>
            <button ref={keep} type="button" onClick={() => setAsking(false)}>
              Keep it
            </button>
          </div>
        </div>
      )}
      <ErrorText error={error} />
    </section>
  )
}

function EditPlan({ id }: { id: string }) {
  const zone = useZone()
  const today = localDate(useNow(60_000), zone)
  const rows = useRows('regimens', [Q.where('id', id)], [id])
  if (rows === null) return <Loading />
  const regimen = rows[0]
  if (!regimen) {
    return (
      <Screen title="Plan not found" actions={<BackLink />}>
        <Empty>This plan is not on this device. It may have been removed.</Empty>
      </Screen>
    )
  }
  const ended = isEnded(regimen, today)
  return (
    <Screen title="Edit plan" actions={<BackLink />}>
      {ended && <p class="notice plan-ended">This plan ended on {dateWords(regimen.end_date!)}.</p>}
      <p class="muted">A change to the schedule applies from today; earlier weeks keep the schedule they had.</p>
      <PlanForm key={regimen.id} regimen={regimen} onSaved={() => leaveWith('Plan saved.')} />
      {!ended && <EndPlan regimen={regimen} today={today} />}
    </Screen>
  )
}

export function Plan({ params }: { params: string[] }) {
  const [first] = params
  if (!first) return <PlanList />
  if (first === 'new') return <NewPlan />
  return <EditPlan id={first} />
}
