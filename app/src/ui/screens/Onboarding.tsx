// First run (#/welcome, then #/welcome/plan): "About you" and "Your plan", each skippable.
// Everything is saved locally (offline too) and synced later. App.tsx sends a member here
// while needsOnboarding(profile) holds (firstRun.ts).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'

import { update } from '../../data/db'
import { scheduleWords } from '../../domain/planForm'
import { productLabel } from '../../domain/products'
import {
  checkFirstRun,
  firstRunDraft,
  MENOPAUSE_STATUSES,
  SEXES,
  showsFinalPeriod,
  showsMenopause,
  showsPregnancy,
  WEEKDAYS,
  zoneChoices,
  type Errors,
  type FirstRunDraft,
} from '../../domain/profileForm'
import type { Profile, Regimen } from '../../domain/rows'
import { deviceZone, localDate } from '../../domain/time'
import { Checkbox, ErrorText, Field, Loading, Screen, SelectField, useAction } from '../components/blocks'
import { markOnboarded as markDone } from '../firstRun'
import { useProductMap, useProfile } from '../hooks'
import { navigate, useRoute } from '../router'
import { FIX_FIELDS, PlanForm, without } from './PlanForm'
import './Onboarding.css'

function Steps({ current }: { current: 1 | 2 }) {
  const steps = ['About you', 'Your plan']
  return (
    <ol class="steps" aria-label="Steps">
      {steps.map((name, index) => {
        const number = index + 1
        const state = number === current ? 'step step-current' : number < current ? 'step step-done' : 'step'
        return (
          <li key={name} class={state} aria-current={number === current ? 'step' : undefined}>
            {number} {name}
          </li>
        )
      })}
    </ol>
  )
}

function inputValue(event: Event): string {
  return (event.currentTarget as HTMLInputElement).value
}

