// The day planner: when to take each plan, from the labels and fact sheets and the member's
// usual day (docs/domain.md#taking-calcium-magnesium-vitamin-d-and-k-well). The app's copy
// of tracking/rules/day_planner.py, so the Plan screen suggests the same day offline with the
// same words (planVectors.test.ts holds the two to the same answers).
//
// The bisphosphonate goes on waking with its window (right after breakfast if delayed
// release); breakfast waits for the window to end; calcium is split into moments of 500 mg
// or less, at meals where its form needs food, and 4 hours from levothyroxine; magnesium 2
// hours off the bisphosphonate; vitamins D and K with a meal (Ossa's suggestion). Other
// medicines keep their planned times, moved out of a window if they fall inside it. Each
// placement says why, with its source; a rule no placement can meet is named, with the
// compromise chosen. Pure and deterministic: plans are taken in id order, and applying the
// suggestion and planning again changes nothing.
import {
  blocksAbsorption,
  CALCIUM_PER_DOSE_MG,
  calciumMg,
  drugSource,
  fatSoluble,
  isBisphosphonate,
  isDelayedRelease,
  isLevothyroxine,
  LEVOTHYROXINE_APART_MINUTES,
  MAGNESIUM_APART_MINUTES,
  magnesiumRich,
  MORNING_ENDS,
  needsFood,
  waitMinutes,
} from './medicines'
import { byId, clock, minutes } from './planChecks/common'
import { doseDays, scheduleOn } from './planSchedule'
import { mealsOf, type Meal, type MemberDay, type RuleProduct, type RuleRegimen } from './planTypes'
import { compareKeys, compareText, fixed, round, sortedBy, type Key } from './pyFormat'

// Rules the planner weighs when no placement meets them all: the heavier one is kept.
export const WEIGHTS: Record<string, number> = {
  bisphosphonate_window: 1000,
  delayed_release_morning: 500,
  magnesium_apart: 300,
  levothyroxine_apart: 300,
  calcium_with_food: 100,
  calcium_per_moment: 50,
  with_a_meal: 1,
}
export const HARD = new Set(Object.keys(WEIGHTS).filter((rule) => WEIGHTS[rule] > 1))

export interface Why {
  text: string
  source: string // source key(s); "" for Ossa's own reasons
  rule: string // the rule this placement meets (a WEIGHTS key), if any
}

export interface Placement {
  regimen_id: string
  product: string
  servings: number
  why: Why[]
}

export interface Moment {
  at: string // "HH:MM"
  label: string
  doses: Placement[]
}

export interface Unmet {
  rule: string
  explanation: string
  compromise: string
  source: string
  regimen_ids: string[]
}

export interface Change {
  regimen_id: string
  product: string
  times: string[]
  servings_per_dose: number
  current_times: string[]
  current_servings_per_dose: number
}

export interface DayPlan {
  day: string
  moments: Moment[]
  unmet: Unmet[]
  changes: Change[]
}

function why(text: string, source = '', rule = ''): Why {
  return { text, source, rule }
}

// --- The day's moments ----------------------------------------------------------------------
/** The member's day with the bisphosphonate's window taken into account. */
interface Day {
  on: string
  wake: number
  windowEnd: number | null // a bisphosphonate taken on waking: nothing else until then
  delayedRelease: boolean // delayed-release risedronate: right after breakfast
  meals: Map<Meal, number>
  bed: number
  labels: Map<number, string>
}

function mealTimes(day: Day): number[] {
  return [...day.meals.values()]
}

/** Meals and bedtime, and a few moments between them for what must be apart (the placing
 * prefers meals: a habit is easier to keep there). */
function candidates(day: Day): number[] {
  const between = [day.wake + 180, day.wake + 300, day.wake + 420, day.bed - 120]
  return [...new Set([...mealTimes(day), day.bed, ...between])].sort((a, b) => a - b)
}

