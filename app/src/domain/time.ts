// Dates and wall times in the member's IANA zone (never a fixed UTC offset;
// docs/architecture.md#time-zones). Local dates are "YYYY-MM-DD" strings; instants are
// epoch milliseconds.

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(zone, f)
  }
  return f
}

export interface Wall {
  date: string
  time: string
  seconds: number
}

/** The local date and wall time of an instant in a zone. */
export function wallOf(ms: number, zone: string): Wall {
  const parts: Record<string, string> = {}
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    seconds: Number(parts.second),
  }
}

export function localDate(ms: number, zone: string): string {
  return wallOf(ms, zone).date
}

export function localTime(ms: number, zone: string): string {
  return wallOf(ms, zone).time
}

function wallAsUtc(date: string, time: string): number {
  const [y, m, d] = date.split('-').map(Number)
  const [hh, mm] = time.split(':').map(Number)
  return Date.UTC(y, m - 1, d, hh, mm)
}

/** The zone's offset from UTC at an instant, in ms. */
export function offsetAt(ms: number, zone: string): number {
  const wall = wallOf(ms, zone)
  const asUtc = wallAsUtc(wall.date, wall.time) + wall.seconds * 1000
  return asUtc - Math.floor(ms / 1000) * 1000
}

const HOURS_12 = 12 * 3600 * 1000

/** The instant of a local date and wall time. A time inside a spring-forward gap moves
 * forward by the gap; an ambiguous fall-back time is the first of its two instants — the
 * same rule as the server (tracking/rules/schedule.py local_due). */
export function instantOf(date: string, time: string, zone: string): number {
  const wall = wallAsUtc(date, time)
  const before = offsetAt(wall - HOURS_12, zone)
  const after = offsetAt(wall + HOURS_12, zone)
  for (const offset of [before, after]) {
    const candidate = wall - offset
    const back = wallOf(candidate, zone)
    if (back.date === date && back.time === time) return candidate
  }
  return wall - before
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

export function daysBetween(first: string, last: string): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000)
}

/** ISO weekday: Monday 1 … Sunday 7. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay()
  return day === 0 ? 7 : day
}

/** The Monday of the ISO week holding a date. */
export function weekStart(date: string): string {
  return addDays(date, 1 - isoWeekday(date))
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** The device's zone, for pre-filling the profile. */
export function deviceZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

export function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const dayNames = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' })

/** "Thursday 26 November" for a local date. */
export function longDate(date: string): string {
  return dayNames.format(new Date(`${date}T12:00:00Z`))
}
