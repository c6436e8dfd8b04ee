// The app's stock is the server's: on every case of the golden file that
// tests/rules/test_stock_vectors.py writes from tracking/rules/stock.py (the server tests'
// worked cases and a couple of hundred seeded-random histories in five zones, across both DST
// changes), the TypeScript port gives the same servings on hand, the same "runs out on" and
// the same refill reminder days. When the rules change on the server, that test fails until
// the file is written again, and then this one until the port follows.
import { describe, expect, it } from 'vitest'

import type { RuleProduct, RuleRegimen } from './planTypes'
import { onHand, refillReminderDay, runsOutOn, type StockChange, type StockDose } from './stock'
import { localDate } from './time'
import { text } from './totals'

interface Case {
  name: string
  inputs: { zone: string; now: number; changes: StockChange[]; doses: StockDose[]; regimen: Omit<RuleRegimen, 'product'> & { product: string } }
  expected: { on_hand: string | null; runs_out_on: string | null; refill_reminder_days: Record<string, string> }
}

const RAW = import.meta.glob<string>('./stockVectors.json', { query: '?raw', import: 'default', eager: true })
const CASES = (JSON.parse(RAW['./stockVectors.json']) as { cases: Case[] }).cases
const PRODUCT: RuleProduct = { id: 'calcium', name: 'Calcium', kind: 'supplement', drug_class: '', drug: '', release: 'immediate', nutrients: {}, forms: {}, usual_schedule: '' }

describe('the golden file', () => {
  it('holds the worked cases and a couple of hundred random ones', () => {
    expect(CASES.length).toBeGreaterThan(200)
    expect(CASES[1].expected).toMatchObject({ on_hand: '9', runs_out_on: '2026-11-28' })
  })
})

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, found) => {
  const { zone, now, changes, doses } = found.inputs
  const regimen: RuleRegimen = { ...found.inputs.regimen, product: PRODUCT }

  it('has the same on hand, runs-out day and refill reminder days', () => {
    const stock = onHand(changes, doses, now)
    expect(stock === null ? null : text(stock)).toBe(found.expected.on_hand)
    const runsOut = stock === null ? null : runsOutOn(stock, regimen, localDate(now, zone))
    expect(runsOut).toBe(found.expected.runs_out_on)
    const days = runsOut === null ? {} : Object.fromEntries(Object.keys(found.expected.refill_reminder_days).map((d) => [d, refillReminderDay(runsOut, Number(d))]))
    expect(days).toEqual(found.expected.refill_reminder_days)
  })
})
