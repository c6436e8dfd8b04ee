// The Nutrients screen's words and numbers: today's totals (domain/totals.ts) against the
// member's reference intakes (the nutrient_targets rows), each bar also said in words for
// screen readers, and 12 weeks of the server's nutrient_days as a share of the reference.
// Informs only: it says where the day stands and where the reference comes from, never what
// to take.
import type { NutrientDay, NutrientTarget } from './rows'
import { addDays, daysBetween } from './time'
import { decimal, GROUPS, group, NUTRIENTS, toNumber, ZERO, type Group, type Nutrient, type Totals } from './totals'

export const GROUP_LABELS: Record<Group, string> = {
  vitamin_k: 'Vitamin K',
  vitamin_d: 'Vitamin D',
  calcium: 'Calcium',
  magnesium: 'Magnesium',
}

export const NUTRIENT_LABELS: Record<Nutrient, string> = {
  k1: 'K1 (phylloquinone)',
  k2_mk4: 'K2 as MK-4',
  k2_mk7: 'K2 as MK-7',
  d2: 'D2 (ergocalciferol)',
  d3: 'D3 (cholecalciferol)',
  calcium: 'Elemental calcium',
  magnesium: 'Magnesium',
}

const numbers = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 })

/** "1,000" — at most two decimals, as a person reads a label. */
export function formatNumber(value: number): string {
  return numbers.format(value)
}

/** The unit as a person reads it: micrograms as µg. */
export function unitLabel(unit: string): string {
  return unit === 'mcg' ? 'µg' : unit
}

/** "1,000 mg"; vitamin D in µg and IU, the member's units first ("50 µg (2,000 IU)" metric,
 * "2,000 IU (50 µg)" imperial). */
export function formatAmount(mcgOrMg: number, groupName: Group, units: string): string {
  const main = `${formatNumber(mcgOrMg)} ${unitLabel(GROUP_UNIT[groupName])}`
  if (groupName !== 'vitamin_d') return main
  const iu = `${formatNumber(mcgOrMg * 40)} IU`
  return units === 'imperial' ? `${iu} (${main})` : `${main} (${iu})`
}

/** The same in words for a screen reader ("50 micrograms (2,000 IU)"). */
function spoken(amount: string): string {
  return amount.replace(/µg/g, 'micrograms').replace(/\bmg\b/g, 'milligrams').replace(/\bIU\b/g, 'international units')
}

const GROUP_UNIT: Record<Group, string> = { vitamin_k: 'mcg', vitamin_d: 'mcg', calcium: 'mg', magnesium: 'mg' }

export type Standing = 'none' | 'below' | 'reached' | 'over_limit'

export interface Bar {
  group: Group
  label: string
  amount: number
  /** The amount in the member's units, written out ("1,000 mg"). */
  amountText: string
  parts: { code: Nutrient; label: string; amount: number; text: string }[]
  target: NutrientTarget | null
  standing: Standing
  /** What the standing means, in words shown beside the bar (never colour alone). */
  standingText: string
  /** What the day adds up to if every dose planned for it is taken ("50 µg (2,000 IU)"). */
  plannedText: string
  /** The whole bar in one sentence, for screen readers. */
  words: string
  /** Where the bar's fill, the reference mark and the limit mark sit, 0..1 of its width. */
  fill: number
  intakeAt: number | null
  limitAt: number | null
}

function intakeName(kind: string): string {
  return kind === 'ai' ? 'adequate intake' : 'recommended'
}

/** One bar per group: today's amount against the reference intake (RDA or AI) and the
 * upper limit (UL) of the member's life stage, and what today's plan adds up to. */
