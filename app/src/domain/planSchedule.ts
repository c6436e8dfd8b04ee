// Which local days a plan has doses on, with the schedule version in force: the part of
// tracking/rules/schedule.py (schedule_on, dose_days) the plan checks and the day planner
// read. Wall-clock days only, no zone. (schedule.ts is the same rule for one stored plan row,
// as Today and the calendar read it.)
import type { RuleRegimen, RuleSchedule } from './planTypes'
import { addDays, daysBetween, daysInMonth, isoWeekday } from './time'

function versions(regimen: RuleRegimen): RuleSchedule[] {
  // Stable sort: of two versions with the same effective_from the later edit wins.
  return [...regimen.schedules].sort((a, b) => (a.effective_from < b.effective_from ? -1 : a.effective_from > b.effective_from ? 1 : 0))
}

/** The version in force on a local date: the latest effective_from on or before it, or the
 * first version for days before any of them. */
export function scheduleOn(regimen: RuleRegimen, day: string): RuleSchedule {
  let current = regimen.schedules[0]
  for (const schedule of versions(regimen)) if (schedule.effective_from <= day) current = schedule
  return current
}

/** The local dates in [first, last] inside the plan's start and end on which it has doses,
 * with the schedule version in force. */
export function doseDays(regimen: RuleRegimen, first: string, last: string): [string, RuleSchedule][] {
  const from = first > regimen.start_date ? first : regimen.start_date
  const to = regimen.end_date !== null && regimen.end_date < last ? regimen.end_date : last
  const found: [string, RuleSchedule][] = []
  for (const [schedule, segFirst, segLast] of segments(regimen, from, to)) {
    if (!schedule.times.length) continue
    for (const day of days(schedule, regimen.start_date, segFirst, segLast)) found.push([day, schedule])
  }
  return found
}

/** Each schedule version with the part of [first, last] it governs. */
function segments(regimen: RuleRegimen, first: string, last: string): [RuleSchedule, string, string][] {
  const sorted = versions(regimen)
  const found: [RuleSchedule, string, string][] = []
  sorted.forEach((schedule, index) => {
    const start = index === 0 || first > schedule.effective_from ? first : schedule.effective_from
    let end = last
    if (index + 1 < sorted.length) {
      const before = addDays(sorted[index + 1].effective_from, -1)
      if (before < end) end = before
    }
    if (start <= end) found.push([schedule, start, end])
  })
  return found
}

function days(schedule: RuleSchedule, anchor: string, first: string, last: string): string[] {
  switch (schedule.kind) {
    case 'daily':
      return every(first, last, 1)
    case 'weekdays': {
      const wanted = new Set(schedule.weekdays)
      return every(first, last, 1).filter((day) => wanted.has(isoWeekday(day)))
    }
    case 'interval': {
      const step = interval(schedule)
      // Counted from the plan's start, not from `first`, so any window agrees.
      const ahead = (((-daysBetween(anchor, first)) % step) + step) % step
      return every(addDays(first, ahead), last, step)
    }
    case 'monthly':
      return monthDays(dayOfMonth(schedule), first, last)
    default:
      return []
  }
}

function every(first: string, last: string, step: number): string[] {
  const found: string[] = []
  for (let day = first; day <= last; day = addDays(day, step)) found.push(day)
  return found
}

function monthDays(day: number, first: string, last: string): string[] {
  let [year, month] = first.split('-').map(Number)
  const found: string[] = []
  for (;;) {
    // Past the month's end → the month's last day (the 31st is 28/29 February).
    const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, daysInMonth(year, month))).padStart(2, '0')}`
    if (date > last) return found
    if (date >= first) found.push(date)
    ;[year, month] = month === 12 ? [year + 1, 1] : [year, month + 1]
  }
}

function interval(schedule: RuleSchedule): number {
  if (schedule.interval_days === null || schedule.interval_days < 1) throw new Error('interval schedule needs interval_days >= 1')
  return schedule.interval_days
}

function dayOfMonth(schedule: RuleSchedule): number {
  if (schedule.day_of_month === null || schedule.day_of_month < 1 || schedule.day_of_month > 31) throw new Error('monthly schedule needs day_of_month in 1..31')
  return schedule.day_of_month
}
