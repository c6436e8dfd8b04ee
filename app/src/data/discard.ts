// "Discard my change" for a held-back record: the one action that always resolves a refusal
// (issue 13). A record the server never had is simply removed; a change or a deletion of a
// record the server has is given up and the server's copy comes back with a replacement pull
// (WatermelonDB 0.28 `experimentalStrategy: 'replacement'`: records it does not list and that
// have nothing to send are removed, listed ones are rewritten, unsent changes are kept).
import type { Database } from '@nozbe/watermelondb'

import { db, remove } from './db'
import type { TableName } from './db/schema'
import { locate, type Held, type HeldBack } from './held'
import type { Changes } from './pushChunks'
import { heldBack, wantReplacementPull } from './sync'
import { fetchLocalChanges, markLocalChangesAsSynced } from './watermelonSync'

/** Give up the local change to a held-back record; the caller then syncs. */
export async function discardChange(held: Pick<Held, 'table' | 'id'>, database: Database = db(), holds: HeldBack = heldBack()): Promise<void> {
  const { changes, affectedRecords } = await fetchLocalChanges(database)
  const where = locate(changes as Changes, held.table, held.id)
  if (where?.kind === 'created') {
    // Never stored by the server: removing it leaves nothing to send.
    await remove(held.table as TableName, held.id, database)
  } else if (where) {
    // Marked as synced, the record is no longer sent (a local deletion is forgotten with it);
    // the replacement pull then rewrites it with the server's copy, or removes it when the
    // server has none.
    const set = { created: [], updated: where.raw ? [where.raw] : [], deleted: where.raw ? [] : [held.id] }
    wantReplacementPull()
    await markLocalChangesAsSynced(database, { changes: { [held.table]: set }, affectedRecords })
  }
  holds.forget(held.table, held.id)
}
