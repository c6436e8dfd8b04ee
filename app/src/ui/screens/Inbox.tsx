// The Inbox: weekly digests and dose reminders from the server, newest first. Opening one
// marks it read on this device at once (offline too); read_at is the one column of the inbox
// the app may change, and it travels back to the server with the next sync.
import { useMemo } from 'preact/hooks'

import { Q, update } from '../../data/db'
import { fullDate } from '../../domain/calendar'
import type { Notification } from '../../domain/rows'
import { localDate, localTime } from '../../domain/time'
import { Empty, ErrorText, Loading, Screen, useAction } from '../components/blocks'
import { useRows, useWithArchive, useZone } from '../hooks'
import './Inbox.css'

async function markRead(ids: string[]): Promise<void> {
  const now = Date.now()
  for (const id of ids) await update('notifications', id, { read_at: now })
}

// Where a message's subject lives in the app.
const LINKS: Record<string, [string, string][]> = {
  weekly_digest: [
    ['#/week', 'See your week'],
    ['#/flags', 'See your flags'],
  ],
  dose_reminder: [['#/today', 'Go to today']],
}

/** Every message, newest first: the database's, and the old ones read already from its archive
 * of old history (data/history.ts). */
function useMessages(): Notification[] | null {
  const recent = useRows('notifications', [Q.sortBy('created_at', Q.desc)])
  const all = useWithArchive('notifications', recent)
  return useMemo(() => all && [...all].sort((a, b) => b.created_at - a.created_at), [all])
}

export function Inbox() {
  const messages = useMessages()
  const unread = (messages ?? []).filter((m) => m.read_at === null)
  const [markAll, busy, error] = useAction(() => markRead(unread.map((m) => m.id)))
  const actions = unread.length > 0 && (
    <button type="button" onClick={() => void markAll()} disabled={busy}>
      Mark all as read
    </button>
  )
  return (
    <Screen title="Inbox" actions={actions}>
      <ErrorText error={error} />
      {messages === null ? (
        <Loading />
      ) : messages.length === 0 ? (
        <Empty>No messages yet. Your weekly summary arrives here on the day you chose in Settings.</Empty>
      ) : (
        <>
          <p class="muted" aria-live="polite">
            {unread.length === 0 ? 'All read.' : `${unread.length} unread.`}
          </p>
          <ul class="list inbox">
            {messages.map((message) => (
              <li key={message.id}>
                <Message message={message} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Screen>
  )
}

function Message({ message }: { message: Notification }) {
  const zone = useZone()
  const unread = message.read_at === null
  const [open, , error] = useAction(() => markRead([message.id]))
  const onToggle = (event: Event) => {
    if ((event.currentTarget as HTMLDetailsElement).open && unread) void open()
  }
  const date = localDate(message.created_at, zone)
  return (
    <details class={`card message${unread ? ' message-unread' : ''}`} onToggle={onToggle}>
      <summary>
        <span class="message-title">{message.title}</span>
        <span class="message-meta">
          {unread && <span class="badge badge-part">Unread</span>}
          <span class="muted">
            {fullDate(date)}, {localTime(message.created_at, zone)}
          </span>
        </span>
      </summary>
      <p class="message-body">{message.body}</p>
      {(LINKS[message.kind] ?? []).length > 0 && (
        <p class="message-links">
          {LINKS[message.kind].map(([href, words]) => (
            <a key={href} href={href}>
              {words}
            </a>
          ))}
        </p>
      )}
      <ErrorText error={error} />
    </details>
  )
}
