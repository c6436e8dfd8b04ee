// Snoozes asked on this phone, from Today or from a notification's Snooze, offline too. The
// server takes a snooze by REST only (POST /api/v1/dose-reminders/{id}/snooze; its rows are
// read-only over sync), so each waits here, in localStorage, until the sync engine sends it
// before its next sync; the pull right after brings the reminder row as the server snoozed it.
// A refusal (409 snooze_refused: the dose is logged or its time has passed; 404; a 400) is
// never retried: it is kept with the server's words until the member dismisses it, so no
// snooze can hold the phone up.
import { ApiError, api } from './api'
import { snoozeToSend, type LocalSnooze, type SnoozeChoice } from '../domain/reminders'
import { Store } from './store'
import { OWNER_KEY, readTokens } from './tokens'

export interface AskedSnooze extends LocalSnooze {
  choice: SnoozeChoice
  askedAt: number
}

type Queue = Record<string, AskedSnooze>

function key(): string {
  const owner = localStorage.getItem(OWNER_KEY) ?? readTokens()?.email ?? ''
  return `ossa.snoozes.${owner}`
}

function read(): Queue {
  try {
    const value = JSON.parse(localStorage.getItem(key()) ?? '{}')
    return value && typeof value === 'object' ? (value as Queue) : {}
  } catch {
    return {}
  }
}

function write(queue: Queue): void {
  if (Object.keys(queue).length) localStorage.setItem(key(), JSON.stringify(queue))
  else localStorage.removeItem(key())
  snoozes.set(Object.values(queue))
}

/** The snoozes waiting to be sent or refused, for Today. */
export const snoozes = new Store<AskedSnooze[]>(typeof localStorage === 'undefined' ? [] : Object.values(read()))

/** Ask for a snooze of a reminder (a later ask replaces an earlier one); `until` is when it
 * will end as far as this phone can tell. */
export function askSnooze(reminder: string, choice: SnoozeChoice, until: number, askedAt: number = Date.now()): void {
  write({ ...read(), [reminder]: { reminder, choice, askedAt, until, sent: false, refused: null } })
}

/** The member read the refusal: forget the snooze. */
export function dismissSnooze(reminder: string): void {
  const queue = read()
  delete queue[reminder]
  write(queue)
}

/** Send the waiting snoozes; returns how many the server took. Offline, or a server problem,
 * leaves them waiting for the next sync. A sent one is kept, with the server's end, until
 * that end has come (the pull after this brings the reminder as snoozed). */
export async function sendSnoozes(now: () => number = Date.now): Promise<number> {
  let sent = 0
  for (const asked of Object.values(read())) {
    if (asked.refused) continue
    if (asked.sent) {
      if (asked.until <= now()) settle(asked, { forget: true })
      continue
    }
    const choice = snoozeToSend(asked.choice, asked.askedAt, now())
    try {
      if (!choice) {
        settle(asked, { forget: true })
        continue
      }
      const row = await api<{ snoozed_until: string | null }>(`/api/v1/dose-reminders/${asked.reminder}/snooze`, { method: 'POST', json: choice })
      sent++
      settle(asked, { until: row?.snoozed_until ? Date.parse(row.snoozed_until) : asked.until })
    } catch (error) {
      const reason = refusalWords(error)
      if (reason === null) throw error
      settle(asked, { refused: reason })
    }
  }
  return sent
}

/** The server's refusal in words, or null when the snooze may still go through later. */
function refusalWords(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null
  if (error.status === 404) return 'Ossa’s server no longer has this reminder.'
  if (error.status === 409 || error.status === 400) return error.message
  return null
}

type Outcome = { forget: true } | { until: number } | { refused: string }

/** Sent (with the server's end), refused (with its reason) or done with, unless the member
 * asked again meanwhile. */
function settle(asked: AskedSnooze, outcome: Outcome): void {
  const queue = read()
  if (queue[asked.reminder]?.askedAt !== asked.askedAt) return
  if ('forget' in outcome) delete queue[asked.reminder]
  else if ('until' in outcome) queue[asked.reminder] = { ...asked, sent: true, until: outcome.until }
  else queue[asked.reminder] = { ...asked, refused: outcome.refused }
  write(queue)
}

/** After signing out: nothing of the last member stays. */
export function forgetSnoozes(): void {
  write({})
}
