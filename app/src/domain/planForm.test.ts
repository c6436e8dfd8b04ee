import { describe, expect, it } from 'vitest'

import {
  checkPlan,
  checkStock,
  knowsReminderSettings,
  checkProduct,
  dateWords,
  drugsFor,
  isDate,
  newPlanDraft,
  newProductDraft,
  planDraftOf,
  scheduleWords,
  type PlanDraft,
  type ProductDraft,
} from './planForm'
import type { Regimen } from './rows'

const TODAY = '2025-03-05'

function draft(values: Partial<PlanDraft>): PlanDraft {
  return { ...newPlanDraft(TODAY), product_id: 'product-1', ...values }
}

function errorsOf(values: Partial<PlanDraft>, endDate: string | null = null) {
  const result = checkPlan(draft(values), endDate)
  return result.ok ? {} : result.errors
}

describe('checkPlan: reminders and stock', () => {
  it('keeps the server’s limits: follow-up 5 to 240 minutes or the default, refill notice 1 to 60 days', () => {
    expect(errorsOf({ follow_up_minutes: '4' }).follow_up_minutes).toBe('Give the minutes from 5 to 240, or leave it empty for your default.')
    expect(errorsOf({ follow_up_minutes: '241' }).follow_up_minutes).toBeDefined()
    expect(errorsOf({ follow_up_minutes: '7.5' }).follow_up_minutes).toBeDefined()
    expect(errorsOf({ refill_days: '0' }).refill_days).toBe('Give a number of days from 1 to 60.')
    expect(errorsOf({ refill_days: '61' }).refill_days).toBeDefined()
    const checked = checkPlan(draft({ remind: true, follow_up_minutes: ' 45 ', pack_size: '28', refill_days: '10' }))
    expect(checked.ok && checked.values).toMatchObject({ remind: true, follow_up_minutes: 45, pack_size: 28, refill_days: 10 })
  })

  it('takes a pack size of at least 0.01 with two decimals at most, or none', () => {
    expect(errorsOf({ pack_size: '0' }).pack_size).toBe('Give the pack size from 0.01 to 999,999.99.')
    expect(errorsOf({ pack_size: '30.125' }).pack_size).toBe('Use at most 2 decimals for the pack size.')
    expect(errorsOf({ pack_size: 'thirty' }).pack_size).toBe('Give the pack size as a number, like 30 or 12.5.')
    const checked = checkPlan(draft({ pack_size: '' }))
    expect(checked.ok && checked.values.pack_size).toBeNull()
  })

  it('leaves the settings out while the device has not received them', () => {
    const upgraded = { refill_days: 0 } as Regimen
    expect(knowsReminderSettings(upgraded)).toBe(false)
    expect(knowsReminderSettings(undefined)).toBe(true)
    const checked = checkPlan(draft({ refill_days: '0' }), null, false)
    expect(checked.ok && Object.keys(checked.values)).not.toContain('refill_days')
  })

  it('counts stock from 0 to 9,999 servings', () => {
    expect(checkStock('0', 'the count')).toEqual({ value: 0 })
    expect(checkStock('12,5', 'the count')).toEqual({ value: 12.5 })
    expect(checkStock('10000', 'the count')).toEqual({ error: 'Give the count from 0 to 9,999.' })
    expect(checkStock('-1', 'the count')).toEqual({ error: 'Give the count as a number, like 30 or 12.5.' })
  })
})

