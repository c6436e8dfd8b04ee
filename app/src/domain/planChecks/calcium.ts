// Calcium is absorbed best in doses of 500 mg or less (ODS-CA), summed over everything
// planned at the same moment (plan_checks/calcium.py).
import { CALCIUM_PER_DOSE_MG, calciumMg } from '../medicines'
import type { Finding } from '../planTypes'
import { amount, clock, finding, once, plannedDays, type PlanInputs, type Planned } from './common'

export function perMoment(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  for (const doses of plannedDays(inputs)) {
    const moments = new Map<number, Planned[]>()
    for (const dose of doses) {
      if (calciumMg(dose.product) > 0) {
        if (!moments.has(dose.at)) moments.set(dose.at, [])
        moments.get(dose.at)!.push(dose)
      }
    }
    for (const [at, together] of [...moments].sort(([a], [b]) => a - b)) {
      const total = together.reduce((sum, d) => sum + calciumMg(d.product) * d.servings, 0)
      if (total > CALCIUM_PER_DOSE_MG) found.push(tooMuch(at, together, total))
    }
  }
  return once(found)
}

function tooMuch(at: number, together: Planned[], total: number): Finding {
  const names = together.map((d) => d.product.name).join(', ')
  return finding({
    code: 'calcium_per_moment',
    severity: 'warning',
    title: `${amount(total)} mg of calcium at ${clock(at)}`,
    explanation:
      `Calcium is absorbed best in doses of 500 mg or less. Your plan has ${amount(total)} ` +
      `mg of calcium at ${clock(at)} (${names}); the day planner can split it over the day.`,
    source: 'ODS-CA',
    subject: clock(at),
    evidence: {
      at: clock(at),
      calcium_mg: total,
      at_most_mg: CALCIUM_PER_DOSE_MG,
      products: together.map((d) => ({ regimen_id: d.regimen.id, product: d.product.name, servings: d.servings })),
    },
  })
}
