// A product as a person reads it, wherever a plan, a dose or a held-back record names one.
import type { Product } from './rows'

/** "Calcium citrate (Brand)"; "Unknown product" when the product is not known here. */
export function productLabel(product: Product | undefined): string {
  if (!product) return 'Unknown product'
  return product.brand ? `${product.name} (${product.brand})` : product.name
}
