// Other medicines: calcium 4 hours from levothyroxine (FDA-LT4), and vitamin K while on a
// vitamin K antagonist (ODS-K), checked when the plan is made (plan_checks/interactions.py).
import { calciumMg, hasAny, isLevothyroxine, isVka, LEVOTHYROXINE_APART_MINUTES, VITAMIN_K_CODES } from '../medicines'
import type { Finding } from '../planTypes'
import { byId, finding, once, plannedDays, type PlanInputs } from './common'

export function levothyroxineCalcium(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  const apart = LEVOTHYROXINE_APART_MINUTES
  for (const doses of plannedDays(inputs)) {
    for (const thyroid of doses.filter((d) => isLevothyroxine(d.product))) {
      for (const other of doses) {
        const gap = Math.abs(other.at - thyroid.at)
        if (calciumMg(other.product) <= 0 || gap >= apart) continue
        found.push(
          finding({
            code: 'levothyroxine_calcium',
            severity: 'warning',
            title: `${other.product.name} is less than 4 hours from levothyroxine`,
            explanation:
              'The levothyroxine label says to take calcium at least 4 hours ' +
              `apart from it. Your plan has ${thyroid.product.name} at ` +
              `${thyroid.clock} and ${other.product.name} at ${other.clock}.`,
            source: 'FDA-LT4',
            subject: other.regimen.id,
            evidence: { minutes_apart: gap, at_least: apart },
          }),
        )
      }
    }
  }
  return once(found)
}

export function vitaminKWithVka(inputs: PlanInputs): Finding[] {
  // The first antagonist in the order the plans were given, as on the server.
  const vkas = inputs.regimens.filter((r) => isVka(r.product))
  if (!vkas.length) return []
  // Every antagonist in the plan, by name: the words do not depend on the plans' order.
  const drug = [...new Set(vkas.map((r) => r.product.drug || r.product.name))].sort().join(' and ')
  const found: Finding[] = []
  for (const regimen of byId(inputs.regimens)) {
    const product = regimen.product
    if (isVka(product) || !hasAny(product, VITAMIN_K_CODES)) continue
    found.push(
      finding({
        code: 'vitamin_k_with_vka',
        severity: 'critical',
        title: `${product.name} holds vitamin K, which counteracts ${drug}`,
        explanation:
          `Your plan has ${drug} and ${product.name}, which holds vitamin K. Vitamin K ` +
          `counteracts ${drug}: people on it are told to keep their vitamin K intake ` +
          'consistent and to talk to their clinician before starting or changing a ' +
          'vitamin K supplement.',
        source: 'ODS-K',
        subject: regimen.id,
        evidence: { regimen_id: regimen.id, product: product.name, antagonist: drug },
      }),
    )
  }
  return found
}
