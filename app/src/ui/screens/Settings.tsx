// Settings: the profile, the weekly reminder and the dose reminders' defaults live in the
// local database (they work offline and reach the server with the next sync); devices, the data download and account
// deletion live on the server (SettingsAccount.tsx); then signing out.
import { useEffect, useRef, useState } from 'preact/hooks'

import { describe } from '../../data/api'
import { update } from '../../data/db'
import { currentPushEndpoint, enablePush, pushSupported } from '../../data/push'
import { saveDoseReminders } from '../../data/reminderSettings'
import { syncStatus } from '../../data/sync'
import {
  MENOPAUSE_STATUSES,
  SEXES,
  WEEKDAYS,
  MEAL_FIELDS,
  REMINDER_ZONES,
  aboutDraft,
  checkAbout,
  checkDay,
  checkDoseReminders,
  doseReminderDraft,
  usualRefillDays,
  checkReminder,
  dayDraft,
  reminderDraft,
  showsFinalPeriod,
  showsMenopause,
  showsPregnancy,
  zoneChoices,
  type AboutDraft,
  type Checked,
  type DayDraft,
  type DoseReminderDraft,
  type DoseReminderValues,
  type Errors,
  type ReminderDraft,
} from '../../domain/profileForm'
import type { Profile } from '../../domain/rows'
import { deviceZone, localDate } from '../../domain/time'
import { Checkbox, Empty, ErrorText, Field, Notice, Screen, SelectField } from '../components/blocks'
import { useProfile, useRows, useStore, useZone } from '../hooks'
import { DeleteAccount, SignOutSection, SignedInDevices, YourData } from './SettingsAccount'
import './Settings.css'

const SECTIONS: [string, string][] = [
  ['about-title', 'About you'],
  ['day-title', 'Your usual day'],
  ['reminder-title', 'Reminder'],
  ['doses-title', 'Dose reminders'],
  ['devices-title', 'Devices'],
  ['data-title', 'Your data'],
  ['delete-title', 'Delete account'],
  ['signout-title', 'Sign out'],
]

export function Settings() {
  const profile = useProfile()
  const [sessionsChanged, setSessionsChanged] = useState(0)
  return (
    <Screen title="Settings">
      <nav class="settings-toc" aria-label="Settings sections">
        {SECTIONS.map(([id, label]) => (
          <a key={id} href="#/settings" onClick={jumpTo(id)}>
            {label}
          </a>
        ))}
      </nav>
      {profile ? (
        <>
          <AboutYou profile={profile} />
          <UsualDay profile={profile} />
          <WeeklyReminder profile={profile} />
          <DoseReminders profile={profile} />
        </>
      ) : (
        <Empty>Your profile arrives with the first sync: connect to the internet and it appears here.</Empty>
      )}
      <SignedInDevices refresh={sessionsChanged} />
      <YourData />
      <DeleteAccount onScheduled={() => setSessionsChanged((n) => n + 1)} />
      <SignOutSection />
    </Screen>
  )
}

// The hash holds the route, so the section links scroll and move focus by hand.
function jumpTo(id: string) {
  return (event: Event) => {
    event.preventDefault()
    const heading = document.getElementById(id)
    heading?.scrollIntoView({ block: 'start' })
    heading?.focus({ preventScroll: true })
  }
}

interface Draft<D> {
  draft: D
  errors: Errors<D>
  saved: boolean
  failure: string | null
  change: <K extends keyof D>(field: K, value: D[K]) => void
  save: <V>(checked: Checked<D, V>, store?: (values: V) => Promise<Profile>) => Promise<void>
}

/** The fields of one form as typed. They follow the stored profile (a sync may bring
 * changes from another device) until the member starts typing; then what they typed stays,
 * also when it does not pass the checks. */
function useDraft<D>(profile: Profile, fromProfile: (p: Profile) => D, formId: string): Draft<D> {
  const stored = JSON.stringify(fromProfile(profile))
  const [draft, setDraft] = useState<D>(() => fromProfile(profile))
  const [dirty, setDirty] = useState(false)
  const [errors, setErrors] = useState<Errors<D>>({})
  const [saved, setSaved] = useState(false)
  const [failure, setFailure] = useState<string | null>(null)
  useEffect(() => {
    if (!dirty) setDraft(JSON.parse(stored) as D)
  }, [stored])
  const change = <K extends keyof D>(field: K, value: D[K]) => {
    setDraft((current) => ({ ...current, [field]: value }))
    setDirty(true)
    setSaved(false)
    setErrors((current) => ({ ...current, [field]: undefined }))
  }
  const save = async <V,>(checked: Checked<D, V>, store?: (values: V) => Promise<Profile>) => {
    setFailure(null)
    if (!checked.ok) {
      setErrors(checked.errors)
      focusFirstProblem(formId)
      return
    }
    try {
      const row = store ? await store(checked.values) : await update('profiles', profile.id, checked.values as Partial<Omit<Profile, 'id'>>)
      setErrors({})
      setDirty(false)
      setDraft(fromProfile(row))
      setSaved(true)
    } catch (e) {
      setFailure(`Not saved: ${describe(e)}`)
    }
  }
  return { draft, errors, saved, failure, change, save }
}