function dayOf(usual: MemberDay, plans: RuleRegimen[], on: string): Day {
  const waits = plans.flatMap((p) => {
    const wait = waitMinutes(p.product)
    return wait && isBisphosphonate(p.product) ? [wait] : []
  })
  const wake = minutes(usual.wake)
  const windowEnd = waits.length ? wake + Math.max(...waits) : null
  const meals = new Map(mealsOf(usual).map(([name, at]) => [name, minutes(at)] as [Meal, number]))
  if (windowEnd !== null && meals.has('breakfast')) meals.set('breakfast', Math.max(meals.get('breakfast')!, windowEnd))
  const bed = minutes(usual.bed)
  const labels = new Map<number, string>([
    [wake, 'On waking'],
    [bed, 'Bedtime'],
  ])
  for (const [name, at] of meals) labels.set(at, name.charAt(0).toUpperCase() + name.slice(1))
  return { on, wake, windowEnd, delayedRelease: plans.some((p) => isDelayedRelease(p.product)), meals, bed, labels }
}

// --- Rules a moment meets or breaks -----------------------------------------------------------
/** What is placed so far: fixed times of bisphosphonates and other medicines, calcium per
 * moment. */
interface Placed {
  bisphosphonates: [RuleProduct, number][]
  levothyroxine: number[]
  calcium: Map<number, number>
}

/** The rules a dose of `product` at minute `at` would break. */
function brokenBy(at: number, product: RuleProduct, day: Day, placed: Placed, calcium = 0): string[] {
  const broken: string[] = []
  if (day.windowEnd !== null && day.wake <= at && at < day.windowEnd) broken.push('bisphosphonate_window')
  if (day.delayedRelease && blocksAbsorption(product) && at < MORNING_ENDS) broken.push('delayed_release_morning')
  if (magnesiumRich(product) && placed.bisphosphonates.some(([, when]) => Math.abs(at - when) < MAGNESIUM_APART_MINUTES)) broken.push('magnesium_apart')
  if (calcium > 0) {
    if (placed.levothyroxine.some((t) => Math.abs(at - t) < LEVOTHYROXINE_APART_MINUTES)) broken.push('levothyroxine_apart')
    if (needsFood(product) && !mealTimes(day).includes(at)) broken.push('calcium_with_food')
    if ((placed.calcium.get(at) ?? 0) + calcium > CALCIUM_PER_DOSE_MG + 1e-9) broken.push('calcium_per_moment')
  } else if (fatSoluble(product) && !mealTimes(day).includes(at)) broken.push('with_a_meal')
  return broken
}

function cost(broken: Iterable<string>): number {
  let total = 0
  for (const rule of broken) total += WEIGHTS[rule]
  return total
}

// --- Planning ---------------------------------------------------------------------------------
type Reasons = (at: number) => Why[]
type Placing = [number[], number, Reasons, Unmet[]]

export function planDay(regimens: RuleRegimen[], usual: MemberDay, on: string): DayPlan {
  const plans = byId(regimens.filter((r) => runs(r, on)))
  const day = dayOf(usual, plans, on)
  const placed: Placed = { bisphosphonates: [], levothyroxine: [], calcium: new Map() }
  const times = new Map<string, [number[], number]>()
  const whys = new Map<string, Why[]>()
  const unmet: Unmet[] = []
  for (const plan of inPlacingOrder(plans)) {
    const [found, servings, reasons, missed] = place(plan, day, placed)
    times.set(plan.id, [found, servings])
    for (const at of found) whys.set(whyKey(plan.id, at), reasons(at))
    unmet.push(...missed)
  }
  const due = new Set(plans.filter((r) => isDue(r, on)).map((r) => r.id))
  return { day: on, moments: momentsOf(plans, times, whys, day, due), unmet, changes: changesOf(plans, times, on) }
}

function whyKey(id: string, at: number): string {
  return `${id}\u0000${at}`
}

function runs(regimen: RuleRegimen, on: string): boolean {
  if (regimen.start_date > on || (regimen.end_date !== null && regimen.end_date < on)) return false
  return scheduleOn(regimen, on).times.length > 0
}

function isDue(regimen: RuleRegimen, on: string): boolean {
  return doseDays(regimen, on, on).some(([day]) => day === on)
}

