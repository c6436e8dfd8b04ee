// Today's running total on the phone: issue 16's worked cases, exact decimals, and the words
// the Nutrients screen says for each bar.
import { describe, expect, it } from 'vitest'

import { bars, contributionText, formatAmount, weekShares } from './nutrients'
import { ruleProduct } from './planFacts'
import type { RuleProduct } from './planTypes'
import type { NutrientDay, NutrientTarget } from './rows'
import { instantOf } from './time'
import { byProduct, decimal, fromIu, group, plus, takenByDay, text, times, toIu, type TotalsDose } from './totals'

const ZONE = 'Europe/Amsterdam'
const DAY = '2026-12-01'
const row = (id: string, name: string) => ({ id, name, kind: 'supplement' as const, drug_class: '', drug: '', release: 'immediate' })
const TRIO = ruleProduct(row('trio', 'D3 + K2 + Magnesium'), [
  { nutrient: 'd3', amount: 25 },
  { nutrient: 'k2_mk7', amount: 90 },
  { nutrient: 'magnesium', amount: 100 },
])
const D3 = ruleProduct(row('d3', 'Vitamin D3 25 µg'), [{ nutrient: 'd3', amount: 25 }])
const CARBONATE = ruleProduct(row('ca', 'Calcium carbonate 1250 mg'), [{ nutrient: 'calcium', amount: '1250.000', form: 'carbonate', basis: 'compound' }])
const PRODUCTS = new Map<string, RuleProduct>([TRIO, D3, CARBONATE].map((p) => [p.id, p]))

function dose(product: string, time: string, servings = 1, status = 'taken', day = DAY): TotalsDose {
  return { product_id: product, taken_at: instantOf(day, time, ZONE), status, servings }
}

function target(nutrient: string, unit: string, intake: number | null, upper: number | null, kind = 'rda'): NutrientTarget {
  return { id: nutrient, nutrient, unit, intake_kind: kind, intake, upper_limit: upper, source: 'ODS-CA', note: '' }
}

const TARGETS = [target('vitamin_k', 'mcg', 90, null, 'ai'), target('vitamin_d', 'mcg', 15, 100), target('calcium', 'mg', 1200, 2000), target('magnesium', 'mg', 320, 350)]

describe('exact decimals', () => {
  it('adds and multiplies without binary rounding', () => {
    expect(text(plus(decimal(0.1), decimal(0.2)))).toBe('0.3')
    expect(text(times(decimal('333.000'), decimal('0.40')))).toBe('133.2')
    expect(text(decimal('1e-7'))).toBe('0.0000001')
    expect(text(decimal(1e21))).toBe('1000000000000000000000')
  })

  it('converts micrograms and IU both ways exactly', () => {
    for (const mcg of ['12.345', '0.001', '25', '1000.5']) expect(text(fromIu(toIu(decimal(mcg))))).toBe(text(decimal(mcg)))
    expect(text(fromIu(decimal(1)))).toBe('0.025')
  })
})

describe('today from the doses ticked', () => {
  it('a trio and a separate D3 add up to 50 µg of vitamin D (2,000 IU)', () => {
    const today = takenByDay([dose('trio', '08:00'), dose('d3', '20:00')], PRODUCTS, ZONE).get(DAY)!
    expect(text(group(today, 'vitamin_d'))).toBe('50')
    expect(text(toIu(group(today, 'vitamin_d')))).toBe('2000')
    expect(text(group(today, 'vitamin_k'))).toBe('90')
    expect(text(group(today, 'magnesium'))).toBe('100')
  })

  it('calcium carbonate 1,250 mg is 500 mg of calcium; half a serving half of it', () => {
    expect(text(takenByDay([dose('ca', '08:00')], PRODUCTS, ZONE).get(DAY)!.calcium!)).toBe('500')
    expect(text(takenByDay([dose('ca', '08:00', 0.5)], PRODUCTS, ZONE).get(DAY)!.calcium!)).toBe('250')
  })

  it('counts skipped doses and unknown products as nothing, and yesterday on its own day', () => {
    const days = takenByDay([dose('trio', '08:00', 1, 'skipped'), dose('nope', '09:00'), dose('d3', '23:30', 1, 'taken', '2026-11-30')], PRODUCTS, ZONE)
    expect(days.get(DAY)).toBeUndefined()
    expect(text(days.get('2026-11-30')!.d3!)).toBe('25')
  })

  it('says which product gave what', () => {
    const found = byProduct([dose('trio', '08:00'), dose('d3', '20:00')], PRODUCTS, ZONE, DAY, DAY)
    expect([...found.keys()].sort()).toEqual(['d3', 'trio'])
    expect(contributionText(found.get('trio')!, 'metric')).toBe('Vitamin K 90 µg, vitamin D 25 µg (1,000 IU), magnesium 100 mg')
  })
})

