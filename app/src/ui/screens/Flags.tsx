// The Flags screen: what Ossa's server pointed out, read from the local database (offline
// too), most urgent first, with the evidence and the reference behind each. Acknowledging is a
// REST call (flags are read-only in sync), so it needs a connection; the next sync brings the
// acknowledged_at back.
import { useState } from 'preact/hooks'

import { api, OFFLINE_MESSAGE } from '../../data/api'
import { engine, syncStatus } from '../../data/sync'
import { fullDate } from '../../domain/calendar'
import { compareFlags, evidenceFacts, SEVERITY_WORDS } from '../../domain/evidence'
import type { Flag } from '../../domain/rows'
import { sourceNames } from '../../domain/sources'
import { localDate } from '../../domain/time'
import { Empty, ErrorText, Loading, Screen, useAction } from '../components/blocks'
import { FOR_MEMBER } from '../counts'
import { useRows, useStore, useZone } from '../hooks'
import './Flags.css'

const SEVERITY_BADGE: Record<Flag['severity'], string> = { critical: 'badge-bad', warning: 'badge-part', info: '' }

export function Flags() {
  const flags = useRows('flags', [FOR_MEMBER])
  if (flags === null) {
    return (
      <Screen title="Flags">
        <Loading />
      </Screen>
    )
  }
  const active = flags.filter((f) => f.resolved_at === null).sort(compareFlags)
  const earlier = flags.filter((f) => f.resolved_at !== null).sort((a, b) => (b.resolved_at ?? 0) - (a.resolved_at ?? 0))
  return (
    <Screen title="Flags">
      <p class="muted">Ossa points out what it notices in your plan and log. It informs; it does not diagnose. Talk with your clinician or pharmacist where a flag suggests it.</p>
      {active.length === 0 ? (
        <Empty>No active flags. Flags appear here after your device syncs with the server.</Empty>
      ) : (
        <ul class="list" aria-label="Active flags">
          {active.map((flag) => (
            <li key={flag.id}>
              <FlagCard flag={flag} />
            </li>
          ))}
        </ul>
      )}
      {earlier.length > 0 && (
        <details class="earlier">
          <summary>Earlier ({earlier.length} resolved)</summary>
          <ul class="list">
            {earlier.map((flag) => (
              <li key={flag.id}>
                <FlagCard flag={flag} />
              </li>
            ))}
          </ul>
        </details>
      )}
    </Screen>
  )
}

async function acknowledge(id: string): Promise<number> {
  if (!navigator.onLine) throw new Error(OFFLINE_MESSAGE)
  const flag = await api<{ acknowledged_at: string | null }>(`/api/v1/flags/${id}/acknowledge`, { method: 'POST' })
  void engine.sync()
  return flag.acknowledged_at ? Date.parse(flag.acknowledged_at) : Date.now()
}

function FlagCard({ flag }: { flag: Flag }) {
  const zone = useZone()
  const online = useStore(syncStatus).online
  // The server's answer shows at once; the synced row replaces it on the next pull.
  const [acknowledgedAt, setAcknowledgedAt] = useState<number | null>(null)
  const [run, busy, error] = useAction(async () => setAcknowledgedAt(await acknowledge(flag.id)))
  const acknowledged = flag.acknowledged_at ?? acknowledgedAt
  const facts = evidenceFacts(flag.evidence)
  const titleId = `flag-${flag.id}`
  return (
    <article class={`card flag flag-${flag.severity}`} aria-labelledby={titleId}>
      <p class="flag-meta">
        <span class={`badge ${SEVERITY_BADGE[flag.severity]}`}>{SEVERITY_WORDS[flag.severity] ?? flag.severity}</span>
        <span class="muted">First seen {fullDate(localDate(flag.first_seen_at, zone))}</span>
      </p>
      <h2 id={titleId}>{flag.title}</h2>
      <p>{flag.explanation}</p>
      {facts.length > 0 && (
        <div class="flag-evidence">
          <h3>What Ossa saw</h3>
          <dl>
            {facts.map((fact, i) => (
              <div key={i}>
                <dt>{fact.label}</dt>
                <dd>{fact.value}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      <p class="flag-source">
        <span class="muted">Source: </span>
        {sourceNames(flag.source).join('; ')}
      </p>
      {flag.resolved_at !== null && <p class="muted">Resolved on {fullDate(localDate(flag.resolved_at, zone))}</p>}
      {acknowledged !== null ? (
        <p class="flag-acknowledged">
          <span aria-hidden="true">✓ </span>Acknowledged on {fullDate(localDate(acknowledged, zone))}
        </p>
      ) : (
        flag.resolved_at === null && (
          <div class="flag-actions">
            <button type="button" onClick={() => void run()} disabled={busy} aria-describedby={online ? undefined : `${titleId}-offline`}>
              {busy ? 'Acknowledging…' : 'Acknowledge'}
              <span class="visually-hidden">: {flag.title}</span>
            </button>
            {!online && (
              <small id={`${titleId}-offline`} class="muted">
                Acknowledging needs a connection.
              </small>
            )}
            <ErrorText error={error} />
          </div>
        )
      )}
    </article>
  )
}
