import { describe, expect, it } from 'vitest'

import { compareFlags, evidenceFacts, labelFor } from './evidence'
import { SOURCE_NAMES, sourceNames } from './sources'

// Evidence shapes as the rules in tracking/rules/flags/ write them.
const facts = (evidence: object) => evidenceFacts(JSON.stringify(evidence))

describe('evidenceFacts', () => {
  it('shows the key facts of a low PDC flag in words, without ids', () => {
    expect(
      facts({ regimen_id: '8b7c…', product: 'Calcium citrate 315 mg', pdc_pct: 62.5, threshold_pct: 80.0, period: 'last 4 weeks' }),
    ).toEqual([
      { label: 'Product', value: 'Calcium citrate 315 mg' },
      { label: 'Days covered', value: '62.5%' },
      { label: 'Threshold', value: '80%' },
      { label: 'Period', value: 'Last 4 weeks' },
    ])
  })

  it('reads quantities, nested regimens, dates and nutrient codes', () => {
    const result = facts({
      nutrient: 'vitamin_d',
      upper_limit: { amount: 100.0, unit: 'mcg' },
      life_stage: 'female, 51-70 years',
      scheduled_per_day: { amount: 125.0, unit: 'mcg' },
      scheduled_regimens: [{ regimen_id: 'x', product: 'Vitamin D3 125 mcg', amount: 125.0, unit: 'mcg' }],
      highest_logged_day: null,
      limit_note: '',
    })
    expect(result).toEqual([
      { label: 'Nutrient', value: 'Vitamin D' },
      { label: 'Upper limit a day', value: '100 mcg' },
      { label: 'Life stage', value: 'Female, 51-70 years' },
      { label: 'Planned a day', value: '125 mcg' },
      { label: 'Planned from', value: 'Vitamin D3 125 mcg: 125 mcg' },
    ])
  })

  it('describes absorption conflicts and missed doses', () => {
    const result = facts({
      drug: 'alendronate',
      release: 'immediate',
      wait_minutes: 30,
      same_morning_rule: false,
      conflicts: [
        {
          bisphosphonate: { origin: 'logged', at: '2025-11-24T07:05:00+01:00', product: 'Alendronate 70 mg', product_id: 'p', regimen_id: 'r', dose_id: 'd' },
          other: { origin: 'logged', at: '2025-11-24T07:15:00+01:00', product: 'Calcium citrate 315 mg', product_id: 'q', regimen_id: null, dose_id: 'e' },
          minutes_after: 10.0,
        },
      ],
    })
    expect(result).toEqual([
      { label: 'Medicine', value: 'Alendronate' },
      { label: 'Release', value: 'Immediate' },
      { label: 'Wait after the dose', value: '30 minutes' },
      { label: 'Too close together', value: 'Calcium citrate 315 mg 10 minutes after Alendronate 70 mg on 24 November 2025, 07:05 (logged)' },
    ])
    expect(facts({ cadence: 'weekly', missed: [{ due_at: '2025-11-24T06:00:00+00:00', local_date: '2025-11-24' }] })).toEqual([
      { label: 'Schedule', value: 'Weekly' },
      { label: 'Missed', value: '24 November 2025' },
    ])
  })

  it('reads age windows, yes/no values and lists of codes', () => {
    expect(facts({ age_years: 59, sex: 'female', window_years: [18, 30], life_stage_window_unclear: true, blocked_checks: ['life_stage', 'above_upper_limit'] })).toEqual([
      { label: 'Age', value: '59 years' },
      { label: 'Sex', value: 'Female' },
      { label: 'Ages', value: '18–30 years' },
      { label: 'Life stage unclear', value: 'Yes' },
      { label: 'Checks not possible', value: 'Life stage; upper limits' },
    ])
  })

  it('labels keys it does not know from the key itself', () => {
    expect(facts({ new_measure: 3.14159, some_flag: false })).toEqual([
      { label: 'New measure', value: '3.1' },
      { label: 'Some flag', value: 'No' },
    ])
    expect(labelFor('doses_per_week')).toBe('Doses per week')
  })

  it('gives nothing for text that is not a JSON object', () => {
    expect(evidenceFacts('')).toEqual([])
    expect(evidenceFacts('not json')).toEqual([])
    expect(evidenceFacts('[1, 2]')).toEqual([])
  })
})

describe('compareFlags', () => {
  it('orders critical, warning, info, then newest first', () => {
    const flags = [
      { id: 'old info', severity: 'info' as const, first_seen_at: 1 },
      { id: 'old warning', severity: 'warning' as const, first_seen_at: 2 },
      { id: 'new info', severity: 'info' as const, first_seen_at: 9 },
      { id: 'critical', severity: 'critical' as const, first_seen_at: 0 },
      { id: 'new warning', severity: 'warning' as const, first_seen_at: 5 },
    ]
    expect([...flags].sort(compareFlags).map((f) => f.id)).toEqual(['critical', 'new warning', 'old warning', 'new info', 'old info'])
  })
})

describe('sourceNames', () => {
  it('names each key of a combined source and keeps unknown keys', () => {
    expect(sourceNames('SEED, FDA-ALN')).toEqual([SOURCE_NAMES.SEED, 'US prescribing information and medication guide for alendronate'])
    expect(sourceNames('PQA-PDC')).toEqual(['Pharmacy Quality Alliance, Proportion of Days Covered'])
    expect(sourceNames('NEW-KEY')).toEqual(['NEW-KEY'])
    expect(sourceNames('')).toEqual([])
  })

  it('knows every source key docs/domain.md lists', () => {
    const keys = ['SEED', 'ODS-CA', 'ODS-D', 'ODS-K', 'ODS-MG', 'FDA-ALN', 'FDA-RIS', 'FDA-IBN', 'FDA-LT4', 'PQA-PDC', 'WMDB']
    for (const key of keys) expect(SOURCE_NAMES[key], key).toBeTruthy()
  })
})
