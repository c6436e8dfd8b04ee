// Numbers in the rules' texts, written as the server's Python writes them, so a finding or a
// compromise reads the same offline: f"{x:,.0f}", f"{x:.1f}" and round(x, 2) round half to
// even on the exact binary value, where JavaScript's toFixed rounds an exact tie up.

/** Python's f"{value:.{digits}f}", or f"{value:,.{digits}f}" with `grouping`. */
export function fixed(value: number, digits: number, grouping = false): string {
  let text = value.toFixed(digits)
  // An exact tie (…5 exactly, after `digits` decimals) is odd/2^(digits+1) in binary.
  const tie = value * 2 ** (digits + 1)
  if (Number.isInteger(tie) && Math.abs(tie) % 2 === 1) {
    const lower = Math.floor(value * 10 ** digits)
    const even = lower % 2 === 0 ? lower : lower + 1
    text = (even / 10 ** digits).toFixed(digits)
  }
  return grouping ? group(text) : text
}

function group(text: string): string {
  const [whole, fraction] = text.split('.')
  const sign = whole.startsWith('-') ? '-' : ''
  const digits = sign ? whole.slice(1) : whole
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return sign + grouped + (fraction === undefined ? '' : `.${fraction}`)
}

/** Python's round(value, digits) for a float. */
export function round(value: number, digits: number): number {
  return Number(fixed(value, digits))
}

/** Strings in Python's order (by code point; JavaScript's < compares UTF-16 units). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0
  const left = [...a]
  const right = [...b]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i].codePointAt(0)!
    const y = right[i].codePointAt(0)!
    if (x !== y) return x - y
  }
  return left.length - right.length
}

/** Python's comparison of tuples of numbers, strings and tuples: element by element. */
export type Key = number | string | Key[]

export function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b)
  const left = a as Key[]
  const right = b as Key[]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const found = compareKeys(left[i], right[i])
    if (found !== 0) return found
  }
  return left.length - right.length
}

/** Python's sorted(items, key=…): stable, by the key's tuple order. */
export function sortedBy<T>(items: Iterable<T>, key: (item: T) => Key): T[] {
  return [...items].sort((a, b) => compareKeys(key(a), key(b)))
}
