import { describe, expect, it } from 'vitest'

import { compareKeys, compareText, fixed, round } from './pyFormat'

describe('numbers written as Python writes them', () => {
  it('rounds an exact tie to the even digit, as f"{x:.1f}" does', () => {
    expect(fixed(551.25, 1)).toBe('551.2') // toFixed says 551.3
    expect(fixed(78.75, 1)).toBe('78.8')
    expect(fixed(312.5, 0)).toBe('312')
    expect(fixed(313.5, 0)).toBe('314')
    expect(fixed(2.675, 2)).toBe('2.67') // not a tie: 2.675 is a little under in binary
    expect(fixed(0.15, 1)).toBe('0.1')
  })

  it('groups thousands like f"{x:,.0f}"', () => {
    expect(fixed(1000, 0, true)).toBe('1,000')
    expect(fixed(1234567.25, 1, true)).toBe('1,234,567.2')
    expect(fixed(999, 0, true)).toBe('999')
  })

  it('rounds like round(x, 2)', () => {
    expect(round(2.5 / 3, 2)).toBe(0.83)
    expect(round(0.125, 2)).toBe(0.12)
    expect(round(9.333333, 2)).toBe(9.33)
  })

  it('orders strings by code point and tuples element by element', () => {
    expect(compareText('\u{1F600}', '\uFFFF')).toBeGreaterThan(0) // UTF-16 units say otherwise
    expect(compareKeys([1, 'b'], [1, 'a'])).toBeGreaterThan(0)
    expect(compareKeys([0, [420, 1110]], [0, [420, 1110, 1350]])).toBeLessThan(0)
  })
})
