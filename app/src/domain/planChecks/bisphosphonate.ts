// Nothing but water inside a bisphosphonate's waiting window, and magnesium 2 hours away
// (FDA-ALN, FDA-RIS, FDA-IBN, ODS-MG) (plan_checks/bisphosphonate.py).
import { blocksAbsorption, drugSource, isBisphosphonate, isDelayedRelease, MAGNESIUM_APART_MINUTES, magnesiumRich, MORNING_ENDS, waitMinutes } from '../medicines'
import type { Finding } from '../planTypes'
import { clock, finding, mealMinutes, once, plannedDays, type PlanInputs, type Planned } from './common'

function bisphosphonates(doses: Planned[]): Planned[] {
  return doses.filter((d) => isBisphosphonate(d.product))
}

/** Inside the window after the dose, or, after a delayed-release dose, a calcium, antacid or
 * mineral before noon that day (Ossa's reading of "another time of day"). */
function tooClose(bisphosphonate: Planned, other: Planned): boolean {
  if (isDelayedRelease(bisphosphonate.product)) return blocksAbsorption(other.product) && other.at < MORNING_ENDS
  const wait = waitMinutes(bisphosphonate.product)
  return wait !== null && bisphosphonate.at <= other.at && other.at < bisphosphonate.at + wait
}

export function insideWindow(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  for (const doses of plannedDays(inputs)) {
    for (const bisphosphonate of bisphosphonates(doses)) {
      for (const other of doses) {
        if (other !== bisphosphonate && tooClose(bisphosphonate, other)) found.push(doseInWindow(bisphosphonate, other))
      }
      found.push(...mealsInWindow(inputs, bisphosphonate))
    }
  }
  return once(found)
}

function windowWords(bisphosphonate: Planned): string {
  const product = bisphosphonate.product
  if (isDelayedRelease(product)) {
    return (
      `${product.name} is taken right after breakfast, and its label says calcium, ` +
      'antacids and supplements belong at another time of day (Ossa reads that as not ' +
      'before noon).'
    )
  }
  const wait = waitMinutes(product)
  return (
    `After ${product.name} at ${bisphosphonate.clock} its label says nothing but plain water ` +
    `for ${wait} minutes: food, drinks, other medicines and supplements keep it from being ` +
    'absorbed.'
  )
}

function doseInWindow(bisphosphonate: Planned, other: Planned): Finding {
  return finding({
    code: 'bisphosphonate_window',
    severity: 'warning',
    title: `${other.product.name} at ${other.clock} is too close to ${bisphosphonate.product.name}`,
    explanation: `${windowWords(bisphosphonate)} Your plan has ${other.product.name} at ${other.clock}.`,
    source: drugSource(bisphosphonate.product) ?? '',
    subject: other.regimen.id,
    evidence: {
      bisphosphonate: { regimen_id: bisphosphonate.regimen.id, at: bisphosphonate.clock },
      other: { regimen_id: other.regimen.id, at: other.clock },
      wait_minutes: waitMinutes(bisphosphonate.product),
    },
  })
}

function mealsInWindow(inputs: PlanInputs, bisphosphonate: Planned): Finding[] {
  const wait = waitMinutes(bisphosphonate.product)
  if (wait === null) return []
  const found: Finding[] = []
  for (const [meal, at] of mealMinutes(inputs.day)) {
    if (bisphosphonate.at <= at && at < bisphosphonate.at + wait) {
      found.push(
        finding({
          code: 'bisphosphonate_window_meal',
          severity: 'warning',
          title: `Your ${meal} at ${clock(at)} is inside the waiting window`,
          explanation: `${windowWords(bisphosphonate)} Your usual ${meal} is at ${clock(at)}, ${at - bisphosphonate.at} minutes after it.`,
          source: drugSource(bisphosphonate.product) ?? '',
          subject: `${bisphosphonate.regimen.id}:${meal}`,
          evidence: { meal, at: clock(at), wait_minutes: wait },
        }),
      )
    }
  }
  return found
}

export function magnesiumNear(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  const apart = MAGNESIUM_APART_MINUTES
  for (const doses of plannedDays(inputs)) {
    for (const bisphosphonate of bisphosphonates(doses)) {
      for (const other of doses) {
        const gap = Math.abs(other.at - bisphosphonate.at)
        if (!magnesiumRich(other.product) || gap >= apart) continue
        if (tooClose(bisphosphonate, other)) continue // already inside the window: one finding is enough
        found.push(
          finding({
            code: 'magnesium_near_bisphosphonate',
            severity: 'warning',
            title: `${other.product.name} is less than 2 hours from ${bisphosphonate.product.name}`,
            explanation:
              'Supplements rich in magnesium and bisphosphonates taken by mouth ' +
              'are best at least 2 hours apart. Your plan has ' +
              `${other.product.name} at ${other.clock} and ` +
              `${bisphosphonate.product.name} at ${bisphosphonate.clock}.`,
            source: 'ODS-MG',
            subject: other.regimen.id,
            evidence: { minutes_apart: gap, at_least: apart },
          }),
        )
      }
    }
  }
  return once(found)
}
