import { describe, expect, it } from 'vitest'

import { addDays, daysBetween, instantOf, isoWeekday, localDate, localTime, longDate, offsetAt, weekStart } from './time'

const AMS = 'Europe/Amsterdam'

describe('instantOf', () => {
  it('reads an ordinary wall time with the zone offset of that day', () => {
    expect(instantOf('2025-01-15', '08:00', AMS)).toBe(Date.UTC(2025, 0, 15, 7, 0))
    expect(instantOf('2025-07-15', '08:00', AMS)).toBe(Date.UTC(2025, 6, 15, 6, 0))
  })

  it('moves a time inside the spring-forward gap forward by the gap', () => {
    // 30 March 2025: Amsterdam clocks jump from 02:00 to 03:00; 02:30 does not exist.
    const due = instantOf('2025-03-30', '02:30', AMS)
    expect(due).toBe(Date.UTC(2025, 2, 30, 1, 30))
    expect(localTime(due, AMS)).toBe('03:30')
    expect(localDate(due, AMS)).toBe('2025-03-30')
  })

  it('picks the first of the two instants of an ambiguous fall-back time', () => {
    // 26 October 2025: 02:00–03:00 happens twice (CEST, then CET); the first is 00:30 UTC.
    const due = instantOf('2025-10-26', '02:30', AMS)
    expect(due).toBe(Date.UTC(2025, 9, 26, 0, 30))
    expect(due).not.toBe(Date.UTC(2025, 9, 26, 1, 30))
  })

  it('round-trips with localTime on the day after a change', () => {
    expect(localTime(instantOf('2025-10-27', '07:15', AMS), AMS)).toBe('07:15')
    expect(offsetAt(instantOf('2025-10-27', '07:15', AMS), AMS)).toBe(3600_000)
  })
})

describe('localDate across zones', () => {
  // 23:30 UTC on 1 March is already 2 March in Tokyo, still 1 March in Amsterdam and in
  // New York it is the evening of 1 March.
  const instant = Date.UTC(2025, 2, 1, 23, 30)

  it('is the calendar date in the given zone', () => {
    expect(localDate(instant, 'Asia/Tokyo')).toBe('2025-03-02')
    expect(localDate(instant, AMS)).toBe('2025-03-02')
    expect(localDate(instant, 'UTC')).toBe('2025-03-01')
    expect(localDate(instant, 'America/New_York')).toBe('2025-03-01')
    expect(localTime(instant, 'America/New_York')).toBe('18:30')
  })

  it('handles zones with half-hour offsets', () => {
    expect(localTime(instant, 'Asia/Kolkata')).toBe('05:00')
    expect(localDate(instant, 'Asia/Kolkata')).toBe('2025-03-02')
  })
})

describe('date arithmetic', () => {
  it('adds days over month and leap-year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01')
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31')
    expect(daysBetween('2025-03-29', '2025-04-01')).toBe(3)
  })

  it('knows ISO weekdays and week starts', () => {
    expect(isoWeekday('2025-03-03')).toBe(1)
    expect(isoWeekday('2025-03-09')).toBe(7)
    expect(weekStart('2025-03-09')).toBe('2025-03-03')
  })

  it('writes a long date in words', () => {
    expect(longDate('2025-11-27')).toBe('Thursday 27 November')
  })
})
