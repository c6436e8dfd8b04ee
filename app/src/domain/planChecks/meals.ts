// Calcium carbonate with food (ODS-CA); vitamins D and K with a meal, which is Ossa's own
// suggestion (they dissolve in fat: ODS-D, ODS-K) (plan_checks/meals.py).
import { fatSoluble, needsFood } from '../medicines'
import type { Finding } from '../planTypes'
import { finding, nearAMeal, once, plannedDays, type PlanInputs } from './common'

export function calciumWithoutFood(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  for (const doses of plannedDays(inputs)) {
    for (const dose of doses) {
      if (needsFood(dose.product) && !nearAMeal(dose.at, inputs.day)) {
        found.push(
          finding({
            code: 'calcium_carbonate_without_food',
            severity: 'info',
            title: `${dose.product.name} at ${dose.clock} is away from a meal`,
            explanation: 'Calcium carbonate is absorbed best with food. Your plan has ' + `${dose.product.name} at ${dose.clock}, not near one of your meals.`,
            source: 'ODS-CA',
            subject: dose.regimen.id,
            evidence: { at: dose.clock, form: 'carbonate' },
          }),
        )
      }
    }
  }
  return once(found)
}

export function fatSolubleWithoutMeal(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  for (const doses of plannedDays(inputs)) {
    for (const dose of doses) {
      if (fatSoluble(dose.product) && !nearAMeal(dose.at, inputs.day)) {
        found.push(
          finding({
            code: 'fat_soluble_without_meal',
            severity: 'info',
            title: `${dose.product.name} at ${dose.clock} is away from a meal`,
            explanation:
              'Vitamins D and K dissolve in fat. Ossa suggests taking them with a ' +
              "meal that has some fat; this is Ossa's own suggestion, not a rule " +
              `from a source. Your plan has ${dose.product.name} at ${dose.clock}.`,
            source: 'ODS-D, ODS-K',
            subject: dose.regimen.id,
            evidence: { at: dose.clock, ossa_suggestion: true },
          }),
        )
      }
    }
  }
  return once(found)
}
