// The plan form (#/plan/new, #/plan/<id> and the first-run flow): a product from the cached
// catalogue or the member's own products, a schedule, servings, a start date, its reminders
// and its stock (components/PlanReminders.tsx). Saved to
// the local database (offline too); the rules in domain/planForm.ts keep it acceptable to the
// server. Typed values live in this component's state, so nothing is lost on an error or
// while adding an own product.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'

import { create, update } from '../../data/db'
import {
  checkPlan,
  checkProduct,
  checkStock,
  knowsReminderSettings,
  drugsFor,
  DRUG_CLASSES,
  newPlanDraft,
  newProductDraft,
  planDraftOf,
  PRODUCT_KINDS,
  RELEASES,
  SCHEDULE_KINDS,
  SERVING_UNITS,
  USUAL_SCHEDULES,
  WEEKDAYS,
  type Errors,
  type PlanDraft,
  type PlanField,
  type ProductDraft,
  type ProductField,
  type RegimenValues,
} from '../../domain/planForm'
import { about, confirmedCodes, findings, toConfirm, type Plans } from '../../domain/planning'
import { usualRefillDays } from '../../domain/profileForm'
import type { Finding } from '../../domain/planTypes'
import { productLabel } from '../../domain/products'
import type { Product, Regimen } from '../../domain/rows'
import { localDate } from '../../domain/time'
import { Checkbox, ErrorText, Field, Notice, SelectField, useAction } from '../components/blocks'
import { FindingList } from '../components/Findings'
import { PlanReminders, usePlanStock, type StockDraft, type StockErrors } from '../components/PlanReminders'
import { useProductMap, useProducts, useProfile, useRows, useZone } from '../hooks'
import './PlanForm.css'

const MAX_TIMES = 12
export const FIX_FIELDS = 'Some answers need a change: see the messages at the fields.'

/** Move focus to the first field marked invalid, so keyboard users land on the problem. */
function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
}

/** Errors without the fields just changed: a message goes once its field is edited. */
export function without<F extends string>(errors: Partial<Record<F, string>>, changed: object): Partial<Record<F, string>> {
  const left = { ...errors }
  for (const key of Object.keys(changed)) delete left[key as F]
  return left
}

function inputValue(event: Event): string {
  return (event.currentTarget as HTMLInputElement).value
}

function unitPlural(unit: string): string {
  return unit === 'ml' ? 'ml' : `${unit}s`
}

/** "Medicine (alendronate) · 70 mg per tablet", "Supplement · counted in capsules". */
function productDetails(product: Product): string {
  const kind = product.kind === 'medicine' ? 'Medicine' : 'Supplement'
  const drug = product.drug ? ` (${product.drug}${product.release === 'delayed' ? ', delayed release' : ''})` : ''
  const amount = product.strength_mg !== null ? `${product.strength_mg} mg per ${product.serving_unit}` : `counted in ${unitPlural(product.serving_unit)}`
  return `${kind}${drug} · ${amount}`
}

interface PickerProps {
  products: Product[]
  value: string
  onChange: (id: string) => void
  error?: string
  onAddOwn: () => void
}

function ProductPicker({ products, value, onChange, error, onAddOwn }: PickerProps) {
  const own = useRows('products') ?? []
  const [search, setSearch] = useState('')
  const ownIds = useMemo(() => new Set(own.map((p) => p.id)), [own])
  const needle = search.trim().toLowerCase()
  const shown = products.filter((p) => p.id === value || !needle || productLabel(p).toLowerCase().includes(needle))
  const mine = shown.filter((p) => ownIds.has(p.id))
  const shared = shown.filter((p) => !ownIds.has(p.id))
  const chosen = products.find((p) => p.id === value)
  const matches = shown.filter((p) => p.id !== value).length
  return (
    <div class="product-picker">
      <Field
        label="Search products"
        type="search"
        value={search}
        onInput={(e) => setSearch(inputValue(e))}
        hint={needle ? `${matches} ${matches === 1 ? 'product matches' : 'products match'}.` : 'Type part of a name or brand to shorten the list.'}
        autoComplete="off"
      />
      <div class="field">
        <label for="plan-product">Product</label>
        <select
          id="plan-product"
          value={value}
          onChange={(e) => onChange(inputValue(e))}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'plan-product-error' : chosen ? 'plan-product-details' : undefined}
        >
          <option value="">Choose a product…</option>
          {mine.length > 0 && (
            <optgroup label="Your products">
              {mine.map((p) => (
                <option key={p.id} value={p.id}>
                  {productLabel(p)}
                </option>
              ))}
            </optgroup>
          )}
          {shared.length > 0 && (
            <optgroup label="Catalogue">
              {shared.map((p) => (
                <option key={p.id} value={p.id}>
                  {productLabel(p)}
                </option>
              ))}
            </optgroup>
          )}
        </select>
        {chosen && (
          <small id="plan-product-details" class="hint">
            {productDetails(chosen)}
          </small>
        )}
        {error && (
          <small id="plan-product-error" class="field-error">
            {error}
          </small>
        )}
      </div>
      {products.length === 0 && <p class="muted">The catalogue is downloaded the first time you are online. Meanwhile you can add your own product.</p>}
      <button type="button" class="button-link product-picker-add" onClick={onAddOwn}>
        Add your own product
      </button>
    </div>
  )
}