/** Bisphosphonates and other medicines first (their times bind the rest), then calcium (the
 * most constrained), magnesium, vitamins D and K, and other supplements. */
function inPlacingOrder(plans: RuleRegimen[]): RuleRegimen[] {
  const rank = (plan: RuleRegimen): number => {
    const product = plan.product
    if (isBisphosphonate(product)) return 0
    if (product.kind === 'medicine') return 1
    if (calciumMg(product) > 0) return 2
    if (magnesiumRich(product)) return 3
    return fatSoluble(product) ? 4 : 5
  }
  return sortedBy(plans, (p) => [rank(p), p.id])
}

function place(plan: RuleRegimen, day: Day, placed: Placed): Placing {
  const product = plan.product
  if (isBisphosphonate(product)) return placeBisphosphonate(plan, day, placed)
  if (product.kind === 'medicine' || !movable(product)) return keep(plan, day, placed)
  if (calciumMg(product) > 0) return placeCalcium(plan, day, placed)
  return placeSupplement(plan, day, placed)
}

function movable(product: RuleProduct): boolean {
  return calciumMg(product) > 0 || magnesiumRich(product) || fatSoluble(product)
}

function current(plan: RuleRegimen, on: string): [number[], number] {
  const schedule = scheduleOn(plan, on)
  return [[...new Set(schedule.times.map(minutes))].sort((a, b) => a - b), schedule.servings_per_dose]
}

function sourceOf(product: RuleProduct): string {
  return drugSource(product) ?? ''
}

function placeBisphosphonate(plan: RuleRegimen, day: Day, placed: Placed): Placing {
  const product = plan.product
  const [, servings] = current(plan, day.on)
  const missed = placed.bisphosphonates.length ? [twoBisphosphonates(plan, placed)] : []
  if (isDelayedRelease(product)) {
    let at = day.meals.get('breakfast')
    if (at === undefined) {
      const meals = mealTimes(day)
      at = meals.length ? Math.min(...meals) : day.wake
      missed.push(noBreakfast(plan))
    }
    placed.bisphosphonates.push([product, at])
    const text = 'Right after breakfast, as its label says; calcium and supplements not before noon.'
    return [[at], servings, () => [why(text, sourceOf(product))], missed]
  }
  placed.bisphosphonates.push([product, day.wake])
  const wait = waitMinutes(product)
  const text =
    wait === null
      ? 'On waking; its own leaflet says how long to wait before anything else.'
      : `On waking, with a full glass of plain water; nothing else for ${wait} minutes, until ${clock(day.wake + wait)}.`
  const reasons = [why(text, sourceOf(product), 'bisphosphonate_window')]
  return [[day.wake], servings, () => reasons, missed]
}

function twoBisphosphonates(plan: RuleRegimen, placed: Placed): Unmet {
  const others = placed.bisphosphonates.map(([p]) => p.name).join(', ')
  return {
    rule: 'bisphosphonate_window',
    explanation: `Your plans hold more than one bisphosphonate (${others} and ${plan.product.name}); each label asks for nothing but water in its window.`,
    compromise: 'Each is placed as its label says; your pharmacist can say how they fit together.',
    source: sourceOf(plan.product),
    regimen_ids: [plan.id],
  }
}

function noBreakfast(plan: RuleRegimen): Unmet {
  return {
    rule: 'delayed_release_breakfast',
    explanation: `${plan.product.name} is taken right after breakfast, and your day has none.`,
    compromise: 'Placed at your first meal.',
    source: sourceOf(plan.product),
    regimen_ids: [plan.id],
  }
}

/** Other medicines keep their times, moved out of the bisphosphonate's window (and minerals
 * past noon on delayed-release risedronate); a rule a kept time still breaks is named. */
