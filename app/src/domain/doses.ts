// The doses of a local date. A dose is an occurrence of a plan together with the log the
// server's matching gives it (schedule.ts slotsBetween), so what "Today" shows as taken is
// what the member's adherence will count. Logging a dose is data/intakeLogs.ts.
import type { IntakeLog, Regimen } from './rows'
import { isActiveOn, slotsBetween, type Occurrence } from './schedule'
import { addDays, instantOf, localDate } from './time'

export interface Dose {
  regimen: Regimen
  occurrence: Occurrence
  log: IntakeLog | null
}

// A log may match a dose up to 7 days away (monthly tolerance, schedule.ts), and dose
// matching looks two tolerances past the day: logs from this many days around it matter.
const LOG_WINDOW_DAYS = 15

/** The instants [from, to] whose logs can belong to a dose on `date`. */
export function logWindow(date: string, zone: string): [number, number] {
  return [instantOf(addDays(date, -LOG_WINDOW_DAYS), '00:00', zone), instantOf(addDays(date, LOG_WINDOW_DAYS + 1), '00:00', zone)]
}

/** The scheduled doses of every plan on a local date, in time order, with their logs. */
export function dosesOn(regimens: Regimen[], logs: IntakeLog[], date: string, zone: string): Dose[] {
  const doses: Dose[] = []
  for (const regimen of regimens) {
    if (regimen.schedule_kind === 'as_needed') continue
    for (const slot of slotsBetween(regimen, logs, date, date, zone)) doses.push({ regimen, ...slot })
  }
  return doses.sort((a, b) => a.occurrence.dueAt - b.occurrence.dueAt || a.regimen.id.localeCompare(b.regimen.id))
}

/** As-needed plans in force on a local date. */
export function asNeededOn(regimens: Regimen[], date: string): Regimen[] {
  return regimens.filter((r) => r.schedule_kind === 'as_needed' && isActiveOn(r, date))
}

/** A plan's logs with a local date of `date`, oldest first. */
export function logsOn(regimen: Regimen, logs: IntakeLog[], date: string, zone: string): IntakeLog[] {
  return logs
    .filter((log) => log.regimen_id === regimen.id && localDate(log.taken_at, zone) === date)
    .sort((a, b) => a.taken_at - b.taken_at)
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

/** The instant of "taken at HH:MM" on a local date, or the reason it cannot be used. */
export function takenAtFor(date: string, time: string, zone: string, now: number): { at: number } | { error: string } {
  if (!TIME.test(time)) return { error: 'Give the time you took it, like 08:05.' }
  const at = instantOf(date, time, zone)
  if (at > now) return { error: 'That time has not come yet today. Give the time you took it.' }
  return { at }
}

/** The dose a log ends up matched to among a plan's doses on its date (null: an extra). */
export function doseOfLog(regimen: Regimen, logs: IntakeLog[], log: IntakeLog, zone: string): Occurrence | null {
  const date = localDate(log.taken_at, zone)
  const slots = slotsBetween(regimen, logs, addDays(date, -7), addDays(date, 7), zone)
  return slots.find((slot) => slot.log?.id === log.id)?.occurrence ?? null
}

/** The log already holding the plan's dose at `at` (a reminder's moment, in the zone its
 * reminders follow), if any: the server's matching, as Today shows it. */
export function logOfDoseAt(regimen: Regimen, logs: IntakeLog[], at: number, zone: string): IntakeLog | null {
  const date = localDate(at, zone)
  const slots = slotsBetween(regimen, logs, addDays(date, -1), addDays(date, 1), zone)
  return slots.find((slot) => slot.occurrence.dueAt === at)?.log ?? null
}

const PLURAL_UNITS = new Set(['tablet', 'capsule', 'softgel', 'drop', 'scoop', 'sachet'])

/** "1 tablet", "2 capsules", "0.5 tablet", "5 ml". */
export function servingsText(amount: number, unit: string): string {
  const number = Number.isInteger(amount) ? String(amount) : String(Number(amount.toFixed(2)))
  const plural = amount > 1 && PLURAL_UNITS.has(unit)
  return `${number} ${unit}${plural ? 's' : ''}`
}