function AboutYou({ profile }: { profile: Profile }) {
  const zone = useMemo(() => deviceZone(), [])
  const zones = useMemo(() => zoneChoices(zone), [zone])
  const [draft, setDraft] = useState<FirstRunDraft>(() => firstRunDraft(profile, zone))
  const [errors, setErrors] = useState<Errors<FirstRunDraft>>({})
  const form = useRef<HTMLFormElement>(null)
  const today = localDate(Date.now(), draft.timezone || zone)

  const [save, busy, error, setError] = useAction(async () => {
    const checked = checkFirstRun(draft, today)
    if (!checked.ok) {
      setErrors(checked.errors)
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
      throw new Error(FIX_FIELDS)
    }
    setErrors({})
    await update('profiles', profile.id, checked.values)
    navigate('welcome/plan')
  })
  const set = (part: Partial<FirstRunDraft>) => {
    setDraft((d) => ({ ...d, ...part }))
    setErrors((e) => without(e, part))
    if (error === FIX_FIELDS) setError(null)
  }
  const skip = () => {
    markDone(profile)
    navigate('welcome/plan')
  }

  return (
    <Screen title="About you">
      <Steps current={1} />
      <p>Ossa compares what you take with the reference intakes for your age and sex, and counts your days in your time zone.</p>
      <form
        ref={form}
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <Field
          label="Date of birth"
          type="date"
          max={today}
          value={draft.date_of_birth}
          onInput={(e) => set({ date_of_birth: inputValue(e) })}
          error={errors.date_of_birth}
          autoComplete="bday"
        />
        <SelectField label="Sex" options={SEXES} value={draft.sex} onChange={(e) => set({ sex: inputValue(e) })} hint="Reference intakes differ for women and men." />
        {showsMenopause(draft.sex) && (
          <SelectField label="Menopause" options={MENOPAUSE_STATUSES} value={draft.menopause_status} onChange={(e) => set({ menopause_status: inputValue(e) })} hint="Bone loss speeds up after menopause." />
        )}
        {showsFinalPeriod(draft) && (
          <Field
            label="Date of your final period (optional)"
            type="date"
            max={today}
            value={draft.final_period_date}
            onInput={(e) => set({ final_period_date: inputValue(e) })}
            error={errors.final_period_date}
            hint="An estimate is fine."
          />
        )}
        {showsPregnancy(draft) && (
          <fieldset>
            <legend>Right now</legend>
            <Checkbox label="I am pregnant" checked={draft.pregnant} onChange={(pregnant) => set({ pregnant })} />
            <Checkbox label="I am breastfeeding" checked={draft.lactating} onChange={(lactating) => set({ lactating })} />
          </fieldset>
        )}
        <div class="field">
          <label for="about-zone">Time zone</label>
          <select id="about-zone" value={draft.timezone} onChange={(e) => set({ timezone: inputValue(e) })} aria-invalid={errors.timezone ? true : undefined} aria-describedby="about-zone-hint">
            {zones.map((name) => (
              <option key={name} value={name}>
                {name.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
          <small id="about-zone-hint" class="hint">
            {draft.timezone === zone ? 'Taken from this device.' : `This device is set to ${zone.replace(/_/g, ' ')}.`} Your days and reminders follow it.
          </small>
          {errors.timezone && <small class="field-error">{errors.timezone}</small>}
        </div>
        <fieldset>
          <legend>Weekly summary</legend>
          <p class="hint">Once a week Ossa sums up how your week went.</p>
          <SelectField label="Summary day" options={WEEKDAYS} value={draft.reminder_weekday} onChange={(e) => set({ reminder_weekday: inputValue(e) })} />
          <Field label="Summary time" type="time" value={draft.reminder_time} onInput={(e) => set({ reminder_time: inputValue(e) })} error={errors.reminder_time} />
        </fieldset>
        <ErrorText error={error} />
        <div class="actions">
          <button type="submit" class="button-primary" disabled={busy}>
            Save and continue
          </button>
          <button type="button" onClick={skip}>
            Skip for now
          </button>
        </div>
      </form>
    </Screen>
  )
}

function YourPlan({ profile }: { profile: Profile }) {
  const [added, setAdded] = useState<Regimen[]>([])
  const products = useProductMap()
  // After a save the form starts afresh; tell where the saved plan went.
  useEffect(() => {
    if (added.length) document.getElementById('added-title')?.focus()
  }, [added.length])
  const finish = () => {
    markDone(profile)
    navigate('today')
  }
  return (
    <Screen title="Your plan">
      <Steps current={2} />
      <p>Add what you take: supplements and bone medicines. You can add more, or change them, later under More → Plan.</p>
      {added.length > 0 && (
        <section class="card added-plans" aria-labelledby="added-title">
          <h2 id="added-title" tabIndex={-1}>
            Added
          </h2>
          <ul>
            {added.map((r) => (
              <li key={r.id}>
                <strong>{productLabel(products.get(r.product_id))}</strong> — {scheduleWords(r)}
              </li>
            ))}
          </ul>
          <p class="muted">Add another below, or finish with “Done”.</p>
        </section>
      )}
      {/* A fresh form after each save, for the next plan. */}
      <PlanForm key={added.length} onSaved={(regimen) => setAdded((list) => [...list, regimen])} />
      <div class="actions onboarding-finish">
        {added.length > 0 ? (
          <button type="button" class="button-primary" onClick={finish}>
            Done
          </button>
        ) : (
          <button type="button" onClick={finish}>
            Skip for now
          </button>
        )}
      </div>
    </Screen>
  )
}

export function Onboarding() {
  const profile = useProfile()
  const route = useRoute()
  if (profile === undefined) return <Loading />
  if (profile === null) {
    return (
      <Screen title="Welcome to Ossa">
        <p>Your profile has not reached this device yet. It arrives with the first sync, which needs a connection.</p>
        <a class="button" href="#/today">
          Skip for now
        </a>
      </Screen>
    )
  }
  return route.params[0] === 'plan' ? <YourPlan profile={profile} /> : <AboutYou profile={profile} />
}
