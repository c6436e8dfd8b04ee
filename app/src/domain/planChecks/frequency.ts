// A medicine planned more often than its label says (FDA-ALN, FDA-RIS, FDA-IBN): taking a
// weekly bisphosphonate every day is seven times the dose (plan_checks/frequency.py).
import { drugSource, USUAL_DOSE_WORDS, USUAL_INTERVAL_DAYS, USUAL_WORDS } from '../medicines'
import { scheduleOn } from '../planSchedule'
import type { Finding, RuleSchedule } from '../planTypes'
import { fixed, round } from '../pyFormat'
import { byId, finding, type PlanInputs } from './common'

const PERIOD_DAYS = 28 // a common multiple of a week and (about) a month

/** Doses a schedule plans in 28 days; null for as needed. */
export function dosesPerPeriod(schedule: RuleSchedule): number | null {
  const perDay = new Set(schedule.times).size
  if (schedule.kind === 'daily') return PERIOD_DAYS * perDay
  if (schedule.kind === 'weekdays') return (PERIOD_DAYS / 7) * new Set(schedule.weekdays).size * perDay
  if (schedule.kind === 'interval' && schedule.interval_days) return (PERIOD_DAYS / schedule.interval_days) * perDay
  if (schedule.kind === 'monthly') return (perDay * PERIOD_DAYS) / USUAL_INTERVAL_DAYS.monthly
  return null
}

export function cadenceWords(schedule: RuleSchedule): string {
  const perDay = new Set(schedule.times).size
  const times = perDay === 1 ? '' : perDay === 2 ? ', twice a day' : `, ${perDay} times a day`
  if (schedule.kind === 'daily') return perDay === 1 ? 'every day' : perDay === 2 ? 'twice a day' : `${perDay} times a day`
  if (schedule.kind === 'weekdays') {
    const count = new Set(schedule.weekdays).size
    return (count === 1 ? 'once a week' : `on ${count} days a week`) + times
  }
  if (schedule.kind === 'interval') return `every ${schedule.interval_days} days${times}`
  return 'once a month' + times
}

export function labelledFrequency(inputs: PlanInputs): Finding[] {
  const found: Finding[] = []
  for (const regimen of byId(inputs.regimens)) {
    const product = regimen.product
    const usual = product.usual_schedule
    if (usual !== 'weekly' && usual !== 'monthly') continue
    const schedule = scheduleOn(regimen, inputs.today)
    const planned = dosesPerPeriod(schedule)
    const labelled = PERIOD_DAYS / USUAL_INTERVAL_DAYS[usual]
    if (planned === null || planned <= labelled + 1e-9) continue
    const ratio = planned / labelled
    const howOften = cadenceWords(schedule)
    const times = Math.abs(ratio - Math.round(ratio)) < 0.05 ? `${fixed(ratio, 0)} times` : `${fixed(ratio, 1)} times`
    found.push(
      finding({
        code: 'labelled_frequency',
        severity: 'critical',
        title: `This is a ${USUAL_DOSE_WORDS[usual]} dose; your plan takes it ${howOften}`,
        explanation:
          `The label of ${product.name} says it is taken ${USUAL_WORDS[usual]}. Your plan ` +
          `takes it ${howOften}: ${times} as many doses as the label describes. ` +
          'Check the plan against your prescription; your pharmacist or prescriber ' +
          'can say what applies to you.',
        source: drugSource(product) ?? '',
        subject: regimen.id,
        evidence: {
          regimen_id: regimen.id,
          product: product.name,
          labelled: usual,
          planned: howOften,
          doses_per_28_days: { labelled, planned: round(planned, 2) },
        },
      }),
    )
  }
  return found
}
