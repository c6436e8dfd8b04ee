// Small pieces the Sharing and Settings screens share: moments in the member's zone, the
// server's paginated lists, the offline notice, and an in-page confirmation.
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

import './AccountParts.css'

const momentFormats = new Map<string, Intl.DateTimeFormat>()
const dayFormats = new Map<string, Intl.DateTimeFormat>()

function cached(cache: Map<string, Intl.DateTimeFormat>, zone: string, options: Intl.DateTimeFormatOptions) {
  let format = cache.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...options })
    cache.set(zone, format)
  }
  return format
}

/** "Thu 27 Nov 2025, 14:05" in the member's zone, from an ISO instant. */
export function moment(iso: string, zone: string): string {
  const options: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }
  return cached(momentFormats, zone, options).format(new Date(iso))
}

/** "27 November 2025" in the member's zone, from an ISO instant. */
export function day(iso: string, zone: string): string {
  return cached(dayFormats, zone, { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(iso))
}

/** DRF's page of a list; some lists come unpaginated, as a plain array. */
export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

export function itemsOf<T>(body: Page<T> | T[]): T[] {
  return Array.isArray(body) ? body : body.results
}

/** The server writes `next` as an absolute URL; the app calls its API by path (same origin,
 * and the host the server saw may be a proxy's). */
export function pathOf(url: string): string {
  const parsed = new URL(url, location.origin)
  return parsed.pathname + parsed.search
}

export function OfflineNote({ children }: { children: ComponentChildren }) {
  return (
    <p class="offline-note" role="status">
      <strong>You are offline.</strong> {children}
    </p>
  )
}

interface ConfirmProps {
  question: ComponentChildren
  confirmLabel: string
  cancelLabel: string
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
}

/** Asks in the page before a destructive action. The question takes focus, so it is read
 * out, and a stray Enter confirms nothing. */
export function Confirm({ question, confirmLabel, cancelLabel, busy, onConfirm, onCancel }: ConfirmProps) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => box.current?.focus(), [])
  return (
    <div ref={box} class="confirm" role="group" aria-label="Please confirm" tabIndex={-1}>
      <p>{question}</p>
      <div class="actions">
        <button type="button" class="button-danger" disabled={busy} onClick={onConfirm}>
          {busy ? 'Please wait…' : confirmLabel}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          {cancelLabel}
        </button>
      </div>
    </div>
  )
}
