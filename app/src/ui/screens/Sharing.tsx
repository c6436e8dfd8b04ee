// Sharing with a dietitian: share codes and e-mail invites, who has access (revocable at
// once), and the log of every look at the member's data. All of it lives on the server, so
// the screen needs a connection; offline it says so and keeps what it last showed.
import { useEffect, useRef, useState } from 'preact/hooks'

import { ApiError, api } from '../../data/api'
import { syncStatus } from '../../data/sync'
import { Empty, ErrorText, Field, Loading, Notice, Screen, useAction } from '../components/blocks'
import { useStore, useZone } from '../hooks'
import { Confirm, OfflineNote, itemsOf, moment, pathOf, type Page } from './AccountParts'
import './Sharing.css'

interface CareLink {
  id: string
  status: 'pending' | 'active' | 'revoked' | 'expired'
  dietitian: { name: string; email: string } | null
  invited_email: string
  scopes: string[]
  created_at: string
  expires_at: string
  granted_at: string | null
  revoked_at: string | null
}

interface CreatedLink extends CareLink {
  code: string | null
}

interface AccessEntry {
  id: number
  actor_name: string
  action: string
  detail: string
  at: string
}

const LINKS_PATH = '/api/v1/care-links?page_size=200'
const LOG_PATH = '/api/v1/access-log?page_size=20'
// Every share code ever made stays in the list; a few pages are plenty to reach the
// live ones, which come first (newest first).
const MAX_LINK_PAGES = 5

export function Sharing() {
  const { online } = useStore(syncStatus)
  const links = useCareLinks(online)
  return (
    <Screen title="Sharing">
      <p class="sharing-lead">
        A dietitian you invite sees your profile, plan, doses, adherence and flags in their Ossa panel until you revoke access; each time they look is listed in the access
        log below.
      </p>
      {!online && <OfflineNote>Sharing needs a connection: codes, invitations, access and the log are kept on the server. What you see may be out of date.</OfflineNote>}
      <ShareCode onCreated={links.reload} />
      <EmailInvite onSent={links.reload} />
      <WhoHasAccess {...links} online={online} />
      <AccessLog online={online} />
    </Screen>
  )
}

interface LinksState {
  links: CareLink[] | null
  error: string | null
  reload: () => void
}

function useCareLinks(online: boolean): LinksState {
  const [links, setLinks] = useState<CareLink[] | null>(null)
  const [load, , error] = useAction(async () => setLinks(await fetchLinks()))
  const reload = () => void load()
  // Again when the connection comes back: what changed meanwhile shows up.
  useEffect(reload, [online])
  return { links, error, reload }
}

async function fetchLinks(): Promise<CareLink[]> {
  const found: CareLink[] = []
  let path: string | null = LINKS_PATH
  for (let page = 0; path && page < MAX_LINK_PAGES; page++) {
    const body: Page<CareLink> | CareLink[] = await api<Page<CareLink> | CareLink[]>(path)
    found.push(...itemsOf(body))
    path = Array.isArray(body) || !body.next ? null : pathOf(body.next)
  }
  return found
}

function ShareCode({ onCreated }: { onCreated: () => void }) {
  const zone = useZone()
  const [created, setCreated] = useState<CreatedLink | null>(null)
  const [create, busy, error] = useAction(async () => {
    setCreated(await api<CreatedLink>('/api/v1/care-links', { method: 'POST', json: { method: 'code' } }))
    onCreated()
  })
  return (
    <section class="card sharing-card" aria-labelledby="share-code-title">
      <h2 id="share-code-title">Share code</h2>
      <p>Your dietitian enters the code in their Ossa panel. It works once, within 24 hours.</p>
      {created?.code && <CodeCard code={created.code} expires={moment(created.expires_at, zone)} />}
      <ErrorText error={error} />
      <button type="button" class={created ? '' : 'button-primary'} disabled={busy} onClick={() => void create()}>
        {busy ? 'Creating…' : created ? 'Create another code' : 'Create a share code'}
      </button>
    </section>
  )
}