function TimesField({ times, onChange, error }: { times: string[]; onChange: (times: string[]) => void; error?: string }) {
  const add = () => onChange([...times, times.includes('20:00') ? '' : '20:00'])
  const set = (index: number, time: string) => onChange(times.map((t, i) => (i === index ? time : t)))
  const drop = (index: number) => onChange(times.filter((_, i) => i !== index))
  return (
    <fieldset class="times" aria-describedby={error ? 'plan-times-error' : undefined}>
      <legend>Times</legend>
      {times.map((time, index) => (
        <div class="times-row" key={index}>
          <label for={`plan-time-${index}`}>Time {index + 1}</label>
          <input id={`plan-time-${index}`} type="time" value={time} onInput={(e) => set(index, inputValue(e))} aria-invalid={error ? true : undefined} />
          {times.length > 1 && (
            <button type="button" class="button-link" aria-label={`Remove time ${index + 1}`} onClick={() => drop(index)}>
              Remove
            </button>
          )}
        </div>
      ))}
      {times.length < MAX_TIMES && (
        <button type="button" onClick={add}>
          Add a time
        </button>
      )}
      {error && (
        <small id="plan-times-error" class="field-error">
          {error}
        </small>
      )}
    </fieldset>
  )
}

function WeekdaysField({ days, onChange, error }: { days: number[]; onChange: (days: number[]) => void; error?: string }) {
  const toggle = (day: number, on: boolean) => onChange(on ? [...days, day] : days.filter((d) => d !== day))
  return (
    <fieldset class="weekdays" aria-describedby={error ? 'plan-weekdays-error' : undefined}>
      <legend>Weekdays</legend>
      <div class="weekday-grid">
        {WEEKDAYS.map(([day, name]) => (
          <Checkbox key={day} id={`plan-weekday-${day}`} label={name} checked={days.includes(day)} onChange={(on) => toggle(day, on)} />
        ))}
      </div>
      {error && (
        <small id="plan-weekdays-error" class="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  )
}

function OwnProductForm({ onSaved, onCancel }: { onSaved: (product: Product) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<ProductDraft>(newProductDraft)
  const [errors, setErrors] = useState<Errors<ProductField>>({})
  const form = useRef<HTMLFormElement>(null)
  const [save, busy, error, setError] = useAction(async () => {
    const checked = checkProduct(draft)
    if (!checked.ok) {
      setErrors(checked.errors)
      focusFirstInvalid(form.current)
      throw new Error(FIX_FIELDS)
    }
    setErrors({})
    onSaved(await create('products', checked.values))
  })
  const set = (part: Partial<ProductDraft>) => {
    setDraft((d) => ({ ...d, ...part }))
    setErrors((e) => without(e, part))
    if (error === FIX_FIELDS) setError(null)
  }
  const medicine = draft.kind === 'medicine'
  const chooseClass = (drugClass: string) => {
    const fits = drugsFor(drugClass).some(([value]) => value === draft.drug)
    set({ drug_class: drugClass, drug: fits ? draft.drug : '' })
  }
  // Choices that cannot be wrong in this form still get their message shown, just in case.
  const selectProblem = errors.kind || errors.serving_unit || errors.drug_class || errors.drug || errors.release || errors.usual_schedule
  return (
    <form
      ref={form}
      class="card own-product"
      noValidate
      aria-labelledby="own-product-title"
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      <h2 id="own-product-title">Add your own product</h2>
      <Field label="Name" value={draft.name} onInput={(e) => set({ name: inputValue(e) })} error={errors.name} maxLength={120} autoComplete="off" />
      <Field label="Brand" value={draft.brand} onInput={(e) => set({ brand: inputValue(e) })} error={errors.brand} maxLength={80} autoComplete="off" hint="Optional." />
      <SelectField label="Kind" options={PRODUCT_KINDS} value={draft.kind} onChange={(e) => set({ kind: inputValue(e) as Product['kind'] })} />
      <SelectField label="Serving unit" options={SERVING_UNITS} value={draft.serving_unit} onChange={(e) => set({ serving_unit: inputValue(e) })} hint="What one serving is: one tablet, one capsule, one ml…" />
      <Field
        label="Strength (mg)"
        inputMode="decimal"
        value={draft.strength_mg}
        onInput={(e) => set({ strength_mg: inputValue(e) })}
        error={errors.strength_mg}
        hint="Optional: the active substance per serving, as on the pack."
      />
      {medicine && (
        <>
          <SelectField label="Drug class" options={DRUG_CLASSES} value={draft.drug_class} onChange={(e) => chooseClass(inputValue(e))} />
          <SelectField label="Drug" options={drugsFor(draft.drug_class)} value={draft.drug} onChange={(e) => set({ drug: inputValue(e) })} />
          <SelectField
            label="Release"
            options={RELEASES}
            value={draft.release}
            onChange={(e) => set({ release: inputValue(e) })}
            hint="Delayed-release tablets say so on the pack (for example risedronate taken after breakfast)."
          />
          <SelectField
            label="The label says it is taken"
            options={USUAL_SCHEDULES}
            value={draft.usual_schedule}
            onChange={(e) => set({ usual_schedule: inputValue(e) })}
            hint="As the pack or leaflet says; Ossa checks a plan against it."
          />
        </>
      )}
      <ErrorText error={selectProblem || error} />
      <div class="actions">
        <button type="submit" class="button-primary" disabled={busy}>
          Save product
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}

type StockValues = { kind: 'count' | 'refill'; servings: number }[]

/** The stock entries the form asks for, checked as the server will (0 to 9,999 servings). */
function stockEntries(stock: StockDraft, enabled: boolean): { ok: true; values: StockValues } | { ok: false; errors: StockErrors } {
  if (!enabled) return { ok: true, values: [] }
  const errors: StockErrors = {}
  const values: StockValues = []
  for (const [field, kind, what] of [
    ['count', 'count', 'the count'],
    ['refill', 'refill', 'the refill'],
  ] as const) {
    if (stock[field].trim() === '') continue
    const found = checkStock(stock[field], what)
    if ('error' in found) errors[field] = found.error
    else values.push({ kind, servings: found.value })
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values }
}

/** Record the count, then the refill on top of it (a millisecond later, so it counts after). */
async function recordStock(regimenId: string, entries: StockValues): Promise<void> {
  const now = Date.now()
  for (const [index, entry] of entries.entries()) {
    await create('stock_events', { regimen_id: regimenId, ...entry, at: now + index, note: '' })
  }
}

export interface PlanFormProps {
  /** The plan being edited; a new plan when absent. */
  regimen?: Regimen
  onSaved: (regimen: Regimen) => void
}

/** The plan as it would be saved: the stored plan (or a new one under `id`) with the form's
 * values. */
function candidateOf(regimen: Regimen | undefined, id: string, values: RegimenValues): Regimen {
  return {
    id,
    end_date: null,
    confirmed_findings: '[]',
    remind: false,
    follow_up_minutes: null,
    pack_size: null,
    refill_days: 7,
    created_at: 0,
    updated_at: 0,
    ...regimen,
    ...values,
  }
}

/** The confirmed_findings to write: the stored codes and the ones just confirmed. A plan
 * still holding the upgrade's placeholder ("") keeps it when nothing is added, so the
 * server's list is not replaced by an empty one before the device has pulled it. */
function confirmedValue(regimen: Regimen | undefined, codes: string[]): { confirmed_findings?: string } {
  const stored = confirmedCodes(regimen)
  if (regimen && codes.every((code) => stored.includes(code))) return {}
  return { confirmed_findings: JSON.stringify([...new Set([...stored, ...codes])]) }
}

/** The member's plans, products, usual day and today, as the checks take them. */
function usePlans(): Plans | null {
  const zone = useZone()
  const regimens = useRows('regimens')
  const products = useProductMap()
  const profile = useProfile()
  const today = localDate(Date.now(), zone)
  return useMemo(() => (regimens === null ? null : { regimens, products, profile, today }), [regimens, products, profile, today])
}

/** Before saving: the critical findings to confirm, each in its own words with its source.
 * Confirming saves the plan with their codes in confirmed_findings. */
function ConfirmFindings({ asking, busy, onConfirm, onBack }: { asking: Finding[]; busy: boolean; onConfirm: () => void; onBack: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [asking])
  return (
    <section class="card plan-confirm" aria-labelledby="plan-confirm-title">
      <h2 id="plan-confirm-title" ref={heading} tabIndex={-1}>
        Please confirm before saving
      </h2>
      <p>
        Ossa compared this plan with what the label says. It cannot see your prescription: if the plan is what you were prescribed, save it as it is. Ossa informs; it does
        not prescribe.
      </p>
      <FindingList findings={asking} label="To confirm" />
      <div class="actions">
        <button type="button" class="button-primary" disabled={busy} onClick={onConfirm}>
          Confirm and save
        </button>
        <button type="button" disabled={busy} onClick={onBack}>
          Back to the form
        </button>
      </div>
    </section>
  )
}

export function PlanForm({ regimen, onSaved }: PlanFormProps) {
  const zone = useZone()
  const products = useProducts()
  const plans = usePlans()
  const [draft, setDraft] = useState<PlanDraft>(() => (regimen ? planDraftOf(regimen) : newPlanDraft(localDate(Date.now(), zone))))
  const [errors, setErrors] = useState<Errors<PlanField>>({})
  const [stock, setStockDraft] = useState<StockDraft>({ count: '', refill: '' })
  const [stockErrors, setStockErrors] = useState<StockErrors>({})
  const current = usePlanStock(regimen)
  const profile = useProfile()
  const withReminders = knowsReminderSettings(regimen)
  // A new plan starts with the refill notice the other plans have, and reminders on for a
  // medicine, until the member sets them.
  const touched = useRef(new Set<string>())
  const [addingProduct, setAddingProduct] = useState(false)
  const [added, setAdded] = useState<string | null>(null)
  const [asking, setAsking] = useState<Finding[] | null>(null)
  // A new plan is checked under the id it will be saved with: the findings name it.
  const [id] = useState(() => regimen?.id ?? crypto.randomUUID())
  const form = useRef<HTMLFormElement>(null)

  // What Ossa notices about the plan as typed (warnings and information do not block).
  const notes = useMemo(() => {
    const checked = checkPlan(draft, regimen?.end_date ?? null)
    if (!plans || !checked.ok) return []
    return about(id, findings(plans, candidateOf(regimen, id, checked.values)))
  }, [draft, plans, regimen, id])

  useEffect(() => {
    if (!regimen && plans && !touched.current.has('refill_days')) setDraft((d) => ({ ...d, refill_days: String(usualRefillDays(plans.regimens)) }))
  }, [plans === null])

  const [save, busy, error, setError] = useAction(async (confirmed: Finding[] = []) => {
    const checked = checkPlan(draft, regimen?.end_date ?? null, withReminders)
    const entries = stockEntries(stock, withReminders)
    if (!checked.ok || !entries.ok) {
      setErrors(checked.ok ? {} : checked.errors)
      setStockErrors(entries.ok ? {} : entries.errors)
      focusFirstInvalid(form.current)
      throw new Error(FIX_FIELDS)
    }
    setErrors({})
    setStockErrors({})
    const codes = confirmed.map((f) => f.code)
    const confirmation = confirmedValue(regimen, codes)
    const candidate = { ...candidateOf(regimen, id, checked.values), ...confirmation }
    const needed = plans ? toConfirm(plans, candidate) : []
    if (needed.length) {
      setAsking(needed)
      return
    }
    setAsking(null)
    const values = { ...checked.values, ...confirmation }
    const saved = regimen ? await update('regimens', regimen.id, values) : await create('regimens', { end_date: null, confirmed_findings: '[]', ...values }, undefined, id)
    await recordStock(saved.id, entries.values)
    onSaved(saved)
  })
  // What is to be confirmed shows once, in the question below.
  const shownNotes = asking ? notes.filter((f) => !asking.some((a) => a.code === f.code && a.subject === f.subject)) : notes
  const set = (part: Partial<PlanDraft>) => {
    for (const field of Object.keys(part)) touched.current.add(field)
    setDraft((d) => ({ ...d, ...part }))
    setErrors((e) => without(e, part))
    setAsking(null)
    if (error === FIX_FIELDS) setError(null)
  }

  // Reminders are on by default for medicines (the server's default), a choice otherwise,
  // until the member sets them.
  const chooseProduct = (productId: string, chosen: Product | undefined) => {
    set({ product_id: productId })
    if (!touched.current.has('remind')) setDraft((d) => ({ ...d, remind: chosen?.kind === 'medicine' }))
  }

  // Back from the own-product form: put focus back where the person was.
  useEffect(() => {
    if (!addingProduct && added) document.getElementById('plan-product')?.focus()
  }, [addingProduct, added])

  if (addingProduct) {
    return (
      <OwnProductForm
        onCancel={() => setAddingProduct(false)}
        onSaved={(product) => {
          chooseProduct(product.id, product)
          setAdded(productLabel(product))
          setAddingProduct(false)
        }}
      />
    )
  }

  const product = products.find((p) => p.id === draft.product_id)
  const kind = draft.schedule_kind
  const setStock = (part: Partial<StockDraft>) => {
    setStockDraft((d) => ({ ...d, ...part }))
    setStockErrors((e) => without(e, part))
    if (error === FIX_FIELDS) setError(null)
  }
  const unit = product?.serving_unit
  return (
    <form
      ref={form}
      class="plan-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      {added && <Notice>{added} was added to your products.</Notice>}
      {regimen ? (
        <div class="field">
          <span class="plan-form-label">Product</span>
          <strong>{productLabel(product)}</strong>
          <small class="hint">To switch to another product, end this plan and add a new one: the history of this one stays.</small>
        </div>
      ) : (
        <ProductPicker products={products} value={draft.product_id} onChange={(id) => chooseProduct(id, products.find((p) => p.id === id))} error={errors.product_id} onAddOwn={() => setAddingProduct(true)} />
      )}
      <SelectField
        label="Schedule"
        options={SCHEDULE_KINDS}
        value={kind}
        onChange={(e) => set({ schedule_kind: inputValue(e) as PlanDraft['schedule_kind'] })}
        hint={kind === 'as_needed' ? 'No set times: you log a dose whenever you take one.' : undefined}
      />
      {kind === 'weekdays' && <WeekdaysField days={draft.weekdays} onChange={(weekdays) => set({ weekdays })} error={errors.weekdays} />}
      {kind === 'monthly' && (
        <Field
          label="Day of month"
          type="number"
          inputMode="numeric"
          min={1}
          max={31}
          value={draft.day_of_month}
          onInput={(e) => set({ day_of_month: inputValue(e) })}
          error={errors.day_of_month}
          hint="In shorter months a later day falls on the month’s last day."
        />
      )}
      {kind === 'interval' && (
        <Field
          label="Every how many days"
          type="number"
          inputMode="numeric"
          min={2}
          max={365}
          value={draft.interval_days}
          onInput={(e) => set({ interval_days: inputValue(e) })}
          error={errors.interval_days}
          hint="Counted from the start date."
        />
      )}
      {kind !== 'as_needed' && <TimesField times={draft.times} onChange={(times) => set({ times })} error={errors.times} />}
      <Field
        label="Servings per dose"
        inputMode="decimal"
        value={draft.servings_per_dose}
        onInput={(e) => set({ servings_per_dose: inputValue(e) })}
        error={errors.servings_per_dose}
        hint={unit ? `How many ${unitPlural(unit)} each time, like 1 or 0.5.` : 'Like 1 or 0.5.'}
      />
      <Field label="Start date" type="date" value={draft.start_date} onInput={(e) => set({ start_date: inputValue(e) })} error={errors.start_date} />
      <div class="field">
        <label for="plan-note">Note</label>
        <textarea
          id="plan-note"
          rows={2}
          value={draft.note}
          onInput={(e) => set({ note: (e.currentTarget as HTMLTextAreaElement).value })}
          aria-invalid={errors.note ? true : undefined}
          aria-describedby={errors.note ? 'plan-note-error' : 'plan-note-hint'}
        />
        <small id="plan-note-hint" class="hint">
          Optional, for yourself: like “with breakfast”.
        </small>
        {errors.note && (
          <small id="plan-note-error" class="field-error">
            {errors.note}
          </small>
        )}
      </div>
      {withReminders ? (
        <PlanReminders
          draft={draft}
          errors={errors}
          set={set}
          stock={stock}
          stockErrors={stockErrors}
          setStock={setStock}
          current={current}
          unit={unit ?? 'serving'}
          defaultFollowUp={profile?.follow_up_minutes || 30}
        />
      ) : (
        <p class="hint">This plan’s reminder and stock settings arrive with the next sync; then you can change them here.</p>
      )}
      {shownNotes.length > 0 && (
        <section class="plan-notes" aria-labelledby="plan-notes-title">
          <h2 id="plan-notes-title">What Ossa notices about this plan</h2>
          <FindingList findings={shownNotes} label="What Ossa notices" />
        </section>
      )}
      <ErrorText error={error} />
      {asking ? (
        <ConfirmFindings
          asking={asking}
          busy={busy}
          onConfirm={() => void save(asking)}
          onBack={() => {
            setAsking(null)
            requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('select, input')?.focus())
          }}
        />
      ) : (
        <div class="actions">
          <button type="submit" class="button-primary" disabled={busy}>
            Save plan
          </button>
        </div>
      )}
    </form>
  )
}
