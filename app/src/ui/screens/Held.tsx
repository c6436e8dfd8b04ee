// Changes not sent (#/held): each record the server refused, which this phone holds back so
// everything else still syncs (data/held.ts), in words with the server's reason, and the way
// out: discard the change (what the server has comes back) or edit it where the app edits
// such records (an edited record is tried again on the next sync).
import { useEffect, useState } from 'preact/hooks'

import { storedRow } from '../../data/db'
import type { TableName } from '../../data/db/schema'
import { discardChange } from '../../data/discard'
import type { Held as HeldRecord } from '../../data/held'
import { engine, syncStatus } from '../../data/sync'
import { localDate } from '../../domain/time'
import { Empty, ErrorText, Loading, Notice, Screen, useAction } from '../components/blocks'
import { describeHeld, type HeldView } from '../heldWords'
import { useNow, useProductMap, useStore, useZone } from '../hooks'
import './Held.css'

type Row = Record<string, unknown>

function keyOf(held: HeldRecord): string {
  return `${held.table}.${held.id}`
}

/** The local rows of the held records (a removed one too); null until read. */
function useHeldRows(held: HeldRecord[]): Map<string, Row | null> | null {
  const [rows, setRows] = useState<Map<string, Row | null> | null>(null)
  const key = held.map(keyOf).join(',')
  useEffect(() => {
    let current = true
    void Promise.all(held.map(async (h) => [keyOf(h), (await storedRow(h.table as TableName, h.id)) as Row | null] as const)).then((found) => {
      if (current) setRows(new Map(found))
    })
    return () => {
      current = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key])
  return rows
}

function HeldItem({ held, view, onDiscarded }: { held: HeldRecord; view: HeldView; onDiscarded: (what: string) => Promise<void> }) {
  const titleId = `held-${held.table}-${held.id}`
  const [discard, busy, error] = useAction(async () => {
    await discardChange(held)
    await onDiscarded(view.what)
  })
  return (
    <li class="card held-item" data-table={held.table} data-id={held.id}>
      <h2 id={titleId} class="held-what">
        {view.what}
      </h2>
      <p class="muted held-change">{view.change}</p>
      <p class="held-reason">
        <strong>Why it was not sent:</strong> {view.reasons.join(' ')}
      </p>
      <div class="actions">
        <button type="button" class="button-danger" disabled={busy} aria-describedby={titleId} onClick={() => void discard()}>
          Discard my change
        </button>
        {view.edit && (
          <a class="button" href={`#/${view.edit.route}`} aria-describedby={titleId}>
            {view.edit.label}
          </a>
        )}
      </div>
      <ErrorText error={error} />
    </li>
  )
}

export function Held() {
  const { held } = useStore(syncStatus)
  const [checked, setChecked] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const rows = useHeldRows(held)
  const products = useProductMap()
  const zone = useZone()
  const today = localDate(useNow(60_000), zone)

  // The strip's list is as of the last sync; edits since may have released some.
  useEffect(() => {
    void engine.refreshPending().finally(() => setChecked(true))
  }, [])

  const discarded = async (what: string) => {
    setNotice(`Your change is discarded: ${what}.`)
    document.getElementById('screen-title')?.focus()
    await engine.refreshPending()
    void engine.sync()
  }

  if (!checked || rows === null) {
    return (
      <Screen title="Changes not sent">
        <Loading />
      </Screen>
    )
  }
  return (
    <Screen title="Changes not sent">
      {notice && <Notice>{notice}</Notice>}
      {held.length === 0 ? (
        <Empty>
          Nothing is held back: every change on this phone has been sent or waits for the next sync. <a href="#/today">Back to Today</a>
        </Empty>
      ) : (
        <>
          <p class="held-intro">
            The server could not accept {held.length === 1 ? 'this change' : 'these changes'}. {held.length === 1 ? 'It stays' : 'They stay'} on this phone
            and {held.length === 1 ? 'is' : 'are'} left out when it syncs, so everything else still reaches the server. Discard a change to go back to what
            the server has, or edit it and it is tried again.
          </p>
          <ul class="list" aria-label="Changes not sent">
            {held.map((h) => (
              <HeldItem key={keyOf(h)} held={h} view={describeHeld(h, rows.get(keyOf(h)) ?? null, { products, zone, today })} onDiscarded={discarded} />
            ))}
          </ul>
        </>
      )}
    </Screen>
  )
}
