// The month calendar of the Week screen as plain data: which dates a month grid shows,
// how a day's doses read (status, marker, words) and how the arrow keys move through it.
// Dates are the member's local "YYYY-MM-DD" strings (time.ts); nothing here reads a clock.
import type { DayTally } from './schedule'
import { addDays, daysInMonth, isoWeekday, longDate } from './time'

/** A month as "YYYY-MM". */
export type Month = string

export function monthOf(date: string): Month {
  return date.slice(0, 7)
}

export function addMonths(month: Month, count: number): Month {
  const [y, m] = month.split('-').map(Number)
  const index = y * 12 + (m - 1) + count
  const year = Math.floor(index / 12)
  return `${String(year).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}

export function firstOfMonth(month: Month): string {
  return `${month}-01`
}

export function lastOfMonth(month: Month): string {
  const [y, m] = month.split('-').map(Number)
  return `${month}-${String(daysInMonth(y, m)).padStart(2, '0')}`
}

const monthNames = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })

/** "November 2025". */
export function monthTitle(month: Month): string {
  return monthNames.format(new Date(`${month}-15T12:00:00Z`))
}

const fullDates = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** "24 November 2025" for a local date. */
export function fullDate(date: string): string {
  return fullDates.format(new Date(`${date}T12:00:00Z`))
}

/** Weeks of the month, Monday first; days outside the month are null (blank cells). */
export function monthGrid(month: Month): (string | null)[][] {
  const first = firstOfMonth(month)
  const last = lastOfMonth(month)
  const weeks: (string | null)[][] = []
  let week: (string | null)[] = Array(isoWeekday(first) - 1).fill(null)
  for (let date = first; date <= last; date = addDays(date, 1)) {
    week.push(date)
    if (week.length === 7) {
      weeks.push(week)
      week = []
    }
  }
  if (week.length) weeks.push([...week, ...Array(7 - week.length).fill(null)])
  return weeks
}

export const WEEKDAYS: [short: string, long: string][] = [
  ['Mon', 'Monday'],
  ['Tue', 'Tuesday'],
  ['Wed', 'Wednesday'],
  ['Thu', 'Thursday'],
  ['Fri', 'Friday'],
  ['Sat', 'Saturday'],
  ['Sun', 'Sunday'],
]

/** good: every dose taken; part: some; bad: a past day with none taken; open: today, none
 * taken yet; none: nothing planned; future: a day still to come. */
export type DayStatus = 'good' | 'part' | 'bad' | 'open' | 'none' | 'future'

export function dayStatus(tally: DayTally | undefined, today: string): DayStatus {
  if (!tally || tally.scheduled === 0) return 'none'
  if (tally.date > today) return 'future'
  if (tally.taken >= tally.scheduled) return 'good'
  if (tally.taken > 0) return 'part'
  return tally.date === today ? 'open' : 'bad'
}

/** The short visible marker, so a day's state is never told by colour alone. */
export const MARKERS: Record<DayStatus, string> = {
  good: '✓',
  part: '◐',
  bad: '✗',
  open: '○',
  none: '',
  future: '',
}

/** The legend, in the calendar's order of importance. */
export const LEGEND: [DayStatus, string][] = [
  ['good', 'All doses taken'],
  ['part', 'Some doses taken'],
  ['bad', 'No doses taken'],
  ['open', 'Today, none taken yet'],
  ['none', 'Nothing planned'],
  ['future', 'Still to come'],
]

function doses(count: number): string {
  return `${count} ${count === 1 ? 'dose' : 'doses'}`
}

/** What a day cell says to a screen reader: "Tuesday 24 November: 2 of 3 doses taken". */
export function dayLabel(tally: DayTally | undefined, today: string, date: string): string {
  const status = dayStatus(tally, today)
  const suffix = date === today ? ', today' : ''
  let words: string
  if (!tally || status === 'none') words = 'no doses planned'
  else if (status === 'future') words = `${doses(tally.scheduled)} planned`
  else {
    words = `${tally.taken} of ${doses(tally.scheduled)} taken`
    if (tally.skipped) words += `, ${tally.skipped} skipped`
  }
  return `${longDate(date)}: ${words}${suffix}`
}

/** Where a calendar key moves the chosen date; null for keys the calendar leaves alone.
 * Arrows move by a day or a week, Home/End to the week's ends, Page Up/Down by a month
 * (kept inside the shorter month: 31 January → 28 February). */
export function moveDate(date: string, key: string): string | null {
  switch (key) {
    case 'ArrowLeft':
      return addDays(date, -1)
    case 'ArrowRight':
      return addDays(date, 1)
    case 'ArrowUp':
      return addDays(date, -7)
    case 'ArrowDown':
      return addDays(date, 7)
    case 'Home':
      return addDays(date, 1 - isoWeekday(date))
    case 'End':
      return addDays(date, 7 - isoWeekday(date))
    case 'PageUp':
      return sameDayIn(addMonths(monthOf(date), -1), date)
    case 'PageDown':
      return sameDayIn(addMonths(monthOf(date), 1), date)
    default:
      return null
  }
}

/** The same day number in another month, or that month's last day. */
export function sameDayIn(month: Month, date: string): string {
  const last = lastOfMonth(month)
  const day = `${month}-${date.slice(8, 10)}`
  return day > last ? last : day
}

export type DoseState = 'taken' | 'skipped' | 'missed' | 'due'

/** A scheduled dose's state on the day list: a dose without a log is missed once its day
 * is over, and due until then. */
export function doseState(log: { status: 'taken' | 'skipped' } | null, date: string, today: string): DoseState {
  if (log) return log.status
  return date < today ? 'missed' : 'due'
}