describe('the bars', () => {
  const today = takenByDay([dose('trio', '08:00'), dose('d3', '20:00'), dose('ca', '08:00'), dose('ca', '13:00')], PRODUCTS, ZONE).get(DAY)!

  it('say each amount against the reference and the limit in words', () => {
    const found = bars(today, TARGETS, 'metric')
    const calcium = found.find((b) => b.group === 'calcium')!
    expect(calcium.words).toBe('Calcium today: 1,000 milligrams of 1,200 milligrams recommended; upper limit 2,000 milligrams. Below the reference intake. As planned today: 0 milligrams.')
    const d = found.find((b) => b.group === 'vitamin_d')!
    expect(d.amountText).toBe('50 µg (2,000 IU)')
    expect(d.standing).toBe('reached')
    expect(d.words).toContain('Vitamin D today: 50 micrograms (2,000 international units) of 15 micrograms (600 international units) recommended')
    expect(d.words).toContain('D3 (cholecalciferol) 50 micrograms')
    const k = found.find((b) => b.group === 'vitamin_k')!
    expect(k.words).toContain('of 90 micrograms adequate intake; no upper limit set')
    expect(k.parts.map((p) => p.text)).toEqual(['0 µg', '0 µg', '90 µg'])
  })

  it('put IU first for a member who reads imperial units', () => {
    expect(bars(today, TARGETS, 'imperial').find((b) => b.group === 'vitamin_d')!.amountText).toBe('2,000 IU (50 µg)')
    expect(formatAmount(12.345, 'vitamin_d', 'imperial')).toBe('493.8 IU (12.35 µg)')
  })

  it('name a day over the upper limit in words, not colour alone', () => {
    const over = takenByDay([dose('trio', '08:00', 4)], PRODUCTS, ZONE).get(DAY)!
    const magnesium = bars(over, TARGETS, 'metric').find((b) => b.group === 'magnesium')!
    expect(magnesium.standing).toBe('over_limit')
    expect(magnesium.words).toContain('Above the upper limit')
  })

  it('say what the day adds up to as planned', () => {
    const planned = takenByDay([dose('trio', '08:00'), dose('d3', '20:00')], PRODUCTS, ZONE).get(DAY)!
    const d = bars({}, TARGETS, 'metric', planned).find((b) => b.group === 'vitamin_d')!
    expect(d.plannedText).toBe('50 µg (2,000 IU)')
    expect(d.words).toContain('Below the reference intake. As planned today: 50 micrograms (2,000 international units).')
  })

  it('work without targets (before the first sync of schema 3)', () => {
    const found = bars(today, [], 'metric')
    expect(found.every((b) => b.standing === 'none')).toBe(true)
    expect(found[0].words).toContain('no reference intake for your profile')
  })
})

describe('the weeks', () => {
  it('average each week a day, with today as the phone counts it', () => {
    const stored = { id: 'x', day: '2026-11-24', k1: 0, k2_mk4: 0, k2_mk7: 0, d2: 0, d3: 105, calcium: 0, magnesium: 0 } as NutrientDay
    const today = takenByDay([dose('d3', '08:00')], PRODUCTS, ZONE).get(DAY)!
    // 30 Nov is a Monday: this week has two days so far (30 Nov, 1 Dec).
    const [last, current] = weekShares(['2026-11-23', '2026-11-30'], [stored], DAY, today, TARGETS)
    expect(last.perDay.vitamin_d).toBe(15)
    expect(last.share.vitamin_d).toBe(100)
    expect(current.days).toBe(2)
    expect(current.perDay.vitamin_d).toBe(12.5)
  })
})