function CodeCard({ code, expires }: { code: string; expires: string }) {
  const shown = useRef<HTMLParagraphElement>(null)
  const [message, setMessage] = useState('')
  const canShare = typeof navigator.share === 'function'
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code)
      setMessage('Copied. Paste it into a message to your dietitian.')
    } catch {
      // No clipboard (an insecure page, or the browser said no): select the code instead.
      if (shown.current) getSelection()?.selectAllChildren(shown.current)
      setMessage('This browser did not let Ossa copy. The code is selected: copy it yourself, or read it out.')
    }
  }
  const share = async () => {
    try {
      await navigator.share({ title: 'Ossa share code', text: `My Ossa share code: ${code} (valid until ${expires})` })
    } catch {
      // Closing the share sheet is not an error worth a message.
    }
  }
  return (
    <div class="share-code">
      <p class="share-code-label" id="share-code-label">
        Your share code
      </p>
      <p class="share-code-value" ref={shown} aria-describedby="share-code-label">
        {code}
      </p>
      <p class="share-code-expiry">Valid once, until {expires}.</p>
      <div class="actions">
        <button type="button" class="button-primary" onClick={() => void copy()}>
          Copy code
        </button>
        {canShare && (
          <button type="button" onClick={() => void share()}>
            Share…
          </button>
        )}
      </div>
      <p role="status" class="share-code-message">
        {message}
      </p>
    </div>
  )
}

function EmailInvite({ onSent }: { onSent: () => void }) {
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState<string | null>(null)
  const [fieldError, setFieldError] = useState<string | undefined>()
  const [send, busy, error] = useAction(async () => {
    setSent(null)
    setFieldError(undefined)
    try {
      await api('/api/v1/care-links', { method: 'POST', json: { method: 'email', email: email.trim() } })
    } catch (e) {
      if (e instanceof ApiError && e.fields.email) {
        setFieldError(e.fields.email)
        return
      }
      throw e
    }
    setSent(email.trim())
    setEmail('')
    onSent()
  })
  return (
    <section class="card sharing-card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite by e-mail</h2>
      <p>We e-mail your dietitian a link to accept in their Ossa panel; it works for 7 days.</p>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void send()
        }}
      >
        <Field
          label="Your dietitian’s e-mail address"
          name="email"
          type="email"
          required
          autoComplete="off"
          inputMode="email"
          value={email}
          error={fieldError}
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
        />
        <ErrorText error={error} />
        {sent && <Notice>Invitation sent to {sent}.</Notice>}
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Sending…' : 'Send invite'}
        </button>
      </form>
    </section>
  )
}

const SCOPE_WORDS: Record<string, string> = {
  profile: 'profile',
  plan: 'plan',
  intake: 'doses',
  adherence: 'adherence',
  flags: 'flags',
}

/** "your profile, plan and doses" */
function scopeWords(scopes: string[]): string {
  const words = scopes.map((s) => SCOPE_WORDS[s] ?? s.replace(/_/g, ' '))
  const list = words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
  return `your ${list}`
}

function linkTitle(link: CareLink): string {
  if (link.dietitian) return link.dietitian.name || link.dietitian.email
  if (link.invited_email) return `Invitation to ${link.invited_email}`
  return 'Share code'
}

function WhoHasAccess({ links, error, reload, online }: LinksState & { online: boolean }) {
  const [revoked, setRevoked] = useState<string | null>(null)
  const live = links?.filter((l) => l.status === 'active' || l.status === 'pending') ?? []
  const past = links?.filter((l) => l.status === 'revoked' || l.status === 'expired') ?? []
  const afterRevoke = (link: CareLink) => {
    setRevoked(link.status === 'active' ? `${linkTitle(link)} no longer has access.` : 'The invitation is withdrawn.')
    reload()
  }
  return (
    <section aria-labelledby="access-title">
      <h2 id="access-title">Who has access</h2>
      {revoked && <Notice>{revoked}</Notice>}
      {/* Offline, the note at the top already says why the list cannot load. */}
      <ErrorText error={online ? error : null} />
      {links === null ? (
        online ? !error && <Loading /> : <Empty>Shown when you are online.</Empty>
      ) : live.length === 0 ? (
        <Empty>No dietitian has access, and no invitation is waiting.</Empty>
      ) : (
        <ul class="list">
          {live.map((link) => (
            <LinkItem key={link.id} link={link} onRevoked={afterRevoke} />
          ))}
        </ul>
      )}
      {past.length > 0 && <PastLinks links={past} />}
    </section>
  )
}

