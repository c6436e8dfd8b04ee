// A dose's reminder on Today: when it comes, or what the server's reminder did, and Snooze
// (10, 30 or 60 minutes, or the next meal of the usual day). A snooze is kept on the phone
// and sent when online (data/snoozes.ts); one the server refuses is said in its words with
// one button that clears it.
import { useEffect, useRef, useState } from 'preact/hooks'

import { askSnooze, dismissSnooze } from '../../data/snoozes'
import { engine } from '../../data/sync'
import { canSnooze, nextMeal, reminderWords, SNOOZE_MINUTES, snoozeUntil, type ReminderView, type SnoozeChoice } from '../../domain/reminders'
import type { DoseReminder as ReminderRow, Profile } from '../../domain/rows'
import { localTime } from '../../domain/time'
import './DoseReminder.css'

interface Props {
  view: ReminderView
  reminder: ReminderRow | null
  profile: Profile | null
  zone: string // the reminder zone
  labelId: string // the dose's name, for the buttons' descriptions
}

function minutesWords(minutes: number): string {
  return minutes === 60 ? '1 hour' : `${minutes} minutes`
}

function SnoozeChoices({ reminder, profile, zone, labelId, onDone }: Omit<Props, 'view' | 'reminder'> & { reminder: ReminderRow; onDone: () => void }) {
  const first = useRef<HTMLButtonElement>(null)
  useEffect(() => first.current?.focus(), [])
  const now = Date.now()
  const meal = nextMeal(profile, now, zone)
  const choose = (choice: SnoozeChoice) => {
    const until = snoozeUntil(choice, profile, Date.now(), zone)
    if (until !== null) askSnooze(reminder.id, choice, until)
    onDone()
    void engine.sync()
  }
  return (
    <fieldset class="snooze-choices" aria-describedby={labelId}>
      <legend>Remind me again in</legend>
      {SNOOZE_MINUTES.map((minutes, index) => (
        <button key={minutes} ref={index === 0 ? first : undefined} type="button" onClick={() => choose({ minutes })}>
          {minutesWords(minutes)}
        </button>
      ))}
      {meal !== null && (
        <button type="button" class="snooze-meal" onClick={() => choose({ next_meal: true })}>
          At my next meal ({localTime(meal, zone)})
        </button>
      )}
      <button type="button" class="button-link" onClick={onDone}>
        Cancel
      </button>
    </fieldset>
  )
}

export function DoseReminder({ view, reminder, profile, zone, labelId }: Props) {
  const [choosing, setChoosing] = useState(false)
  const snoozeButton = useRef<HTMLButtonElement>(null)
  const words = useRef<HTMLParagraphElement>(null)
  // After a choice focus goes to what the reminder says now (the Snooze button is gone while
  // the snooze waits to be sent); after Cancel, back to Snooze.
  const [refocus, setRefocus] = useState(false)
  useEffect(() => {
    if (!refocus) return
    setRefocus(false)
    ;(snoozeButton.current ?? words.current)?.focus()
  }, [refocus])
  if (view.kind === 'none') return null
  const done = () => {
    setChoosing(false)
    setRefocus(true)
  }
  return (
    <div class={`dose-reminder dose-reminder-${view.kind}`} data-reminder={view.kind}>
      <p ref={words} tabIndex={-1} class="dose-reminder-words" role={view.kind === 'refused' ? 'alert' : undefined}>
        {reminderWords(view, zone)}
      </p>
      {view.kind === 'refused' && (
        <button type="button" aria-describedby={labelId} onClick={() => dismissSnooze(view.reminder)}>
          OK
        </button>
      )}
      {reminder && canSnooze(view) && !choosing && (
        <button ref={snoozeButton} type="button" aria-describedby={labelId} onClick={() => setChoosing(true)}>
          Snooze
        </button>
      )}
      {reminder && choosing && <SnoozeChoices reminder={reminder} profile={profile} zone={zone} labelId={labelId} onDone={done} />}
    </div>
  )
}