function keep(plan: RuleRegimen, day: Day, placed: Placed): Placing {
  const product = plan.product
  const [planned, servings] = current(plan, day.on)
  const found: number[] = []
  for (const at of planned) {
    let moved = outOfTheWay(at, product, day)
    while (found.includes(moved)) moved += 15 // two times moved to one moment: keep them apart
    found.push(moved)
  }
  found.sort((a, b) => a - b)
  if (isLevothyroxine(product)) placed.levothyroxine.push(...found)
  const calcium = calciumMg(product) * servings
  const broken = found.flatMap((at) => brokenBy(at, product, day, placed, calcium))
  const missed = namedUnmet(plan, broken, 'Kept at ' + found.map(clock).join(', ') + '.')
  if (calcium > 0) for (const at of found) placed.calcium.set(at, (placed.calcium.get(at) ?? 0) + calcium)

  const reasons = (at: number): Why[] => {
    if (planned.includes(at)) return [why('Kept at its planned time.')]
    if (day.windowEnd !== null && day.windowEnd <= at && at < day.windowEnd + 60) {
      return [why("Moved to the end of the bisphosphonate's waiting window.", '', 'bisphosphonate_window')]
    }
    return [why('Moved past noon: on delayed-release risedronate minerals come later.', 'FDA-RIS', 'delayed_release_morning')]
  }
  return [found, servings, reasons, missed]
}

function namedUnmet(plan: RuleRegimen, broken: string[], compromise: string): Unmet[] {
  return [...new Set(broken)]
    .filter((rule) => HARD.has(rule))
    .sort(compareText)
    .map((rule) => {
      const source = UNMET_SOURCES[rule]
      return { rule, explanation: `${plan.product.name}: ${UNMET_WORDS[rule]}`, compromise, source, regimen_ids: [plan.id] }
    })
}

/** A kept time, moved past the window, or past noon for a mineral on delayed-release
 * risedronate. */
function outOfTheWay(at: number, product: RuleProduct, day: Day): number {
  let moved = at
  if (day.windowEnd !== null && day.wake <= moved && moved < day.windowEnd) moved = day.windowEnd
  const noon = MORNING_ENDS
  if (day.delayedRelease && blocksAbsorption(product) && moved < noon) {
    const meals = mealTimes(day)
      .sort((a, b) => a - b)
      .filter((c) => c >= noon)
    const later = meals.length ? meals : candidates(day).filter((c) => c >= noon)
    moved = later.length ? later[0] : noon
  }
  return moved
}

function dailyServings(plan: RuleRegimen, on: string): number {
  const [planned, servings] = current(plan, on)
  return servings * planned.length
}

/** Ways to give `total` servings a day: (moments, servings each), whole servings each where
 * the total is whole, fewest moments first; up to the second split that meets the 500 mg
 * rule (day_planner.py _splits). */
function splits(total: number, perServing: number): [number, number][] {
  const found: [number, number][] = []
  let meeting = 0
  for (let count = 1; count <= 6; count++) {
    const each = total / count
    if (Number.isInteger(total) && !Number.isInteger(each)) continue
    if (each < 0.5 && count > 1) break
    found.push([count, each])
    if (perServing * each <= CALCIUM_PER_DOSE_MG + 1e-9) meeting++
    if (meeting === 2) break
  }
  return found.length ? found : [[1, total]]
}

/** itertools.combinations: every choice of `count` items, in order. */
function* combinations<T>(items: T[], count: number): Generator<T[]> {
  if (count > items.length) return
  const indices = Array.from({ length: count }, (_, i) => i)
  yield indices.map((i) => items[i])
  for (;;) {
    let i = count - 1
    while (i >= 0 && indices[i] === i + items.length - count) i--
    if (i < 0) return
    indices[i]++
    for (let j = i + 1; j < count; j++) indices[j] = indices[j - 1] + 1
    yield indices.map((k) => items[k])
  }
}

