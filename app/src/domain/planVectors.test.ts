// The app's plan checks and day planner are the server's rules: on every case of the golden
// file that tests/rules/test_planner_vectors.py writes from the Python rules (the worked
// cases and a few hundred seeded-random plans and days), the TypeScript port gives the same
// findings, the same laid-out day with the same why texts and sources, the same unmet rules,
// changes and applied plans, in the same order. When a rule changes on the server, that test
// fails until the file is written again, and then this one until the port follows.
import { describe, expect, it } from 'vitest'

import { apply, planDay } from './dayPlanner'
import { evaluate } from './planChecks'
import { ruleProduct, type IngredientEntry, type ProductRow } from './planFacts'
import type { MemberDay, RuleProduct, RuleRegimen, RuleSchedule } from './planTypes'

interface Case {
  name: string
  inputs: {
    today: string
    day: MemberDay
    regimens: (Omit<RuleRegimen, 'product'> & { product: string })[]
  }
  expected: {
    findings: unknown[]
    plan: unknown
    applied: { id: string; schedules: RuleSchedule[] }[]
    replanned_changes: unknown[]
  }
}

interface Vectors {
  catalogue: Record<string, RuleProduct>
  cases: Case[]
  products: { row: ProductRow; ingredients: IngredientEntry[]; product: RuleProduct }[]
}

const RAW = import.meta.glob<string>('./planVectors.json', { query: '?raw', import: 'default', eager: true })
const VECTORS = JSON.parse(RAW['./planVectors.json']) as Vectors

function regimensOf(found: Case): RuleRegimen[] {
  return found.inputs.regimens.map((r) => ({ ...r, product: VECTORS.catalogue[r.product] }))
}

describe('the golden file', () => {
  it('holds the worked cases and a few hundred random ones', () => {
    expect(VECTORS.cases.length).toBeGreaterThan(300)
    expect(VECTORS.cases[0].name).toBe('four plans of a new member')
  })
})

describe.each(VECTORS.cases.map((c) => [c.name, c] as const))('%s', (_name, found) => {
  const regimens = regimensOf(found)
  const { today, day } = found.inputs

  it('has the same findings, in the same order', () => {
    expect(evaluate({ today, regimens, day })).toEqual(found.expected.findings)
  })

  it('lays out the same day, and applying it changes the same plans', () => {
    const plan = planDay(regimens, day, today)
    expect(plan).toEqual(found.expected.plan)
    const applied = apply(regimens, plan)
    const changed = applied.filter((after, i) => after !== regimens[i]).map((r) => ({ id: r.id, schedules: r.schedules }))
    expect(changed).toEqual(found.expected.applied)
    expect(planDay(applied, day, today).changes).toEqual(found.expected.replanned_changes)
  })
})

describe('products from their ingredients', () => {
  it.each(VECTORS.products.map((p) => [p.row.name, p] as const))('%s', (_name, found) => {
    expect(ruleProduct(found.row, found.ingredients)).toEqual(found.product)
  })
})