export function bars(today: Totals, targets: NutrientTarget[], units: string, planned: Totals = {}): Bar[] {
  return (Object.keys(GROUPS) as Group[]).map((name) => {
    const total = toNumber(group(today, name))
    const target = targets.find((t) => t.nutrient === name) ?? null
    const intake = target?.intake ?? null
    const limit = target?.upper_limit ?? null
    const amountText = formatAmount(total, name, units)
    const standing: Standing = limit !== null && total > limit ? 'over_limit' : intake === null ? 'none' : total >= intake ? 'reached' : 'below'
    const standingText = {
      none: 'No reference intake for your profile',
      below: 'Below the reference intake',
      reached: 'Reference intake reached',
      over_limit: 'Above the upper limit',
    }[standing]
    const parts = GROUPS[name].length > 1
      ? GROUPS[name].map((code) => {
          const amount = toNumber(today[code] ?? ZERO)
          return { code, label: NUTRIENT_LABELS[code], amount, text: formatAmount(amount, name, units) }
        })
      : []
    const clauses = [`${GROUP_LABELS[name]} today: ${amountText}`]
    if (intake !== null) clauses[0] += ` of ${formatAmount(intake, name, units)} ${intakeName(target!.intake_kind)}`
    else clauses.push('no reference intake for your profile')
    clauses.push(limit !== null ? `upper limit ${formatAmount(limit, name, units)}` : 'no upper limit set')
    const partsWords = parts.length ? `. ${parts.map((p) => `${p.label} ${p.text}`).join(', ')}` : ''
    const plannedText = formatAmount(toNumber(group(planned, name)), name, units)
    const words = spoken(`${clauses.join('; ')}. ${standingText}. As planned today: ${plannedText}${partsWords}.`)
    // The scale reaches a little past the larger of the limit, the intake and the amount.
    const scale = Math.max(limit ?? 0, intake ?? 0, total) * 1.1 || 1
    return {
      group: name,
      label: GROUP_LABELS[name],
      amount: total,
      amountText,
      parts,
      target,
      standing,
      standingText,
      plannedText,
      words,
      fill: total / scale,
      intakeAt: intake === null ? null : intake / scale,
      limitAt: limit === null ? null : limit / scale,
    }
  })
}

/** A stored day's taken amounts as totals. */
export function takenOf(row: NutrientDay): Totals {
  const found: Totals = {}
  for (const code of NUTRIENTS) if (row[code]) found[code] = decimal(row[code])
  return found
}

export interface WeekShare {
  week: string
  /** The days counted: 7, or up to today for this week. */
  days: number
  /** Average a day, in the group's unit. */
  perDay: Record<Group, number>
  /** Average a day as a percentage of the reference intake; null without one. */
  share: Record<Group, number | null>
}

/** Each week's average a day of every group, from the stored days (the server's) with today
 * as the phone works it out now; a day without a row added nothing. */
export function weekShares(weeks: string[], rows: NutrientDay[], today: string, todayTotals: Totals, targets: NutrientTarget[]): WeekShare[] {
  const byDay = new Map(rows.map((row) => [row.day, row]))
  return weeks.map((week) => {
    const last = addDays(week, 6) < today ? addDays(week, 6) : today
    const days = Math.max(1, daysBetween(week, last) + 1)
    const sums: Record<Group, number> = { vitamin_k: 0, vitamin_d: 0, calcium: 0, magnesium: 0 }
    for (let day = week; day <= last; day = addDays(day, 1)) {
      const totals = day === today ? todayTotals : byDay.has(day) ? takenOf(byDay.get(day)!) : {}
      for (const name of Object.keys(sums) as Group[]) sums[name] += toNumber(group(totals, name))
    }
    const perDay = {} as Record<Group, number>
    const share = {} as Record<Group, number | null>
    for (const name of Object.keys(sums) as Group[]) {
      perDay[name] = sums[name] / days
      const intake = targets.find((t) => t.nutrient === name)?.intake ?? null
      share[name] = intake ? (100 * perDay[name]) / intake : null
    }
    return { week, days, perDay, share }
  })
}

/** What a product gave today, by group, in words ("Vitamin K 90 µg, vitamin D 25 µg (1,000
 * IU), magnesium 100 mg"). */
export function contributionText(amounts: Totals, units: string): string {
  return (Object.keys(GROUPS) as Group[])
    .map((name) => [name, toNumber(group(amounts, name))] as const)
    .filter(([, amount]) => amount > 0)
    .map(([name, amount], i) => `${i === 0 ? GROUP_LABELS[name] : GROUP_LABELS[name][0].toLowerCase() + GROUP_LABELS[name].slice(1)} ${formatAmount(amount, name, units)}`)
    .join(', ')
}
