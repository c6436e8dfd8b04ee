// What the device holds, as the plan checks and the day planner take it: the app's copy of
// tracking/facts.py (product, elemental_amount, member_day, plan). Local rows and the cached
// catalogue become the rules' plain data here and nowhere else, so the rules see the same
// facts as on the server.
import { elemental } from './medicines'
import { USUAL_DAY, type MemberDay, type RuleProduct, type RuleRegimen } from './planTypes'
import { parseList, type Product, type Profile, type Regimen } from './rows'

/** One ingredient as the catalogue and sync carry it (JSON in products.ingredients). */
export interface IngredientEntry {
  nutrient: string
  amount: number | string
  form?: string
  // "elemental", or "compound": the weight of a mineral salt (a cache from before schema 2
  // has none: elemental, the server's default).
  basis?: string
}

export type ProductRow = Pick<Product, 'id' | 'name' | 'kind' | 'drug_class' | 'drug' | 'release'> & { usual_schedule?: string }

/** An ingredient's elemental amount: as given, or a salt's weight times its share of the
 * mineral (docs/domain.md#elemental-calcium), in decimal as on the server. */
export function elementalAmount(amount: number | string, form: string, basis: string): number {
  if (basis !== 'compound') return Number(amount)
  return elemental(amount, form) ?? Number(amount)
}

/** A rule product from a product row and its ingredients: amounts per serving by nutrient
 * code, minerals as elemental amounts. */
export function ruleProduct(row: ProductRow, ingredients: IngredientEntry[]): RuleProduct {
  const nutrients: Record<string, number> = {}
  const forms: Record<string, string> = {}
  for (const { nutrient, amount, form = '', basis = 'elemental' } of ingredients) {
    nutrients[nutrient] = elementalAmount(amount, form, basis)
    if (form) forms[nutrient] = form
  }
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    drug_class: row.drug_class,
    drug: row.drug,
    release: row.release,
    nutrients,
    forms,
    usual_schedule: row.usual_schedule ?? '',
  }
}

/** A product row (local or from the cached catalogue) as the rules take it. */
export function ruleProductOf(product: Product): RuleProduct {
  return ruleProduct(product, parseList<IngredientEntry>(product.ingredients))
}

// A plan whose product is not on this device (the catalogue not yet downloaded): the rules
// know nothing about it, so it raises nothing.
function unknownProduct(id: string): RuleProduct {
  return { id, name: 'Unknown product', kind: 'supplement', drug_class: '', drug: '', release: 'immediate', nutrients: {}, forms: {}, usual_schedule: '' }
}

/** A plan row as the rules take it. The device keeps a plan's current schedule only (the
 * server keeps its history), in force from its start: the same answers from today on. */
export function ruleRegimen(row: Regimen, product: RuleProduct | undefined): RuleRegimen {
  return {
    id: row.id,
    product: product ?? unknownProduct(row.product_id),
    start_date: row.start_date,
    end_date: row.end_date,
    schedules: [
      {
        effective_from: row.start_date,
        kind: row.schedule_kind,
        times: parseList<string>(row.times),
        weekdays: parseList<number>(row.weekdays),
        day_of_month: row.day_of_month,
        interval_days: row.interval_days,
        servings_per_dose: row.servings_per_dose,
      },
    ],
  }
}

/** The member's usual day from their profile; the server's defaults until the profile has
 * synced its day (a device upgraded from schema 1 holds "" until the next pull). */
export function memberDayOf(profile: Pick<Profile, 'wake_time' | 'breakfast_time' | 'lunch_time' | 'dinner_time' | 'bed_time'> | null | undefined): MemberDay {
  if (!profile || !profile.wake_time || !profile.bed_time) return USUAL_DAY
  return {
    wake: profile.wake_time,
    breakfast: profile.breakfast_time || null,
    lunch: profile.lunch_time || null,
    dinner: profile.dinner_time || null,
    bed: profile.bed_time,
  }
}
