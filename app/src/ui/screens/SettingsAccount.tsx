// The account parts of Settings that live on the server (signed-in devices, the data
// download, account deletion; they say so when offline) and signing out of this device.
import { useEffect, useState } from 'preact/hooks'

import { ApiError, api, fetchResponse } from '../../data/api'
import { saveResponse } from '../../data/download'
import { signOut } from '../../data/session'
import { engine, syncStatus } from '../../data/sync'
import { Empty, ErrorText, Field, Loading, Notice, useAction } from '../components/blocks'
import { useStore, useZone } from '../hooks'
import { navigate } from '../router'
import { Confirm, OfflineNote, day, itemsOf, moment, type Page } from './AccountParts'

interface LoginSession {
  id: string
  device_name: string
  user_agent: string
  created_at: string
  last_used_at: string
  current: boolean
}

function browserOf(userAgent: string): string {
  if (/Edg\//.test(userAgent)) return 'Edge'
  if (/Firefox\//.test(userAgent)) return 'Firefox'
  if (/Chrome\//.test(userAgent)) return 'Chrome'
  if (/Safari\//.test(userAgent)) return 'Safari'
  return ''
}

/** `refresh` changes when something else ended sessions (a deletion request signs the
 * other devices out). */
export function SignedInDevices({ refresh }: { refresh: number }) {
  const { online } = useStore(syncStatus)
  const [sessions, setSessions] = useState<LoginSession[] | null>(null)
  const [ended, setEnded] = useState<string | null>(null)
  const [load, , error] = useAction(async () => {
    const found = itemsOf(await api<Page<LoginSession> | LoginSession[]>('/api/v1/auth/sessions?page_size=100'))
    // This device first, then the others as the server orders them (last used first).
    setSessions([...found.filter((s) => s.current), ...found.filter((s) => !s.current)])
  })
  useEffect(() => void load(), [online, refresh])
  const afterSignOut = (session: LoginSession) => {
    setEnded(`${session.device_name || 'That device'} is signed out.`)
    void load()
  }
  return (
    <section class="card settings-section" aria-labelledby="devices-title">
      <h2 id="devices-title" tabIndex={-1}>
        Signed-in devices
      </h2>
      <p class="muted">Signing a device out ends its session at once; what it has not synced yet stays on it until you sign in there again.</p>
      {!online && <OfflineNote>The list of devices needs a connection.</OfflineNote>}
      {ended && <Notice>{ended}</Notice>}
      <ErrorText error={online ? error : null} />
      {sessions === null ? (
        online && !error && <Loading />
      ) : sessions.length === 0 ? (
        <Empty>No devices are signed in.</Empty>
      ) : (
        <ul class="list settings-devices">
          {sessions.map((session) => (
            <DeviceItem key={session.id} session={session} onSignedOut={afterSignOut} />
          ))}
        </ul>
      )}
    </section>
  )
}

function DeviceItem({ session, onSignedOut }: { session: LoginSession; onSignedOut: (session: LoginSession) => void }) {
  const zone = useZone()
  const [end, busy, error] = useAction(async () => {
    await api(`/api/v1/auth/sessions/${session.id}`, { method: 'DELETE' })
    onSignedOut(session)
  })
  const browser = browserOf(session.user_agent)
  return (
    <li>
      <p class="settings-device-name">
        <strong>{session.device_name || 'Unnamed device'}</strong>
        {browser && <span class="muted"> · {browser}</span>} {session.current && <span class="badge badge-good">This device</span>}
      </p>
      <p class="muted">
        Signed in {moment(session.created_at, zone)}; last active {moment(session.last_used_at, zone)}.
      </p>
      <ErrorText error={error} />
      {!session.current && (
        <button type="button" disabled={busy} onClick={() => void end()}>
          {busy ? 'Signing out…' : 'Sign out this device'}
        </button>
      )}
    </li>
  )
}

const FORMATS: { format: string; label: string; fallback: string; about: string }[] = [
  { format: 'json', label: 'Download as JSON', fallback: 'ossa-export.json', about: 'One file with everything, for other programs.' },
  { format: 'csv', label: 'Download as CSV (zip)', fallback: 'ossa-export.zip', about: 'Spreadsheets, one per kind of data.' },
  { format: 'fhir', label: 'Download as FHIR', fallback: 'ossa-export-fhir.json', about: 'The health-record standard (FHIR R4), for your doctor’s systems.' },
]

export function YourData() {
  const { online } = useStore(syncStatus)
  const [savedAs, setSavedAs] = useState<string | null>(null)
  const [working, setWorking] = useState<string | null>(null)
  const [download, busy, error] = useAction(async (format: string, fallback: string) => {
    setSavedAs(null)
    setWorking(format)
    // The copy comes from the server: send this device's changes first, so it has them.
    if (syncStatus.get().pending > 0) await engine.sync()
    const response = await fetchResponse(`/api/v1/me/export?format=${format}`, { headers: { Accept: '*/*' } })
    setSavedAs(await saveResponse(response, fallback))
  })
  return (
    <section class="card settings-section" aria-labelledby="data-title">
      <h2 id="data-title" tabIndex={-1}>
        Your data
      </h2>
      <p class="muted">A copy of everything Ossa keeps about you: profile, products, plans, doses, adherence, flags and who had access.</p>
      {!online && <OfflineNote>Downloads come from the server and need a connection.</OfflineNote>}
      <ul class="list settings-downloads">
        {FORMATS.map(({ format, label, fallback, about }) => (
          <li key={format}>
            <button type="button" disabled={busy} aria-describedby={`download-${format}`} onClick={() => void download(format, fallback)}>
              {busy && working === format ? 'Preparing…' : label}
            </button>
            <small id={`download-${format}`} class="hint">
              {about}
            </small>
          </li>
        ))}
      </ul>
      <ErrorText error={error} />
      {savedAs && <Notice>Saved as {savedAs} in your downloads.</Notice>}
    </section>
  )
}

interface DeletionStatus {
  scheduled_for: string | null
  grace_days: number
}

export function DeleteAccount({ onScheduled }: { onScheduled: () => void }) {
  const { online } = useStore(syncStatus)
  const [status, setStatus] = useState<DeletionStatus | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [load, , loadError] = useAction(async () => setStatus(await api<DeletionStatus>('/api/v1/me/deletion')))
  useEffect(() => {
    if (online) void load()
  }, [online])
  const scheduled = (next: DeletionStatus) => {
    setStatus(next)
    setNotice(null)
    onScheduled()
  }
  const cancelled = () => {
    setStatus((current) => current && { ...current, scheduled_for: null })
    setNotice('Deletion cancelled: your account stays. Dietitians who had access need a new invitation.')
  }
  return (
    <section class="card settings-section" aria-labelledby="delete-title">
      <h2 id="delete-title" tabIndex={-1}>
        Delete my account
      </h2>
      {!online && <OfflineNote>Deleting your account, or cancelling a deletion, needs a connection.</OfflineNote>}
      <ErrorText error={online ? loadError : null} />
      {notice && <Notice>{notice}</Notice>}
      {status?.scheduled_for ? (
        <ScheduledDeletion scheduledFor={status.scheduled_for} onCancelled={cancelled} />
      ) : (
        <RequestDeletion graceDays={status?.grace_days ?? null} onScheduled={scheduled} />
      )}
    </section>
  )
}

function ScheduledDeletion({ scheduledFor, onCancelled }: { scheduledFor: string; onCancelled: () => void }) {
  const zone = useZone()
  const [cancel, busy, error] = useAction(async () => {
    await api('/api/v1/me/deletion', { method: 'DELETE' })
    onCancelled()
  })
  return (
    <div class="settings-deletion" role="status">
      <p class="settings-deletion-date">
        Your account will be deleted on <strong>{day(scheduledFor, zone)}</strong>.
      </p>
      <p>Dietitians no longer have access, your other devices are signed out and reminders have stopped. Until that day you can change your mind.</p>
      <ErrorText error={error} />
      <button type="button" class="button-primary" disabled={busy} onClick={() => void cancel()}>
        {busy ? 'Cancelling…' : 'Cancel deletion'}
      </button>
    </div>
  )
}

function graceWords(graceDays: number | null): string {
  if (graceDays === null) return 'after a grace period'
  return `${graceDays} ${graceDays === 1 ? 'day' : 'days'} after you ask`
}

function deletionQuestion(graceDays: number | null, zone: string): string {
  const when = graceDays === null ? 'after the grace period' : `on ${day(new Date(Date.now() + graceDays * 86_400_000).toISOString(), zone)}`
  return `Delete your account ${when}? Dietitians lose access and your other devices are signed out right away.`
}

function RequestDeletion({ graceDays, onScheduled }: { graceDays: number | null; onScheduled: (status: DeletionStatus) => void }) {
  const zone = useZone()
  const [password, setPassword] = useState('')
  const [passwordError, setPasswordError] = useState<string | undefined>()
  const [confirming, setConfirming] = useState(false)
  const [request, busy, error] = useAction(async () => {
    try {
      onScheduled(await api<DeletionStatus>('/api/v1/me/deletion', { method: 'POST', json: { password } }))
      setPassword('')
    } catch (e) {
      if (e instanceof ApiError && e.fields.password) setPasswordError(e.fields.password)
      else throw e
    } finally {
      setConfirming(false)
    }
  })
  const ask = (event: Event) => {
    event.preventDefault()
    if (!password) return setPasswordError('Enter your password to confirm it is you.')
    setPasswordError(undefined)
    setConfirming(true)
  }
  return (
    <form id="delete-form" noValidate onSubmit={ask}>
      <p>
        This deletes your profile, plans, doses, flags and everything else Ossa keeps about you, for good. It happens {graceWords(graceDays)}, so you can still
        cancel; meanwhile dietitians lose access at once, your other devices are signed out and reminders stop. Download your data first if you want a copy.
      </p>
      <Field
        label="Your password"
        type="password"
        autoComplete="current-password"
        value={password}
        error={passwordError}
        onInput={(e) => {
          setPassword((e.target as HTMLInputElement).value)
          setPasswordError(undefined)
        }}
      />
      <ErrorText error={error} />
      {confirming ? (
        <Confirm
          question={deletionQuestion(graceDays, zone)}
          confirmLabel="Yes, delete my account"
          cancelLabel="Keep my account"
          busy={busy}
          onConfirm={() => void request()}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <button type="submit" class="button-danger">
          Delete my account
        </button>
      )}
    </form>
  )
}

/** Sign out, and leave this screen: whoever signs in next starts on Today, not in the last
 * person's settings. */
async function signOutToToday(): Promise<void> {
  await signOut()
  navigate('today')
}

export function SignOutSection() {
  const status = useStore(syncStatus)
  const [atRisk, setAtRisk] = useState(0)
  const [start, busy, error] = useAction(async () => {
    // Unsent changes exist only on this device, and signing out erases its database.
    if ((await engine.refreshPending()) > 0) await engine.sync()
    const pending = await engine.refreshPending()
    if (pending > 0) setAtRisk(pending)
    else await signOutToToday()
  })
  const [force, forcing, forceError] = useAction(signOutToToday)
  const changes = `${atRisk} ${atRisk === 1 ? 'change' : 'changes'}`
  const why = !status.online ? 'you are offline' : status.error ? `the last sync failed: ${status.error}` : 'they could not be sent'
  return (
    <section class="card settings-section" aria-labelledby="signout-title">
      <h2 id="signout-title" tabIndex={-1}>
        Sign out
      </h2>
      <p class="muted">Signing out removes your data from this device. It stays in your account; sign in again to get it back.</p>
      <ErrorText error={error ?? forceError} />
      {atRisk > 0 ? (
        <Confirm
          question={
            <>
              <strong>
                {changes} on this device {atRisk === 1 ? 'has' : 'have'} not reached the server
              </strong>{' '}
              because {why}. Signing out now deletes {atRisk === 1 ? 'it' : 'them'} for good. To keep {atRisk === 1 ? 'it' : 'them'}, stay signed in until Ossa has synced.
            </>
          }
          confirmLabel={`Sign out and lose ${changes}`}
          cancelLabel="Stay signed in"
          busy={forcing}
          onConfirm={() => void force()}
          onCancel={() => setAtRisk(0)}
        />
      ) : (
        <button type="button" disabled={busy} onClick={() => void start()}>
          {busy ? 'Syncing first…' : 'Sign out of this device'}
        </button>
      )}
    </section>
  )
}
