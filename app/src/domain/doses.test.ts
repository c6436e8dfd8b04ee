import { describe, expect, it } from 'vitest'

import { logWindow, servingsText, takenAtFor } from './doses'
import { instantOf } from './time'

const AMS = 'Europe/Amsterdam'
const DAY = '2025-03-05'
const NOON = instantOf(DAY, '12:00', AMS)

describe('helpers', () => {
  it('looks two weeks around the day for logs', () => {
    const [from, to] = logWindow(DAY, AMS)
    expect(from).toBe(instantOf('2025-02-18', '00:00', AMS))
    expect(to).toBe(instantOf('2025-03-21', '00:00', AMS))
  })

  it('reads "taken at HH:MM" on the dose’s day, and refuses a time to come or not a time', () => {
    expect(takenAtFor(DAY, '12:00', AMS, NOON)).toEqual({ at: NOON })
    expect(takenAtFor(DAY, '13:00', AMS, NOON)).toEqual({ error: expect.stringMatching(/has not come yet/) })
    expect(takenAtFor(DAY, '25:00', AMS, NOON)).toEqual({ error: expect.stringMatching(/like 08:05/) })
  })

  it('writes servings in words', () => {
    expect(servingsText(1, 'tablet')).toBe('1 tablet')
    expect(servingsText(2, 'capsule')).toBe('2 capsules')
    expect(servingsText(0.5, 'tablet')).toBe('0.5 tablet')
    expect(servingsText(5, 'ml')).toBe('5 ml')
  })
})