function LinkItem({ link, onRevoked }: { link: CareLink; onRevoked: (link: CareLink) => void }) {
  const zone = useZone()
  const [confirming, setConfirming] = useState(false)
  const [revoke, busy, error] = useAction(async () => {
    await api(`/api/v1/care-links/${link.id}`, { method: 'DELETE' })
    onRevoked(link)
  })
  const active = link.status === 'active'
  const action = active ? 'Revoke access' : link.invited_email ? 'Withdraw invitation' : 'Cancel this code'
  const question = active
    ? `${linkTitle(link)} will no longer see your data, from this moment. You can invite them again later.`
    : 'Nobody will be able to use this invitation any more.'
  return (
    <li class="card link-item">
      <p class="link-item-title">
        <strong>{linkTitle(link)}</strong> <span class={`badge ${active ? 'badge-good' : 'badge-part'}`}>{active ? 'Has access' : 'Waiting'}</span>
      </p>
      {active && link.dietitian?.name && <p class="muted">{link.dietitian.email}</p>}
      <p class="muted">
        {active && link.granted_at ? `Since ${moment(link.granted_at, zone)}` : `Created ${moment(link.created_at, zone)}, valid until ${moment(link.expires_at, zone)}`}
      </p>
      {link.scopes.length > 0 && (
        <p class="muted">
          {active ? 'Sees' : 'Would see'} {scopeWords(link.scopes)}.
        </p>
      )}
      <ErrorText error={error} />
      {confirming ? (
        <Confirm
          question={question}
          confirmLabel={action}
          cancelLabel={active ? 'Keep access' : 'Keep it'}
          busy={busy}
          onConfirm={() => void revoke()}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <button type="button" class="button-danger" onClick={() => setConfirming(true)}>
          {action}
        </button>
      )}
    </li>
  )
}

function PastLinks({ links }: { links: CareLink[] }) {
  const zone = useZone()
  return (
    <details class="past-links">
      <summary>Ended and expired ({links.length})</summary>
      <ul class="list">
        {links.map((link) => (
          <li key={link.id}>
            {linkTitle(link)} —{' '}
            {link.status === 'revoked' && link.revoked_at ? `ended ${moment(link.revoked_at, zone)}` : `expired ${moment(link.expires_at, zone)}`}
          </li>
        ))}
      </ul>
    </details>
  )
}

const ACTION_WORDS: Record<string, string> = {
  view_client: 'looked at your data',
  export_csv: 'exported your data as a spreadsheet (CSV)',
  export_pdf: 'downloaded your PDF report',
  acknowledge_flag: 'acknowledged a flag',
  write_note: 'wrote a note about you',
}

function AccessLog({ online }: { online: boolean }) {
  const zone = useZone()
  const [entries, setEntries] = useState<AccessEntry[] | null>(null)
  const [next, setNext] = useState<string | null>(null)
  const [load, busy, error] = useAction(async (path: string, more: boolean) => {
    const page = await api<Page<AccessEntry>>(path)
    setEntries((shown) => (more && shown ? [...shown, ...page.results] : page.results))
    setNext(page.next ? pathOf(page.next) : null)
  })
  useEffect(() => void load(LOG_PATH, false), [online])
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Access log</h2>
      {entries === null ? (
        online ? !error && <Loading /> : <Empty>Shown when you are online.</Empty>
      ) : entries.length === 0 ? (
        <Empty>No dietitian has looked at your data yet.</Empty>
      ) : (
        <ul class="list access-log">
          {entries.map((entry) => (
            <li key={entry.id}>
              <strong>{entry.actor_name}</strong> {ACTION_WORDS[entry.action] ?? entry.action.replace(/_/g, ' ')}
              {entry.detail && <span class="muted"> ({entry.detail})</span>}
              <br />
              <time class="muted" dateTime={entry.at}>
                {moment(entry.at, zone)}
              </time>
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={online || entries ? error : null} />
      {next && (
        <button type="button" disabled={busy} onClick={() => void load(next, true)}>
          {busy ? 'Loading…' : 'Show more'}
        </button>
      )}
    </section>
  )
}
