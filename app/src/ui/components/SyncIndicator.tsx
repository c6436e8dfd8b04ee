// Always visible: whether this device is online, how many changes wait to be sent, when it
// last synced, and any sync error in words, with a button to sync now. Changes the server
// refused are counted apart, with a link to the screen that resolves them (#/held); an
// error that a reload fixes comes with a button to reload.
import { syncStatus, type SyncEngine } from '../../data/sync'
import { useStore, useNow } from '../hooks'
import './SyncIndicator.css'

export function ago(ms: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000))
  if (seconds < 60) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  return new Date(ms).toLocaleDateString()
}

export function SyncIndicator({ engine }: { engine: SyncEngine }) {
  const status = useStore(syncStatus)
  const now = useNow(15_000)
  const state = !status.online ? 'offline' : status.running ? 'syncing' : status.error ? 'error' : 'ok'
  const words = {
    offline: 'Offline',
    syncing: 'Syncing…',
    error: 'Sync failed',
    ok: status.lastSyncedAt ? `Synced ${ago(status.lastSyncedAt, now)}` : 'Not synced yet',
  }[state]
  const held = status.held.length
  return (
    <div class={`sync sync-${state}${held ? ' sync-has-held' : ''}`} data-state={state} data-pending={status.pending} data-held={held}>
      <p role="status" aria-live="polite">
        <span class="sync-dot" aria-hidden="true" />
        <span class="sync-words">{words}</span>
        {status.pending > 0 && (
          <span class="sync-pending">
            {' '}
            · {status.pending} {status.pending === 1 ? 'change' : 'changes'} waiting to sync
          </span>
        )}
        {held > 0 && (
          <>
            {' · '}
            <a class="sync-held" href="#/held">
              {held} {held === 1 ? 'change' : 'changes'} could not be sent
            </a>
          </>
        )}
      </p>
      {status.error && (
        <p class="sync-message" role="alert">
          {status.error}
        </p>
      )}
      {status.reload && (
        <button type="button" class="button-primary" onClick={() => location.reload()}>
          Reload the app
        </button>
      )}
      <button type="button" class="button-link" onClick={() => void engine.sync()} disabled={status.running || !status.online}>
        Sync now
      </button>
    </div>
  )
}
