// A held-back record in words for the member ("Dose of Calcium citrate on 3 Dec at 08:00"),
// what they did to it, why the server refused it and where it can be edited.
import type { Held, Reason } from '../data/held'
import { productLabel } from '../domain/products'
import type { Rows } from '../domain/rows'
import { localDate, localTime } from '../domain/time'

export interface HeldView {
  what: string
  change: string
  reasons: string[]
  edit: Edit | null
}

/** The screen where the record can be changed (a hash route) and the link's words. */
export interface Edit {
  route: string
  label: string
}

export interface WordsContext {
  products: Map<string, Rows['products']>
  zone: string
  today: string
}

type Row = Record<string, unknown>

const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })

/** "3 Dec" for a local date. */
export function shortDate(date: string): string {
  return dayMonth.format(new Date(`${date}T12:00:00Z`))
}

const CHANGES: Record<Held['kind'], string> = {
  created: 'Added on this phone',
  updated: 'Changed on this phone',
  deleted: 'Removed on this phone',
}

// For a refusal the server gave no sentence for.
const REASONS: Record<string, string> = {
  read_only: 'Ossa’s server works this out itself, so it cannot be changed on a phone.',
  not_deletable: 'The server keeps this and does not let it be removed.',
  id_unavailable: 'The server cannot store it under the id this phone gave it.',
  immutable: 'A stock entry is not changed once made. Discard this change and add a new count instead.',
}

// A plan change with a critical finding nobody confirmed (tracking/services.py check_plan):
// the server's sentence ends with how an API client confirms it; a member confirms in the
// plan form instead.
const API_CONFIRMATION = /\s*To save the plan as it is, confirm it \(confirmed_findings: [^)]*\)\.\s*$/
const CONFIRM_IN_THE_FORM = 'Open the plan and save it again: Ossa asks you to confirm it first.'

function reasonWords(reason: Reason): string {
  if (reason.code === 'confirmation_required') return `${reason.detail.replace(API_CONFIRMATION, '')} ${CONFIRM_IN_THE_FORM}`.trim()
  return reason.detail || REASONS[reason.code] || 'The server could not accept it.'
}

function productName(row: Row, context: WordsContext): string | null {
  const product = context.products.get(String(row.product_id))
  return product ? productLabel(product) : null
}

function doseWords(row: Row, context: WordsContext): string {
  const at = Number(row.taken_at)
  const when = `on ${shortDate(localDate(at, context.zone))} at ${localTime(at, context.zone)}`
  const name = productName(row, context)
  return name ? `Dose of ${name} ${when}` : `A dose ${when}`
}

function whatWords(table: string, row: Row | null, context: WordsContext): string {
  switch (table) {
    case 'intake_logs':
      return row ? doseWords(row, context) : 'A dose'
    case 'regimens': {
      const name = row && productName(row, context)
      return name ? `Your plan for ${name}` : 'One of your plans'
    }
    case 'profiles':
      return 'Your profile'
    case 'products':
      return row?.name ? `Your product ${row.name}` : 'One of your products'
    case 'notifications':
      return row?.title ? `Inbox message “${row.title}”` : 'An inbox message'
    case 'flags':
      return row?.title ? `Flag “${row.title}”` : 'A flag'
    case 'stock_events': {
      const kind = row?.kind === 'refill' ? 'Refill' : 'Stock count'
      return row ? `${kind} of ${row.servings} on ${shortDate(localDate(Number(row.at), context.zone))}` : 'A stock entry'
    }
    case 'adherence_weeks':
      return row?.week_start ? `Your adherence for the week of ${shortDate(String(row.week_start))}` : 'Your weekly adherence'
    default:
      return 'A record'
  }
}

/** Where the app edits this record: a plan in its form, a dose of today on Today, the
 * profile in Settings; nothing for what the app has no editor for, or a removed record. */
function editFor(held: Held, row: Row | null, context: WordsContext): Edit | null {
  if (!row || held.kind === 'deleted') return null
  if (held.table === 'regimens') return { route: `plan/${held.id}`, label: 'Edit the plan' }
  if (held.table === 'profiles') return { route: 'settings', label: 'Edit in Settings' }
  if (held.table === 'intake_logs' && localDate(Number(row.taken_at), context.zone) === context.today) return { route: 'today', label: 'Edit on Today' }
  return null
}

export function describeHeld(held: Held, row: Row | null, context: WordsContext): HeldView {
  return {
    what: whatWords(held.table, row, context),
    change: CHANGES[held.kind],
    reasons: held.reasons.map(reasonWords),
    edit: editFor(held, row, context),
  }
}
