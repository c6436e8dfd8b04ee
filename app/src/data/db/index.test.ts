import { fetchLocalChanges, markLocalChangesAsSynced } from '@nozbe/watermelondb/sync/impl'
import type { SyncTableChangeSet } from '@nozbe/watermelondb/sync'
import { describe, expect, it } from 'vitest'

import { create, createDatabase, remove } from '.'

const OWN_PRODUCT = { name: 'Own K2', brand: '', kind: 'supplement', serving_unit: 'capsule' } as const

async function pushed(database: ReturnType<typeof createDatabase>) {
  const { changes } = await fetchLocalChanges(database)
  return (changes as Record<string, SyncTableChangeSet>).products
}

describe('remove', () => {
  it('drops a record the server never saw, leaving nothing to push', async () => {
    const database = createDatabase({ name: 'remove-new', persistent: false })
    const product = await create('products', OWN_PRODUCT, database)

    await remove('products', product.id, database)

    expect(await pushed(database)).toEqual({ created: [], updated: [], deleted: [] })
  })

  it('marks a synced record deleted, so the deletion reaches the server', async () => {
    const database = createDatabase({ name: 'remove-synced', persistent: false })
    const product = await create('products', OWN_PRODUCT, database)
    await markLocalChangesAsSynced(database, await fetchLocalChanges(database))

    await remove('products', product.id, database)

    expect(await pushed(database)).toEqual({ created: [], updated: [], deleted: [product.id] })
  })
})

describe('create', () => {
  it('gives the record the id asked for', async () => {
    const database = createDatabase({ name: 'create-id', persistent: false })
    const id = '3e8b7f69-6c3d-4f8b-a088-bd425e6f7081'
    const product = await create('products', OWN_PRODUCT, database, id)

    expect(product.id).toBe(id)
    expect((await pushed(database)).created.map((r) => r.id)).toEqual([id])
  })
})
