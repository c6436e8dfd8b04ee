import { describe, expect, it } from 'vitest'

import { missedDoses } from './missedDose'
import type { Flag } from './rows'

function flag(explanation: string, values: Partial<Flag> = {}): Flag {
  return {
    id: 'f', code: 'bisphosphonate_missed_dose', subject: 'r-ibn', severity: 'warning', title: 'Missed ibandronate dose', explanation,
    evidence: '{}', source: 'FDA-IBN', audience: 'both', first_seen_at: 0, resolved_at: null, acknowledged_at: null, ...values,
  }
}

// The server's words (tracking/rules/flags/bisphosphonate.py _missed_flag).
const MONTHLY_FAR =
  'Your monthly ibandronate dose due on Tuesday 1 December is not logged. Your next dose is more than 7 days away. The label says: take it the morning after you remember, then go back to your usual day of the month.'
const MONTHLY_NEAR =
  'Your monthly ibandronate dose due on Tuesday 1 December is not logged. Your next dose is due in 5 days. The label says: when the next dose is 7 days away or fewer, wait for it and take it as usual.'
const OTHER =
  'Your monthly risedronate dose due on Tuesday 1 December is not logged. How to catch up depends on when your next dose is due, so follow the instructions that came with your medicine or ask your pharmacist.'

describe('a missed bisphosphonate dose in Today', () => {
  it('quotes the label apart from what was observed, with the source by name', () => {
    expect(missedDoses([flag(MONTHLY_FAR)])).toEqual([
      {
        regimenId: 'r-ibn',
        title: 'Missed ibandronate dose',
        observed: 'Your monthly ibandronate dose due on Tuesday 1 December is not logged. Your next dose is more than 7 days away.',
        label: 'Take it the morning after you remember, then go back to your usual day of the month.',
        sources: ['US prescribing information and medication guide for ibandronate'],
      },
    ])
    expect(missedDoses([flag(MONTHLY_NEAR)])[0].label).toBe('When the next dose is 7 days away or fewer, wait for it and take it as usual.')
  })

  it('quotes nothing when the flag quotes no label', () => {
    expect(missedDoses([flag(OTHER, { source: 'FDA-RIS' })])[0]).toMatchObject({ observed: OTHER, label: null })
  })

  it('shows only active flags meant for the member', () => {
    expect(missedDoses([flag(MONTHLY_FAR, { resolved_at: 1 }), flag(MONTHLY_FAR, { audience: 'dietitian' }), flag(MONTHLY_FAR, { code: 'other' })])).toEqual([])
  })
})