describe('checkPlan', () => {
  it('accepts a daily plan and stores times sorted and once each', () => {
    const result = checkPlan(draft({ times: ['20:00', '08:00', '20:00'], servings_per_dose: '1,5', note: 'with food' }))
    expect(result).toEqual({
      ok: true,
      values: {
        product_id: 'product-1',
        schedule_kind: 'daily',
        times: '["08:00","20:00"]',
        weekdays: '[]',
        day_of_month: null,
        interval_days: null,
        servings_per_dose: 1.5,
        start_date: TODAY,
        note: 'with food',
        remind: false,
        follow_up_minutes: null,
        pack_size: null,
        refill_days: 7,
      },
    })
  })

  it('needs a product', () => {
    expect(errorsOf({ product_id: '' })).toEqual({ product_id: 'Choose a product, or add your own.' })
  })

  it('needs one to twelve 24-hour times for timed schedules', () => {
    expect(errorsOf({ times: [] }).times).toBe('Give at least one time of day.')
    expect(errorsOf({ times: [''] }).times).toBe('Give at least one time of day.')
    expect(errorsOf({ times: ['8:00'] }).times).toBe('Each time must be a 24-hour time like 08:00.')
    expect(errorsOf({ times: ['24:00'] }).times).toBe('Each time must be a 24-hour time like 08:00.')
    const thirteen = Array.from({ length: 13 }, (_, i) => `${String(i + 8).padStart(2, '0')}:00`)
    expect(errorsOf({ times: thirteen }).times).toBe('At most 12 times a day.')
    expect(errorsOf({ times: thirteen.slice(0, 12) }).times).toBeUndefined()
  })

  it('needs a weekday for weekday plans', () => {
    expect(errorsOf({ schedule_kind: 'weekdays', weekdays: [] }).weekdays).toBe('Choose at least one weekday.')
    const ok = checkPlan(draft({ schedule_kind: 'weekdays', weekdays: [4, 1, 4] }))
    expect(ok.ok && ok.values.weekdays).toBe('[1,4]')
  })

  it('needs a day of month from 1 to 31 for monthly plans', () => {
    for (const bad of ['0', '32', '', '1.5', 'x']) {
      expect(errorsOf({ schedule_kind: 'monthly', day_of_month: bad }).day_of_month).toBe('Give a day of the month from 1 to 31.')
    }
    const ok = checkPlan(draft({ schedule_kind: 'monthly', day_of_month: '31' }))
    expect(ok.ok && [ok.values.day_of_month, ok.values.interval_days]).toEqual([31, null])
  })

  it('needs every 2 to 365 days for interval plans', () => {
    expect(errorsOf({ schedule_kind: 'interval', interval_days: '1' }).interval_days).toBe('Give a number of days from 2 to 365.')
    expect(errorsOf({ schedule_kind: 'interval', interval_days: '366' }).interval_days).toBe('Give a number of days from 2 to 365.')
    const ok = checkPlan(draft({ schedule_kind: 'interval', interval_days: '3', day_of_month: '5' }))
    expect(ok.ok && [ok.values.interval_days, ok.values.day_of_month]).toEqual([3, null])
  })

  it('clears times and other fields an as-needed plan does not use', () => {
    const ok = checkPlan(draft({ schedule_kind: 'as_needed', times: ['nonsense'], weekdays: [1] }))
    expect(ok.ok && [ok.values.times, ok.values.weekdays]).toEqual(['[]', '[]'])
  })

  it('keeps servings between 0.01 and 100 with at most 2 decimals', () => {
    expect(errorsOf({ servings_per_dose: '' }).servings_per_dose).toBe('Give the servings per dose as a number, like 1 or 0.5.')
    expect(errorsOf({ servings_per_dose: '0' }).servings_per_dose).toBe('Servings per dose must be at least 0.01.')
    expect(errorsOf({ servings_per_dose: '101' }).servings_per_dose).toBe('At most 100 servings per dose.')
    expect(errorsOf({ servings_per_dose: '0.125' }).servings_per_dose).toBe('Use at most 2 decimals for the servings.')
    expect(errorsOf({ servings_per_dose: '-1' }).servings_per_dose).toBeDefined()
    expect(errorsOf({ servings_per_dose: '100' }).servings_per_dose).toBeUndefined()
  })

  it('needs a real start date, not after the plan’s end', () => {
    expect(errorsOf({ start_date: '2025-02-30' }).start_date).toBe('Give the date you start, like 2025-03-01.')
    expect(errorsOf({ start_date: '' }).start_date).toBeDefined()
    expect(errorsOf({ start_date: '2025-03-10' }, '2025-03-08').start_date).toBe(
      'This plan ended on 2025-03-08; the start must be on or before that.',
    )
    expect(errorsOf({ start_date: '2025-03-08' }, '2025-03-08').start_date).toBeUndefined()
  })

  it('keeps the note to 1000 characters', () => {
    expect(errorsOf({ note: 'x'.repeat(1001) }).note).toBe('Keep the note to 1000 characters (now 1001).')
    expect(errorsOf({ note: 'x'.repeat(1000) }).note).toBeUndefined()
  })

  it('reads an existing plan back into the form', () => {
    const regimen: Regimen = {
      id: 'r1',
      product_id: 'product-1',
      servings_per_dose: 2,
      schedule_kind: 'weekdays',
      times: '["07:00"]',
      weekdays: '[1]',
      day_of_month: null,
      interval_days: null,
      start_date: '2025-01-06',
      end_date: null,
      note: '',
      confirmed_findings: '[]',
      remind: false,
      follow_up_minutes: null,
      pack_size: null,
      refill_days: 7,
      created_at: 0,
      updated_at: 0,
    }
    const back = checkPlan(planDraftOf(regimen))
    expect(back.ok && back.values).toMatchObject({ times: '["07:00"]', weekdays: '[1]', servings_per_dose: 2, start_date: '2025-01-06' })
  })
})