function focusFirstProblem(formId: string): void {
  // After the render that marks the fields invalid.
  setTimeout(() => document.querySelector<HTMLElement>(`#${formId} [aria-invalid="true"]`)?.focus(), 0)
}

function SavedNotice() {
  const { online } = useStore(syncStatus)
  return <Notice>{online ? 'Saved. It is on its way to the server.' : 'Saved on this device. It reaches the server when you are back online.'}</Notice>
}

function text(event: Event): string {
  return (event.target as HTMLInputElement | HTMLSelectElement).value
}

function AboutYou({ profile }: { profile: Profile }) {
  const zone = useZone()
  const today = localDate(Date.now(), zone)
  const form = useDraft<AboutDraft>(profile, aboutDraft, 'about-form')
  const { draft, errors, change } = form
  const [zones] = useState(() => zoneChoices(profile.timezone))
  const here = deviceZone()
  return (
    <section class="card settings-section" aria-labelledby="about-title">
      <h2 id="about-title" tabIndex={-1}>
        About you
      </h2>
      <p class="muted">The reference intakes and flags depend on these. Only you and the dietitians you invite see them.</p>
      <form
        id="about-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void form.save(checkAbout(draft, today))
        }}
      >
        <Field label="Date of birth" type="date" max={today} required value={draft.date_of_birth} error={errors.date_of_birth} onInput={(e) => change('date_of_birth', text(e))} />
        <SelectField label="Sex" options={SEXES} value={draft.sex} hint="What the reference intakes are given for." onChange={(e) => change('sex', text(e))} />
        {showsMenopause(draft.sex) && <FemaleFields draft={draft} errors={errors} change={change} today={today} />}
        <Field
          label="Weight (kg)"
          inputMode="decimal"
          autoComplete="off"
          value={draft.weight_kg}
          hint="Optional, e.g. 64.5."
          error={errors.weight_kg}
          onInput={(e) => change('weight_kg', text(e))}
        />
        <Field
          label="Time zone"
          list="settings-zones"
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          value={draft.timezone}
          hint="Your days, weeks and reminders follow this zone."
          error={errors.timezone}
          onInput={(e) => change('timezone', text(e))}
        />
        <datalist id="settings-zones">
          {zones.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        {draft.timezone !== here && (
          <button type="button" class="button-link settings-zone-here" onClick={() => change('timezone', here)}>
            Use this device’s zone ({here})
          </button>
        )}
        <ErrorText error={form.failure ?? (Object.values(errors).some(Boolean) ? 'Please correct the fields marked above.' : null)} />
        {form.saved && <SavedNotice />}
        <button type="submit" class="button-primary">
          Save
        </button>
      </form>
    </section>
  )
}

interface FemaleFieldsProps {
  draft: AboutDraft
  errors: Errors<AboutDraft>
  change: Draft<AboutDraft>['change']
  today: string
}

function FemaleFields({ draft, errors, change, today }: FemaleFieldsProps) {
  return (
    <>
      <SelectField label="Menopause" options={MENOPAUSE_STATUSES} value={draft.menopause_status} onChange={(e) => change('menopause_status', text(e))} />
      {showsFinalPeriod(draft) && (
        <Field
          label="Date of your final period"
          type="date"
          max={today}
          value={draft.final_period_date}
          hint="Optional; your best guess is fine."
          error={errors.final_period_date}
          onInput={(e) => change('final_period_date', text(e))}
        />
      )}
      {showsPregnancy(draft) && (
        <>
          <Checkbox label="I am pregnant" checked={draft.pregnant} onChange={(on) => change('pregnant', on)} />
          <Checkbox label="I am breastfeeding" checked={draft.lactating} onChange={(on) => change('lactating', on)} />
        </>
      )}
    </>
  )
}

const MEAL_NAMES: Record<string, string> = { breakfast: 'Breakfast', lunch: 'Lunch', dinner: 'Dinner' }

