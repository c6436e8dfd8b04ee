// The plan form's reminders and stock: reminders at each time and the follow-up; the pack
// size, the refill notice, and a count of what is on hand or a refill, each saved as a stock
// entry (a history the server keeps; an entry is never changed, a new count corrects it).
// The stock so far, worked out on the phone, is said above them (domain/stock.ts).
import { Q } from '../../data/db'
import { FOLLOW_UP_MINUTES, REFILL_DAYS, type Errors, type PlanDraft, type PlanField } from '../../domain/planForm'
import type { Regimen } from '../../domain/rows'
import { firstCount, planStock, stockWords, type PlanStock } from '../../domain/stock'
import { Checkbox, Field } from './blocks'
import { useNow, useRows, useWithArchive, useZone } from '../hooks'

/** What the stock form holds besides the plan: a count and a refill to record on saving. */
export interface StockDraft {
  count: string
  refill: string
}

export type StockErrors = Partial<Record<keyof StockDraft, string>>

/** A plan's stock from the entries and doses on this phone, kept current; null until counted
 * (and while its doses load). */
export function usePlanStock(regimen: Regimen | undefined): PlanStock | null {
  const zone = useZone()
  const now = useNow(60_000)
  const id = regimen?.id ?? ''
  const events = useRows('stock_events', [Q.where('regimen_id', id)], [id]) ?? []
  const since = firstCount(events) ?? Number.MAX_SAFE_INTEGER
  const recent = useRows('intake_logs', [Q.where('regimen_id', id), Q.where('taken_at', Q.gt(since))], [id, since])
  // A count made months ago reaches doses the archive holds (data/history.ts).
  const logs = useWithArchive('intake_logs', recent, since)
  if (!regimen || logs === null) return null
  const taken = logs.filter((log) => log.regimen_id === id && log.taken_at > since)
  return planStock(regimen, events, taken, now, zone)
}

function inputValue(event: Event): string {
  return (event.currentTarget as HTMLInputElement).value
}

interface Props {
  draft: PlanDraft
  errors: Errors<PlanField>
  set: (part: Partial<PlanDraft>) => void
  stock: StockDraft
  stockErrors: StockErrors
  setStock: (part: Partial<StockDraft>) => void
  current: PlanStock | null
  unit: string
  defaultFollowUp: number
}

export function PlanReminders({ draft, errors, set, stock, stockErrors, setStock, current, unit, defaultFollowUp }: Props) {
  const units = unit === 'ml' ? 'ml' : `${unit}s`
  const pack = Number(draft.pack_size.replace(',', '.'))
  return (
    <>
      {draft.schedule_kind !== 'as_needed' && (
        <fieldset class="plan-reminders">
          <legend>Reminders</legend>
          <Checkbox label="Remind me at each time" checked={draft.remind} onChange={(on) => set({ remind: on })} />
          {draft.remind && (
            <Field
              label="Follow-up after (minutes)"
              type="number"
              inputMode="numeric"
              min={FOLLOW_UP_MINUTES[0]}
              max={FOLLOW_UP_MINUTES[1]}
              value={draft.follow_up_minutes}
              onInput={(e) => set({ follow_up_minutes: inputValue(e) })}
              error={errors.follow_up_minutes}
              hint={`Optional. Empty: your default from Settings (${defaultFollowUp} minutes).`}
            />
          )}
        </fieldset>
      )}
      <fieldset class="plan-stock">
        <legend>Stock</legend>
        <p class="hint plan-stock-now" role="status">
          {current ? stockWords(current, unit, Number(draft.refill_days) || 7) : 'Count what you have to see when it runs out.'}
        </p>
        <Field
          label={`Pack size (${units})`}
          inputMode="decimal"
          value={draft.pack_size}
          onInput={(e) => set({ pack_size: inputValue(e) })}
          error={errors.pack_size}
          hint="Optional."
        />
        <Field
          label={`On hand now (${units})`}
          inputMode="decimal"
          value={stock.count}
          onInput={(e) => setStock({ count: inputValue(e) })}
          error={stockErrors.count}
          hint="Optional: count them and Ossa keeps the tally as you log doses."
        />
        <Field
          label={`Refilled now (${units} added)`}
          inputMode="decimal"
          value={stock.refill}
          onInput={(e) => setStock({ refill: inputValue(e) })}
          error={stockErrors.refill}
          hint="Optional: what a new pack adds."
        />
        {pack > 0 && (
          <button type="button" class="button-link" onClick={() => setStock({ refill: draft.pack_size.replace(',', '.') })}>
            Add one pack ({draft.pack_size})
          </button>
        )}
        <Field
          label="Refill reminder (days before running out)"
          type="number"
          inputMode="numeric"
          min={REFILL_DAYS[0]}
          max={REFILL_DAYS[1]}
          value={draft.refill_days}
          onInput={(e) => set({ refill_days: inputValue(e) })}
          error={errors.refill_days}
        />
      </fieldset>
    </>
  )
}
