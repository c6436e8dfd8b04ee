import { describe, expect, it } from 'vitest'

import { adviceFor, afterDoseText, minutesLeft, waitEndsAt } from './bisphosphonate'
import type { Product } from './rows'

function medicine(drug: string, release = 'immediate', drug_class = 'bisphosphonate'): Product {
  return {
    id: `p-${drug}-${release}`,
    name: drug,
    brand: '',
    kind: 'medicine',
    drug_class,
    drug,
    release,
    strength_mg: 70,
    serving_unit: 'tablet',
    notes: '',
    usual_schedule: '',
    ingredients: '[]',
    created_at: 0,
    updated_at: 0,
  }
}

const MIN = 60_000
const TAKEN = Date.UTC(2025, 2, 3, 6, 5)

describe('adviceFor', () => {
  it('waits 30 min after alendronate and immediate-release risedronate, 60 after ibandronate', () => {
    expect(adviceFor(medicine('alendronate'))?.waitMinutes).toBe(30)
    expect(adviceFor(medicine('risedronate'))?.waitMinutes).toBe(30)
    expect(adviceFor(medicine('ibandronate'))?.waitMinutes).toBe(60)
  })

  it('has no fasting wait for delayed-release risedronate, but calcium at another time', () => {
    const advice = adviceFor(medicine('risedronate', 'delayed'))!
    expect(advice.waitMinutes).toBeNull()
    expect(advice.calciumAtAnotherTime).toBe(true)
    expect(advice.howToTake[0]).toBe('Take it right after breakfast.')
  })

  it('says to take the others on waking with plain water and to stay upright', () => {
    const advice = adviceFor(medicine('ibandronate'))!
    expect(advice.howToTake).toEqual([
      'Take it on waking, on an empty stomach, with a full glass of plain water.',
      'Stay upright (sitting or standing) for 60 min after taking it.',
      'Then wait 60 min before calcium, food, other drinks or medicines.',
    ])
  })

  it('is null for products that are not bisphosphonates', () => {
    expect(adviceFor(medicine('warfarin', 'immediate', 'vitamin_k_antagonist'))).toBeNull()
    expect(adviceFor(undefined)).toBeNull()
  })

  it('points to the leaflet for a bisphosphonate docs/domain.md does not describe', () => {
    const advice = adviceFor(medicine('other'))!
    expect(advice.unknownDrug).toBe(true)
    expect(advice.waitMinutes).toBeNull()
  })
})

describe('countdown', () => {
  const alendronate = adviceFor(medicine('alendronate'))!
  const ibandronate = adviceFor(medicine('ibandronate'))!

  it('ends the wait the right number of minutes after the dose', () => {
    expect(waitEndsAt(alendronate, TAKEN)).toBe(TAKEN + 30 * MIN)
    expect(waitEndsAt(ibandronate, TAKEN)).toBe(TAKEN + 60 * MIN)
  })

  it('counts whole minutes left, rounded up, down to zero', () => {
    expect(minutesLeft(alendronate, TAKEN, TAKEN)).toBe(30)
    expect(minutesLeft(alendronate, TAKEN, TAKEN + 10 * MIN + 1)).toBe(20)
    expect(minutesLeft(alendronate, TAKEN, TAKEN + 29 * MIN + 59_000)).toBe(1)
    expect(minutesLeft(alendronate, TAKEN, TAKEN + 30 * MIN)).toBe(0)
    expect(minutesLeft(ibandronate, TAKEN, TAKEN + 45 * MIN)).toBe(15)
  })

  it('says what to wait for while it runs, and when it is over', () => {
    expect(afterDoseText(ibandronate, TAKEN, TAKEN + 5 * MIN)).toBe('Wait 55 min before calcium, food, other drinks or medicines')
    expect(afterDoseText(ibandronate, TAKEN, TAKEN + 61 * MIN)).toMatch(/^The wait is over/)
    const delayed = adviceFor(medicine('risedronate', 'delayed'))!
    expect(afterDoseText(delayed, TAKEN, TAKEN)).toMatch(/another time of day/)
  })
})