/** The day the day planner plans around (Plan → Your day). Saved on this device, synced. */
function UsualDay({ profile }: { profile: Profile }) {
  const form = useDraft<DayDraft>(profile, dayDraft, 'day-form')
  const { draft, errors, change } = form
  return (
    <section class="card settings-section" aria-labelledby="day-title">
      <h2 id="day-title" tabIndex={-1}>
        Your usual day
      </h2>
      <p class="muted">Ossa’s day planner places your doses around these times: a bone medicine on waking, calcium and vitamins with your meals. See Plan → Your day.</p>
      <form
        id="day-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void form.save(checkDay(draft))
        }}
      >
        <Field label="Wake up" type="time" required value={draft.wake_time} error={errors.wake_time} onInput={(e) => change('wake_time', text(e))} />
        {MEAL_FIELDS.map(([field, skip, meal]) => (
          <div class="settings-meal" key={field}>
            <Field
              label={MEAL_NAMES[meal]}
              type="time"
              value={draft[field]}
              disabled={draft[skip]}
              error={errors[field]}
              onInput={(e) => change(field, text(e))}
            />
            <Checkbox label={`I skip ${meal}`} checked={draft[skip]} onChange={(on) => change(skip, on)} />
          </div>
        ))}
        <Field label="Bedtime" type="time" required value={draft.bed_time} error={errors.bed_time} onInput={(e) => change('bed_time', text(e))} />
        <ErrorText error={form.failure ?? (Object.values(errors).some(Boolean) ? 'Please correct the fields marked above.' : null)} />
        {form.saved && <SavedNotice />}
        <button type="submit" class="button-primary">
          Save your day
        </button>
      </form>
    </section>
  )
}

function WeeklyReminder({ profile }: { profile: Profile }) {
  const form = useDraft<ReminderDraft>(profile, reminderDraft, 'reminder-form')
  const { draft, errors, change } = form
  const push = usePushDevice()
  const turnPush = async (on: boolean) => {
    if (!on) return change('remind_by_push', false)
    if (await push.enable()) change('remind_by_push', true)
  }
  return (
    <section class="card settings-section" aria-labelledby="reminder-title">
      <h2 id="reminder-title" tabIndex={-1}>
        Weekly reminder
      </h2>
      <p class="muted">Once a week: how last week went, your active flags and your next bone-medicine dose.</p>
      <form
        id="reminder-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void form.save(checkReminder(draft))
        }}
      >
        <SelectField label="Day" options={WEEKDAYS} value={draft.reminder_weekday} onChange={(e) => change('reminder_weekday', text(e))} />
        <Field label="Time" type="time" required value={draft.reminder_time} error={errors.reminder_time} onInput={(e) => change('reminder_time', text(e))} />
        <fieldset>
          <legend>Remind me</legend>
          <Checkbox label="In the app (Inbox)" checked={draft.remind_in_app} onChange={(on) => change('remind_in_app', on)} />
          <Checkbox label="By push notification" checked={draft.remind_by_push} onChange={(on) => void turnPush(on)} />
          <PushStatus push={push} wanted={draft.remind_by_push} />
          <Checkbox label="By e-mail" checked={draft.remind_by_email} onChange={(on) => change('remind_by_email', on)} />
          {!draft.remind_in_app && !draft.remind_by_push && !draft.remind_by_email && <p class="hint">With every way off, no weekly reminder is sent.</p>}
        </fieldset>
        <fieldset>
          <legend>Quiet hours</legend>
          <p class="hint">A reminder due in these hours waits until they end. Leave both empty for none.</p>
          <div class="settings-pair">
            <Field label="From" type="time" value={draft.quiet_hours_start} error={errors.quiet_hours_start} onInput={(e) => change('quiet_hours_start', text(e))} />
            <Field label="Until" type="time" value={draft.quiet_hours_end} error={errors.quiet_hours_end} onInput={(e) => change('quiet_hours_end', text(e))} />
          </div>
          {(draft.quiet_hours_start || draft.quiet_hours_end) && (
            <button
              type="button"
              class="button-link"
              onClick={() => {
                change('quiet_hours_start', '')
                change('quiet_hours_end', '')
              }}
            >
              No quiet hours
            </button>
          )}
        </fieldset>
        <ErrorText error={form.failure ?? (Object.values(errors).some(Boolean) ? 'Please correct the fields marked above.' : null)} />
        {form.saved && <SavedNotice />}
        <button type="submit" class="button-primary">
          Save reminder
        </button>
      </form>
    </section>
  )
}

/** The dose reminders' defaults: the follow-up, e-mail for doses, the zone reminders follow,
 * and the refill notice (every plan's). */
