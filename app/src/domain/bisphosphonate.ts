// How to take a bisphosphonate and how long to wait after it, per drug and release.
// source: FDA-ALN, FDA-RIS, FDA-IBN (docs/domain.md#bisphosphonates). The numbers live here
// only; screens show what adviceFor() and the countdown helpers return.
import type { Product } from './rows'

export const BISPHOSPHONATE = 'bisphosphonate'

type Timing = 'on_waking' | 'after_breakfast'

interface Rule {
  name: string
  timing: Timing
  // Minutes before food, drinks other than plain water, other medicines, calcium, antacids
  // and supplements; null when the label asks for another time of day instead.
  waitMinutes: number | null
  uprightMinutes: number
}

// source: FDA-ALN, FDA-RIS, FDA-IBN (docs/domain.md#schedules-and-waiting-windows).
const RULES: Record<string, Rule> = {
  alendronate: { name: 'Alendronate', timing: 'on_waking', waitMinutes: 30, uprightMinutes: 30 },
  'risedronate/immediate': { name: 'Risedronate', timing: 'on_waking', waitMinutes: 30, uprightMinutes: 30 },
  'risedronate/delayed': { name: 'Delayed-release risedronate', timing: 'after_breakfast', waitMinutes: null, uprightMinutes: 30 },
  ibandronate: { name: 'Ibandronate', timing: 'on_waking', waitMinutes: 60, uprightMinutes: 60 },
}

export interface Advice {
  /** The drug in words, e.g. "Alendronate"; "This bisphosphonate" when the drug is unknown. */
  name: string
  /** How to take the dose, one instruction per line. */
  howToTake: string[]
  /** The fasting wait after the dose in minutes; null when there is none to count down. */
  waitMinutes: number | null
  /** Delayed-release risedronate: calcium and the like go at another time of day. */
  calciumAtAnotherTime: boolean
  /** The drug is not one docs/domain.md describes: the leaflet says how long to wait. */
  unknownDrug: boolean
}

export function isBisphosphonate(product: Product | undefined): boolean {
  return product?.drug_class === BISPHOSPHONATE
}

function ruleFor(product: Product): Rule | null {
  if (product.drug === 'risedronate') return RULES[`risedronate/${product.release === 'delayed' ? 'delayed' : 'immediate'}`]
  return RULES[product.drug] ?? null
}

const WAKING = 'Take it on waking, on an empty stomach, with a full glass of plain water.'

/** What to do around a bisphosphonate dose; null for any other product. */
export function adviceFor(product: Product | undefined): Advice | null {
  if (!product || !isBisphosphonate(product)) return null
  const rule = ruleFor(product)
  if (!rule) {
    return {
      name: 'This bisphosphonate',
      howToTake: [WAKING, 'Stay upright and check your leaflet for how long to wait before calcium, food, other drinks or medicines.'],
      waitMinutes: null,
      calciumAtAnotherTime: false,
      unknownDrug: true,
    }
  }
  const howToTake =
    rule.timing === 'after_breakfast'
      ? ['Take it right after breakfast.', 'Take calcium, antacids and mineral supplements at another time of day.']
      : [WAKING, `Then wait ${rule.waitMinutes} min before calcium, food, other drinks or medicines.`]
  howToTake.splice(1, 0, `Stay upright (sitting or standing) for ${rule.uprightMinutes} min after taking it.`)
  return { name: rule.name, howToTake, waitMinutes: rule.waitMinutes, calciumAtAnotherTime: rule.timing === 'after_breakfast', unknownDrug: false }
}

/** When the fasting wait after a dose taken at `takenAt` ends; null when there is none. */
export function waitEndsAt(advice: Advice, takenAt: number): number | null {
  return advice.waitMinutes === null ? null : takenAt + advice.waitMinutes * 60_000
}

/** Whole minutes still to wait (rounded up, so "0" only once the wait is over). */
export function minutesLeft(advice: Advice, takenAt: number, now: number): number {
  const end = waitEndsAt(advice, takenAt)
  if (end === null || now >= end) return 0
  return Math.ceil((end - now) / 60_000)
}

/** The line shown after a dose: the countdown while it runs, then what is fine again. */
export function afterDoseText(advice: Advice, takenAt: number, now: number): string {
  if (advice.calciumAtAnotherTime) return 'Take calcium, antacids and mineral supplements at another time of day.'
  if (advice.unknownDrug) return 'Check your leaflet for how long to wait before calcium, food, other drinks or medicines.'
  const left = minutesLeft(advice, takenAt, now)
  if (left > 0) return `Wait ${left} min before calcium, food, other drinks or medicines`
  return 'The wait is over: calcium, food, other drinks and medicines are fine now.'
}