function placeCalcium(plan: RuleRegimen, day: Day, placed: Placed): Placing {
  const product = plan.product
  const perServing = calciumMg(product)
  const total = dailyServings(plan, day.on)
  let best: { score: Key[]; chosen: number[]; each: number; broken: string[] } | null = null
  for (const [count, each] of splits(total, perServing)) {
    for (const chosen of combinations(candidates(day), count)) {
      const broken = chosen.flatMap((at) => brokenBy(at, product, day, placed, perServing * each))
      const excess = chosen.reduce((sum, at) => sum + Math.max(0, (placed.calcium.get(at) ?? 0) + perServing * each - CALCIUM_PER_DOSE_MG), 0)
      const score: Key[] = [cost(new Set(broken)), excess, count, offMeals(chosen, day), -spread(chosen), chosen]
      if (best === null || compareKeys(score, best.score) < 0) best = { score, chosen, each, broken }
    }
  }
  const { chosen, each, broken } = best!
  for (const at of chosen) placed.calcium.set(at, (placed.calcium.get(at) ?? 0) + perServing * each)
  const where = chosen.map(clock).join(', ')
  const compromise = `${fixed(perServing * each, 0, true)} mg of calcium at ${where}: the fewest rules left unmet.`
  const missed = namedUnmet(plan, broken, compromise)

  const reasons = (at: number): Why[] => {
    const found: Why[] = []
    if (!broken.includes('calcium_per_moment')) found.push(why('Calcium in doses of 500 mg or less.', 'ODS-CA', 'calcium_per_moment'))
    if (needsFood(product) && !broken.includes('calcium_with_food')) found.push(why('Calcium carbonate with a meal.', 'ODS-CA', 'calcium_with_food'))
    found.push(...separationReasons(at, product, day, placed, broken))
    return found
  }
  return [chosen, each, reasons, missed]
}

/** Moments away from a meal: a habit is easier to keep at meals. */
function offMeals(chosen: number[], day: Day): number {
  const meals = mealTimes(day)
  return chosen.filter((at) => !meals.includes(at)).length
}

function spread(chosen: number[]): number {
  if (chosen.length < 2) return 0
  return Math.min(...chosen.slice(1).map((at, i) => at - chosen[i]))
}

function afterWindows(names: string[]): string {
  if (names.length === 1) return `After the waiting window of ${names[0]}.`
  return `After the waiting windows of ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}.`
}

function separationReasons(at: number, product: RuleProduct, day: Day, placed: Placed, broken: string[]): Why[] {
  const found: Why[] = []
  const soonAfter = day.windowEnd !== null && day.windowEnd <= at && at < day.windowEnd + 120
  if (soonAfter && !broken.includes('bisphosphonate_window')) {
    const names = [...new Set(placed.bisphosphonates.map(([p]) => p.name))].sort(compareText)
    const sources = [...new Set(placed.bisphosphonates.map(([p]) => sourceOf(p)))].filter(Boolean).sort(compareText)
    found.push(why(afterWindows(names), sources.join(', '), 'bisphosphonate_window'))
  }
  const late = day.delayedRelease && blocksAbsorption(product)
  if (late && !broken.includes('delayed_release_morning')) found.push(why('Not before noon, on delayed-release risedronate.', 'FDA-RIS', 'delayed_release_morning'))
  if (magnesiumRich(product) && placed.bisphosphonates.length && !broken.includes('magnesium_apart')) {
    found.push(why('At least 2 hours from the bisphosphonate.', 'ODS-MG', 'magnesium_apart'))
  }
  if (calciumMg(product) > 0 && placed.levothyroxine.length && !broken.includes('levothyroxine_apart')) {
    found.push(why('At least 4 hours from levothyroxine.', 'FDA-LT4', 'levothyroxine_apart'))
  }
  return found
}

export const UNMET_WORDS: Record<string, string> = {
  calcium_per_moment: 'Your calcium does not fit into moments of 500 mg or less at the times it may be taken.',
  calcium_with_food: 'Calcium carbonate is absorbed best with food, and your meals cannot take all of it.',
  levothyroxine_apart: 'Calcium and levothyroxine are best 4 hours apart, and your day has no such time for all of it.',
  magnesium_apart: 'Magnesium is best 2 hours from the bisphosphonate, and your day has no such time.',
  delayed_release_morning: 'On delayed-release risedronate calcium and minerals belong at another time of day, and your day has no such time.',
  bisphosphonate_window: "Nothing but water belongs in the bisphosphonate's window, and your day has no other time.",
}
export const UNMET_SOURCES: Record<string, string> = {
  calcium_per_moment: 'ODS-CA',
  calcium_with_food: 'ODS-CA',
  levothyroxine_apart: 'FDA-LT4',
  magnesium_apart: 'ODS-MG',
  delayed_release_morning: 'FDA-RIS',
  bisphosphonate_window: 'FDA-ALN, FDA-RIS, FDA-IBN',
}