describe('scheduleWords', () => {
  const words = (values: Partial<Regimen>) =>
    scheduleWords({ schedule_kind: 'daily', times: '[]', weekdays: '[]', day_of_month: null, interval_days: null, ...values })

  it('says each kind of schedule in words', () => {
    expect(words({ times: '["20:00","08:00"]' })).toBe('Daily at 08:00 and 20:00')
    expect(words({ schedule_kind: 'weekdays', weekdays: '[1]', times: '["07:00"]' })).toBe('Mondays at 07:00')
    expect(words({ schedule_kind: 'weekdays', weekdays: '[5,1,3]', times: '["07:00"]' })).toBe('Mondays, Wednesdays and Fridays at 07:00')
    expect(words({ schedule_kind: 'monthly', day_of_month: 1, times: '["09:00"]' })).toBe('Monthly on day 1 at 09:00')
    expect(words({ schedule_kind: 'interval', interval_days: 3, times: '["09:00"]' })).toBe('Every 3 days at 09:00')
    expect(words({ schedule_kind: 'as_needed' })).toBe('As needed')
  })

  it('writes dates with the year', () => {
    expect(dateWords('2025-03-03')).toBe('3 March 2025')
    expect(isDate('2024-02-29')).toBe(true)
    expect(isDate('2025-02-29')).toBe(false)
  })
})

describe('checkProduct', () => {
  function product(values: Partial<ProductDraft>) {
    return checkProduct({ ...newProductDraft(), name: 'Magnesium', ...values })
  }
  const errors = (values: Partial<ProductDraft>) => {
    const result = product(values)
    return result.ok ? {} : result.errors
  }

  it('builds a supplement row without drug details', () => {
    const result = product({ name: '  Magnesium  ', brand: 'Acme', strength_mg: '', drug_class: 'bisphosphonate', drug: 'alendronate', usual_schedule: 'weekly' })
    expect(result).toEqual({
      ok: true,
      values: {
        name: 'Magnesium',
        brand: 'Acme',
        kind: 'supplement',
        drug_class: '',
        drug: '',
        release: 'immediate',
        strength_mg: null,
        serving_unit: 'capsule',
        notes: '',
        usual_schedule: '',
        ingredients: '[]',
      },
    })
  })

  it('keeps a medicine’s drug class, drug, release, strength and labelled frequency', () => {
    const result = product({ kind: 'medicine', drug_class: 'bisphosphonate', drug: 'risedronate', release: 'delayed', strength_mg: '35', serving_unit: 'tablet', usual_schedule: 'weekly' })
    expect(result.ok && result.values).toMatchObject({ drug_class: 'bisphosphonate', drug: 'risedronate', release: 'delayed', strength_mg: 35, usual_schedule: 'weekly' })
  })

  it('says what is wrong in words', () => {
    expect(errors({ name: ' ' }).name).toBe('Give the product’s name.')
    expect(errors({ name: 'x'.repeat(121) }).name).toBe('At most 120 characters.')
    expect(errors({ brand: 'x'.repeat(81) }).brand).toBe('At most 80 characters.')
    expect(errors({ serving_unit: 'bottle' }).serving_unit).toBe('Choose a serving unit.')
    expect(errors({ strength_mg: 'ten' }).strength_mg).toMatch(/as a number/)
    expect(errors({ strength_mg: '0' }).strength_mg).toBe('The strength must be more than 0 mg.')
    expect(errors({ strength_mg: '1.0005' }).strength_mg).toBe('Use at most 3 decimals for the strength.')
    expect(errors({ strength_mg: '100000' }).strength_mg).toBe('The strength must be under 100000 mg.')
    expect(errors({ kind: 'medicine', drug_class: 'bisphosphonate', drug: 'warfarin' }).drug).toBe('Choose a drug that fits the drug class.')
  })

  it('offers only the drugs of the chosen class', () => {
    expect(drugsFor('bisphosphonate').map(([v]) => v)).toEqual(['', 'alendronate', 'risedronate', 'ibandronate', 'other'])
    expect(drugsFor('antacid').map(([v]) => v)).toEqual(['', 'other'])
    expect(drugsFor('').map(([v]) => v)).toEqual([''])
  })
})
