// Which doses a plan has on a local date, and which logged dose belongs to which of them:
// the app's copy of the server's rules (tracking/rules/schedule.py and adherence.py), so
// "Today" and the calendar work offline. The server stays the judge of adherence.
import { parseList, type IntakeLog, type Regimen } from './rows'
import { addDays, daysBetween, daysInMonth, instantOf, isoWeekday, localDate } from './time'

// source: PQA-PDC (docs/domain.md#matching-logs-to-scheduled-doses): the same local day for
// daily schedules, ±3 days for weekly and ±7 days for monthly ones.
const WEEKLY_TOLERANCE = 3
const MONTHLY_TOLERANCE = 7
const WEEKLY_INTERVAL_FROM = 7
const MONTHLY_INTERVAL_FROM = 28

export interface Occurrence {
  regimenId: string
  date: string
  time: string
  dueAt: number
}

export function toleranceDays(regimen: Regimen): number {
  const weekdays = new Set(parseList<number>(regimen.weekdays))
  switch (regimen.schedule_kind) {
    case 'monthly':
      return MONTHLY_TOLERANCE
    case 'weekdays':
      return weekdays.size === 1 ? WEEKLY_TOLERANCE : 0
    case 'interval': {
      const step = regimen.interval_days ?? 1
      if (step >= MONTHLY_INTERVAL_FROM) return MONTHLY_TOLERANCE
      return step >= WEEKLY_INTERVAL_FROM ? WEEKLY_TOLERANCE : 0
    }
    default:
      return 0
  }
}

export function isActiveOn(regimen: Regimen, date: string): boolean {
  return regimen.start_date <= date && (regimen.end_date === null || date <= regimen.end_date)
}

function hasDoseOn(regimen: Regimen, date: string): boolean {
  switch (regimen.schedule_kind) {
    case 'daily':
      return true
    case 'weekdays':
      return parseList<number>(regimen.weekdays).includes(isoWeekday(date))
    case 'interval': {
      const step = Math.max(1, regimen.interval_days ?? 1)
      return daysBetween(regimen.start_date, date) % step === 0
    }
    case 'monthly': {
      const [y, m, d] = date.split('-').map(Number)
      // Past the month's end → the month's last day (the 31st is 28/29 February).
      return d === Math.min(regimen.day_of_month ?? 1, daysInMonth(y, m))
    }
    default:
      return false // as needed
  }
}

/** The plan's doses on a local date, in time order. */
export function occurrencesOn(regimen: Regimen, date: string, zone: string): Occurrence[] {
  if (!isActiveOn(regimen, date) || !hasDoseOn(regimen, date)) return []
  const times = [...new Set(parseList<string>(regimen.times))].sort()
  return times
    .map((time) => ({ regimenId: regimen.id, date, time, dueAt: instantOf(date, time, zone) }))
    .sort((a, b) => a.dueAt - b.dueAt)
}

export interface Slot {
  occurrence: Occurrence
  log: IntakeLog | null
}

// Taken logs choose first (a taken dose wins an occurrence over a skip for it), then in time
// order, then by id — the server's order (adherence.py _logged).
function matchingOrder(a: IntakeLog, b: IntakeLog): number {
  const taken = Number(a.status !== 'taken') - Number(b.status !== 'taken')
  if (taken !== 0) return taken
  if (a.taken_at !== b.taken_at) return a.taken_at - b.taken_at
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Each occurrence in [first, last] with the log matched to it: every log (taken ones first)
 * takes the nearest open occurrence within its tolerance — nearest in local days, then in
 * time, ties to the earlier — as the server matches them. */
export function slotsBetween(
  regimen: Regimen,
  logs: IntakeLog[],
  first: string,
  last: string,
  zone: string,
): Slot[] {
  const reach = toleranceDays(regimen)
  const byDate = new Map<string, Slot[]>()
  const slots: Slot[] = []
  // Occurrences up to two tolerances outside the range compete for the logs too, as on the
  // server (tracking/rules/adherence.py _timeline): a log near the edge may belong to one.
  for (let date = addDays(first, -2 * reach); date <= addDays(last, 2 * reach); date = addDays(date, 1)) {
    const day = occurrencesOn(regimen, date, zone).map((occurrence) => ({ occurrence, log: null }))
    byDate.set(date, day)
    slots.push(...day)
  }
  const mine = logs.filter((log) => log.regimen_id === regimen.id).sort(matchingOrder)
  for (const log of mine) {
    const logDate = localDate(log.taken_at, zone)
    let best: Slot | null = null
    let bestKey: [number, number, number] | null = null
    for (let offset = -reach; offset <= reach; offset++) {
      for (const slot of byDate.get(addDays(logDate, offset)) ?? []) {
        if (slot.log) continue
        const key: [number, number, number] = [
          Math.abs(offset),
          Math.abs(slot.occurrence.dueAt - log.taken_at),
          slot.occurrence.dueAt,
        ]
        if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))) {
          best = slot
          bestKey = key
        }
      }
    }
    if (best) best.log = log
  }
  return slots.filter((slot) => slot.occurrence.date >= first && slot.occurrence.date <= last)
}

export interface DayTally {
  date: string
  scheduled: number
  taken: number
  skipped: number
}

/** Scheduled, taken and skipped doses per local date over all plans, for the calendar. */
export function tallyDays(regimens: Regimen[], logs: IntakeLog[], first: string, last: string, zone: string): DayTally[] {
  const days = new Map<string, DayTally>()
  for (let date = first; date <= last; date = addDays(date, 1)) days.set(date, { date, scheduled: 0, taken: 0, skipped: 0 })
  for (const regimen of regimens) {
    for (const slot of slotsBetween(regimen, logs, first, last, zone)) {
      const tally = days.get(slot.occurrence.date)!
      tally.scheduled++
      if (slot.log?.status === 'taken') tally.taken++
      else if (slot.log?.status === 'skipped') tally.skipped++
    }
  }
  return [...days.values()]
}
