// The shared catalogue of products a plan can point at: fetched from the server when online
// and kept in localStorage, since only a member's own products travel over sync, so names
// and drug details show offline. useProducts (ui/hooks.ts) adds the member's own products.
import type { Product } from '../domain/rows'
import { api } from './api'
import { Store } from './store'

const KEY = 'ossa.catalogue'

interface Ingredient {
  nutrient: string
  amount: number | string
  form: string
}

interface CatalogueEntry extends Omit<Product, 'ingredients' | 'strength_mg' | 'created_at' | 'updated_at'> {
  ingredients: Ingredient[]
  strength_mg: number | string | null
  in_catalogue: boolean
  created_at: string
  updated_at: string
}

interface Page<T> {
  next: string | null
  results: T[]
}

function stored(): Product[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as Product[]
  } catch {
    return []
  }
}

export const catalogue = new Store<Product[]>(typeof localStorage === 'undefined' ? [] : stored())

/** The REST shape as a local row (numbers as numbers, ingredients as JSON text). */
export function fromApi(entry: CatalogueEntry): Product {
  return {
    ...entry,
    strength_mg: entry.strength_mg === null ? null : Number(entry.strength_mg),
    ingredients: JSON.stringify(entry.ingredients.map((i) => ({ ...i, amount: Number(i.amount) }))),
    created_at: Date.parse(entry.created_at),
    updated_at: Date.parse(entry.updated_at),
  }
}

// The server's "next" link may name another host (behind a proxy); keep path and query.
function samePath(link: string): string {
  const url = new URL(link, location.origin)
  return url.pathname + url.search
}

let loading: Promise<void> | null = null
let refreshedAt = 0
// The catalogue changes with releases, not minute to minute: every screen that shows
// products asks for it, so one fetch serves them all for a while.
const FRESH_MS = 5 * 60_000

/** Refresh the cached catalogue; offline it keeps the last copy and stays quiet. */
export function refreshCatalogue(): Promise<void> {
  if (Date.now() - refreshedAt < FRESH_MS) return Promise.resolve()
  loading ??= (async () => {
    const found: Product[] = []
    let url: string | null = '/api/v1/products?mine=false&page_size=200'
    while (url) {
      const page: Page<CatalogueEntry> = await api<Page<CatalogueEntry>>(url)
      found.push(...page.results.filter((p) => p.in_catalogue).map(fromApi))
      url = page.next ? samePath(page.next) : null
    }
    localStorage.setItem(KEY, JSON.stringify(found))
    catalogue.set(found)
    refreshedAt = Date.now()
  })()
    .catch(() => undefined)
    .finally(() => {
      loading = null
    })
  return loading
}