/** Magnesium and vitamins D and K: as many moments a day as planned, at meals where they
 * can be, breakfast first. */
function placeSupplement(plan: RuleRegimen, day: Day, placed: Placed): Placing {
  const product = plan.product
  const [planned, servings] = current(plan, day.on)
  let best: { score: Key[]; chosen: number[]; broken: string[] } | null = null
  for (const chosen of combinations(candidates(day), planned.length)) {
    const broken = chosen.flatMap((at) => brokenBy(at, product, day, placed))
    const score: Key[] = [cost(broken), offMeals(chosen, day), -spread(chosen), chosen]
    if (best === null || compareKeys(score, best.score) < 0) best = { score, chosen, broken }
  }
  if (best === null) return keep(plan, day, placed) // more doses a day than the day has moments: keep them
  const { chosen, broken } = best
  const missed = namedUnmet(plan, broken, `At ${chosen.map(clock).join(', ')}.`)

  const reasons = (at: number): Why[] => {
    const found: Why[] = []
    if (fatSoluble(product) && mealTimes(day).includes(at)) {
      found.push(why("With a meal: vitamins D and K dissolve in fat (Ossa's suggestion, not a source's rule).", 'ODS-D, ODS-K', 'with_a_meal'))
    }
    found.push(...separationReasons(at, product, day, placed, broken))
    if (found.length) return found
    if (mealTimes(day).includes(at)) return [why('With a meal, as a habit that is easy to keep.')]
    return [why('At a moment the rest of your plan leaves free.')]
  }
  return [chosen, servings, reasons, missed]
}

// --- The answer -------------------------------------------------------------------------------
function momentsOf(plans: RuleRegimen[], times: Map<string, [number[], number]>, whys: Map<string, Why[]>, day: Day, due: Set<string>): Moment[] {
  const byMinute = new Map<number, Placement[]>()
  for (const plan of plans) {
    if (!due.has(plan.id)) continue
    const [found, servings] = times.get(plan.id)!
    for (const at of found) {
      if (!byMinute.has(at)) byMinute.set(at, [])
      byMinute.get(at)!.push({ regimen_id: plan.id, product: plan.product.name, servings, why: whys.get(whyKey(plan.id, at))! })
    }
  }
  return [...byMinute]
    .sort(([a], [b]) => a - b)
    .map(([at, doses]) => ({ at: clock(at), label: day.labels.get(at) ?? clock(at), doses }))
}

function changesOf(plans: RuleRegimen[], times: Map<string, [number[], number]>, on: string): Change[] {
  const found: Change[] = []
  for (const plan of plans) {
    const [planned, servings] = current(plan, on)
    const [suggested, each] = times.get(plan.id)!
    const sorted = [...suggested].sort((a, b) => a - b)
    const same = sorted.length === planned.length && sorted.every((at, i) => at === planned[i])
    if (!same || Math.abs(each - servings) > 1e-9) {
      found.push({
        regimen_id: plan.id,
        product: plan.product.name,
        times: sorted.map(clock),
        servings_per_dose: round(each, 2),
        current_times: planned.map(clock),
        current_servings_per_dose: servings,
      })
    }
  }
  return found
}

/** The plans as they would be with the suggestion applied from its day (a new schedule
 * version, as editing a plan makes). */
export function apply(regimens: RuleRegimen[], plan: DayPlan): RuleRegimen[] {
  const changes = new Map(plan.changes.map((change) => [change.regimen_id, change]))
  return regimens.map((regimen) => {
    const change = changes.get(regimen.id)
    if (!change) return regimen
    const version = { ...scheduleOn(regimen, plan.day), effective_from: plan.day, times: [...change.times], servings_per_dose: change.servings_per_dose }
    const kept = regimen.schedules.filter((s) => s.effective_from < plan.day)
    return { ...regimen, schedules: [...kept, version] }
  })
}