function DoseReminders({ profile }: { profile: Profile }) {
  const plans = useRows('regimens') ?? []
  const refillDays = usualRefillDays(plans)
  const form = useDraft<DoseReminderDraft>(profile, (p) => doseReminderDraft(p, refillDays), 'doses-form')
  const { draft, errors, change } = form
  const home = profile.timezone
  const here = deviceZone()
  const zones = REMINDER_ZONES.map(([value, label]): [string, string] => [value, `${label} (${value === 'home' ? home : here})`])
  return (
    <section class="card settings-section" aria-labelledby="doses-title">
      <h2 id="doses-title" tabIndex={-1}>
        Dose reminders
      </h2>
      <p class="muted">At each dose’s time, for the plans that remind (on by default for medicines; each plan’s form says). By push on the devices set up for it, and in the Inbox.</p>
      {profile.reminder_zone === '' ? (
        <Empty>Your dose reminder settings arrive with the next sync.</Empty>
      ) : (
        <form
          id="doses-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault()
            void form.save(checkDoseReminders(draft), (values: DoseReminderValues) => saveDoseReminders(profile, values))
          }}
        >
          <Field
            label="Follow-up after (minutes)"
            type="number"
            inputMode="numeric"
            min={5}
            max={240}
            value={draft.follow_up_minutes}
            hint="When a dose is not logged by then, one more reminder; then none. A plan may set its own."
            error={errors.follow_up_minutes}
            onInput={(e) => change('follow_up_minutes', text(e))}
          />
          <Checkbox label="E-mail me dose reminders too" checked={draft.dose_reminders_by_email} onChange={(on) => change('dose_reminders_by_email', on)} />
          <SelectField
            label="When travelling"
            options={zones}
            value={draft.reminder_zone}
            hint="Following the phone, an 08:00 dose is reminded at 08:00 wherever you are."
            onChange={(e) => change('reminder_zone', text(e))}
          />
          <Field
            label="Refill reminder (days before running out)"
            type="number"
            inputMode="numeric"
            min={1}
            max={60}
            value={draft.refill_days}
            hint="For every plan whose stock you count; saved to each of them."
            error={errors.refill_days}
            onInput={(e) => change('refill_days', text(e))}
          />
          <ErrorText error={form.failure ?? (Object.values(errors).some(Boolean) ? 'Please correct the fields marked above.' : null)} />
          {form.saved && <SavedNotice />}
          <button type="submit" class="button-primary">
            Save dose reminders
          </button>
        </form>
      )}
    </section>
  )
}

interface PushDevice {
  supported: boolean
  endpoint: string | null | undefined
  busy: boolean
  error: string | null
  enable: () => Promise<boolean>
}

/** Whether this device receives push, and turning it on (permission, key, registration). */
function usePushDevice(): PushDevice {
  const supported = pushSupported()
  const [endpoint, setEndpoint] = useState<string | null | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const alive = useRef(true)
  const look = () =>
    currentPushEndpoint()
      .catch(() => null)
      .then((found) => alive.current && setEndpoint(found))
  useEffect(() => {
    void look()
    return () => {
      alive.current = false
    }
  }, [])
  const enable = async () => {
    setBusy(true)
    setError(null)
    try {
      await enablePush()
      await look()
      return true
    } catch (e) {
      setError(`Push notifications could not be turned on: ${pushProblem(e)}`)
      return false
    } finally {
      setBusy(false)
    }
  }
  return { supported, endpoint, busy, error, enable }
}

// The browser's own messages ("Registration failed - permission denied") say little to a
// person; its error names say what to do.
function pushProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : ''
  if (name === 'NotAllowedError') return 'this browser did not allow it. Check that notifications are allowed for Ossa in the browser’s site settings.'
  if (name === 'AbortError') return 'this browser’s push service did not answer. Try again later.'
  const words = describe(error)
  return words.charAt(0).toLowerCase() + words.slice(1)
}

function PushStatus({ push, wanted }: { push: PushDevice; wanted: boolean }) {
  let status: string
  if (!push.supported) status = 'This browser cannot receive push notifications; your other devices still can.'
  else if (push.busy) status = 'Setting up push notifications on this device…'
  else if (push.endpoint) status = 'This device receives push notifications.'
  else if (push.endpoint === undefined) status = 'Checking this device…'
  else status = 'This device is not set up for push notifications.'
  const offer = push.supported && !push.busy && push.endpoint === null && wanted
  return (
    <div class="settings-push">
      <p class="hint" role="status">
        {status}
      </p>
      <ErrorText error={push.error} />
      {offer && (
        <button type="button" onClick={() => void push.enable()}>
          Set up push on this device
        </button>
      )}
    </div>
  )
}
