import { describe, expect, it } from 'vitest'

import { memberDayOf, ruleProductOf, ruleRegimen } from './planFacts'
import { USUAL_DAY } from './planTypes'
import type { Product, Profile, Regimen } from './rows'

const DAY: Pick<Profile, 'wake_time' | 'breakfast_time' | 'lunch_time' | 'dinner_time' | 'bed_time'> = {
  wake_time: '06:15',
  breakfast_time: null,
  lunch_time: '12:00',
  dinner_time: '19:00',
  bed_time: '23:00',
}

describe('the facts the plan rules read', () => {
  it('takes the usual day from the profile, a skipped meal as null', () => {
    expect(memberDayOf(DAY)).toEqual({ wake: '06:15', breakfast: null, lunch: '12:00', dinner: '19:00', bed: '23:00' })
  })

  it('uses the server’s default day until the profile has one', () => {
    expect(memberDayOf(null)).toEqual(USUAL_DAY)
    expect(memberDayOf({ ...DAY, wake_time: '', bed_time: '' })).toEqual(USUAL_DAY)
    expect(USUAL_DAY).toEqual({ wake: '07:00', breakfast: '07:30', lunch: '12:30', dinner: '18:30', bed: '22:30' })
  })

  it('reads a catalogue product with a salt’s weight as elemental calcium', () => {
    const product = {
      id: 'p',
      name: 'Calcium carbonate 1250 mg',
      kind: 'supplement',
      drug_class: '',
      drug: '',
      release: 'immediate',
      usual_schedule: '',
      ingredients: JSON.stringify([{ nutrient: 'calcium', amount: '1250.000', unit: 'mg', form: 'carbonate', basis: 'compound' }]),
    } as Product
    expect(ruleProductOf(product)).toMatchObject({ nutrients: { calcium: 500 }, forms: { calcium: 'carbonate' } })
    // A catalogue cached before schema 2: no basis (elemental), no labelled frequency.
    const cached = { ...product, usual_schedule: undefined, ingredients: '[{"nutrient":"calcium","amount":500,"form":"carbonate"}]' } as unknown as Product
    expect(ruleProductOf(cached)).toMatchObject({ nutrients: { calcium: 500 }, usual_schedule: '' })
  })

  it('reads a plan row as one schedule version from its start', () => {
    const row = {
      id: 'r',
      product_id: 'p',
      servings_per_dose: 2,
      schedule_kind: 'weekdays',
      times: '["08:00"]',
      weekdays: '[1,4]',
      day_of_month: null,
      interval_days: null,
      start_date: '2026-11-01',
      end_date: null,
    } as Regimen
    expect(ruleRegimen(row, undefined)).toEqual({
      id: 'r',
      product: { id: 'p', name: 'Unknown product', kind: 'supplement', drug_class: '', drug: '', release: 'immediate', nutrients: {}, forms: {}, usual_schedule: '' },
      start_date: '2026-11-01',
      end_date: null,
      schedules: [{ effective_from: '2026-11-01', kind: 'weekdays', times: ['08:00'], weekdays: [1, 4], day_of_month: null, interval_days: null, servings_per_dose: 2 }],
    })
  })
})
