// The app's running totals are the server's: on every case of the golden file that
// tests/rules/test_totals_vectors.py writes from tracking/rules/totals.py (issue 16's worked
// cases and a couple of hundred seeded-random days in five zones), the TypeScript port gives
// the same exact decimals for each day taken and as planned, the groups, vitamin D in IU and
// what each product gave. When the totals change on the server, that test fails until the
// file is written again, and then this one until the port follows.
import { describe, expect, it } from 'vitest'

import { ruleProduct, type IngredientEntry, type ProductRow } from './planFacts'
import type { RuleProduct, RuleRegimen } from './planTypes'
import { addDays } from './time'
import { byProduct, GROUP_NAMES, group, plannedByDay, takenByDay, text, toIu, type Totals, type TotalsDose } from './totals'

interface Case {
  name: string
  inputs: { zone: string; doses: TotalsDose[]; regimens: (Omit<RuleRegimen, 'product'> & { product: string })[] }
  expected: {
    taken: Record<string, Record<string, string>>
    planned: Record<string, Record<string, string>>
    groups_today: Record<string, string>
    vitamin_d_iu_today: string
    by_product_today: Record<string, Record<string, string>>
  }
}

interface Vectors {
  today: string
  products: { row: ProductRow; ingredients: IngredientEntry[] }[]
  cases: Case[]
}

const RAW = import.meta.glob<string>('./totalsVectors.json', { query: '?raw', import: 'default', eager: true })
const VECTORS = JSON.parse(RAW['./totalsVectors.json']) as Vectors
const PRODUCTS = new Map<string, RuleProduct>(VECTORS.products.map((p) => [p.row.id, ruleProduct(p.row, p.ingredients)]))
const TODAY = VECTORS.today

function texts(totals: Totals): Record<string, string> {
  return Object.fromEntries(Object.entries(totals).map(([code, amount]) => [code, text(amount)]).sort(([a], [b]) => (a < b ? -1 : 1)))
}

function days(found: Map<string, Totals>): Record<string, Record<string, string>> {
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, totals]) => [day, texts(totals)]))
}

describe('the golden file', () => {
  it('holds the worked cases and a couple of hundred random ones', () => {
    expect(VECTORS.cases.length).toBeGreaterThan(200)
    expect(VECTORS.cases[0].expected.groups_today.vitamin_d).toBe('50')
  })
})

describe.each(VECTORS.cases.map((c) => [c.name, c] as const))('%s', (_name, found) => {
  const { zone, doses } = found.inputs
  const regimens = found.inputs.regimens.map((r) => ({ ...r, product: PRODUCTS.get(r.product)! }))

  it('adds up each day taken and as planned to the same decimals', () => {
    expect(days(takenByDay(doses, PRODUCTS, zone))).toEqual(found.expected.taken)
    expect(days(plannedByDay(regimens, addDays(TODAY, -3), TODAY))).toEqual(found.expected.planned)
  })

  it('gives the same groups, IU and products for today', () => {
    const today = takenByDay(doses, PRODUCTS, zone).get(TODAY) ?? {}
    expect(Object.fromEntries(GROUP_NAMES.map((name) => [name, text(group(today, name))]))).toEqual(found.expected.groups_today)
    expect(text(toIu(group(today, 'vitamin_d')))).toBe(found.expected.vitamin_d_iu_today)
    const products = byProduct(doses, PRODUCTS, zone, TODAY, TODAY)
    expect(Object.fromEntries([...products].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, t]) => [id, texts(t)]))).toEqual(found.expected.by_product_today)
  })
})
