// The checks and the planner on a member's plans as the device holds them: what the plan form
// asks to confirm, and what the Plan screen shows and applies.
import { describe, expect, it } from 'vitest'

import { appliedRows, currentDay, dayPlan, findings, toConfirm, type Plans } from './planning'
import type { Product, Profile, Regimen } from './rows'

const TODAY = '2026-12-03'

function product(id: string, name: string, values: Partial<Product> = {}): Product {
  return {
    id, name, brand: '', kind: 'supplement', drug_class: '', drug: '', release: 'immediate', strength_mg: null,
    serving_unit: 'tablet', notes: '', usual_schedule: '', ingredients: '[]', created_at: 0, updated_at: 0, ...values,
  }
}

const ALENDRONATE = product('aln', 'Alendronate 70 mg (weekly)', { kind: 'medicine', drug_class: 'bisphosphonate', drug: 'alendronate', usual_schedule: 'weekly' })
const CALCIUM = product('ca', 'Calcium carbonate 500 mg', { ingredients: '[{"nutrient":"calcium","amount":"500.000","form":"carbonate","basis":"elemental"}]' })
const K2 = product('k2', 'Vitamin K2 MK-7 90 mcg', { ingredients: '[{"nutrient":"k2_mk7","amount":"90","form":"all-trans MK-7","basis":"elemental"}]' })
const D3 = product('d3', 'Vitamin D3 25 mcg (1000 IU)', { ingredients: '[{"nutrient":"d3","amount":"25","form":"cholecalciferol","basis":"elemental"}]' })
const WARFARIN = product('wfn', 'Warfarin 1 mg', { kind: 'medicine', drug_class: 'vitamin_k_antagonist', drug: 'warfarin' })
const PRODUCTS = new Map([ALENDRONATE, CALCIUM, K2, D3, WARFARIN].map((p) => [p.id, p]))

function plan(id: string, productId: string, values: Partial<Regimen> = {}): Regimen {
  return {
    id, product_id: productId, servings_per_dose: 1, schedule_kind: 'daily', times: '["08:00"]', weekdays: '[]',
    day_of_month: null, interval_days: null, start_date: '2026-12-01', end_date: null, note: '', confirmed_findings: '[]',
    remind: false, follow_up_minutes: null, pack_size: null, refill_days: 7, created_at: 0, updated_at: 0, ...values,
  }
}

function plans(regimens: Regimen[], profile: Partial<Profile> | null = null): Plans {
  return { regimens, products: PRODUCTS, profile: profile as Profile | null, today: TODAY }
}

const FOUR = [plan('r-aln', 'aln'), plan('r-ca', 'ca', { servings_per_dose: 2 }), plan('r-k2', 'k2'), plan('r-d3', 'd3')]

describe('what saving a plan asks to confirm', () => {
  it('a weekly medicine planned daily, in the finding’s own words, with its source', () => {
    const [found] = toConfirm(plans(FOUR.slice(1)), FOUR[0])
    expect(found).toMatchObject({
      code: 'labelled_frequency',
      subject: 'r-aln',
      title: 'This is a once-a-week dose; your plan takes it every day',
      source: 'FDA-ALN',
    })
    expect(found.explanation).toContain('7 times as many doses as the label describes')
  })

  it('nothing once the plan carries the finding’s code', () => {
    expect(toConfirm(plans(FOUR.slice(1)), { ...FOUR[0], confirmed_findings: '["labelled_frequency"]' })).toEqual([])
  })

  it('vitamin K when an antagonist is added, confirmed on the plan being saved', () => {
    const k2 = plan('r-k2', 'k2')
    const warfarin = plan('r-w', 'wfn')
    expect(toConfirm(plans([k2]), warfarin).map((f) => [f.code, f.subject])).toEqual([['vitamin_k_with_vka', 'r-k2']])
    const confirmed = { ...warfarin, confirmed_findings: '["vitamin_k_with_vka"]' }
    expect(toConfirm(plans([k2]), confirmed)).toEqual([])
    // Later edits of the antagonist's plan do not ask again: the finding is not new and not
    // about it (its subject is the K2 plan).
    expect(toConfirm(plans([k2, warfarin]), { ...warfarin, note: 'evening' })).toEqual([])
  })

  it('again for a plan of its own finding that nobody confirmed (refused by the server, edited again)', () => {
    expect(toConfirm(plans(FOUR), { ...FOUR[0], note: 'after a refusal' }).map((f) => f.code)).toEqual(['labelled_frequency'])
  })

  it('not for warnings and information: they are shown, they do not block', () => {
    const codes = findings(plans(FOUR)).map((f) => f.severity)
    expect(codes).toContain('warning')
    expect(toConfirm(plans(FOUR.slice(0, 1).map((r) => ({ ...r, confirmed_findings: '["labelled_frequency"]' }))), FOUR[1])).toEqual([])
  })
})

describe('the Plan screen’s day', () => {
  it('shows today’s doses where the plans have them, by the member’s day', () => {
    expect(currentDay(plans(FOUR, { wake_time: '07:00', breakfast_time: '08:00', lunch_time: null, dinner_time: '18:30', bed_time: '22:30' }))).toEqual([
      {
        at: '08:00',
        label: 'Breakfast',
        doses: [
          { regimen_id: 'r-aln', product: 'Alendronate 70 mg (weekly)', servings: 1 },
          { regimen_id: 'r-ca', product: 'Calcium carbonate 500 mg', servings: 2 },
          { regimen_id: 'r-d3', product: 'Vitamin D3 25 mcg (1000 IU)', servings: 1 },
          { regimen_id: 'r-k2', product: 'Vitamin K2 MK-7 90 mcg', servings: 1 },
        ],
      },
    ])
  })

  it('suggests the worked day for the four plans, and nothing more once it is applied', () => {
    const suggestion = dayPlan(plans(FOUR))
    expect(suggestion.moments.map((m) => [m.at, m.label, m.doses.map((d) => [d.regimen_id, d.servings])])).toEqual([
      ['07:00', 'On waking', [['r-aln', 1]]],
      ['07:30', 'Breakfast', [['r-ca', 1], ['r-d3', 1], ['r-k2', 1]]],
      ['18:30', 'Dinner', [['r-ca', 1]]],
    ])
    const applied = appliedRows(plans(FOUR), suggestion)
    expect(applied.find((r) => r.id === 'r-ca')).toMatchObject({ times: '["07:30","18:30"]', servings_per_dose: 1 })
    expect(dayPlan(plans(applied)).changes).toEqual([])
  })

  it('leaves out plans that ended before today', () => {
    expect(dayPlan(plans([plan('r-d3', 'd3', { end_date: '2026-12-02' })])).moments).toEqual([])
  })
})
