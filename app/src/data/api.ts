// The server's REST API: JSON in and out, the access token attached and renewed once on a
// 401 with the refresh token. Every failure becomes an ApiError carrying words a person can
// read, taken from the server's one error shape ({"type", "errors": [{code, detail, attr}]}).
import { clearTokens, readTokens, saveTokens } from './tokens'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = '',
    readonly fields: Record<string, string> = {},
    readonly errors: ServerError[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** No answer at all: offline, or the server is unreachable. */
  get offline(): boolean {
    return this.status === 0
  }
}

export interface ServerError {
  code?: string
  detail?: string
  attr?: string | null
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: { errors?: ServerError[] } | null = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  const errors = body?.errors ?? []
  const fields: Record<string, string> = {}
  for (const e of errors) if (e.attr && e.detail) fields[e.attr] ??= e.detail
  const first = errors[0]
  const message = first?.detail
    ? first.attr && first.attr !== 'non_field_errors'
      ? `${first.attr.replace(/_/g, ' ')}: ${first.detail}`
      : first.detail
    : `The server answered ${response.status} ${response.statusText}.`.trim()
  return new ApiError(response.status, message, first?.code ?? '', fields, errors)
}

export const RENEW_LATER_MESSAGE = 'Your sign-in could not be renewed just now. Nothing is lost; try again in a minute.'

export const OFFLINE_MESSAGE = 'You are offline. This needs a connection; try again when you are back online.'

export interface RequestOptions {
  method?: string
  json?: unknown
  // A body already encoded (a gzipped push); its Content-Type comes in `headers`.
  body?: BodyInit
  auth?: boolean
  headers?: Record<string, string>
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  if (token) headers.Authorization = `Bearer ${token}`
  if (options.json !== undefined) headers['Content-Type'] = 'application/json'
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.json === undefined ? options.body : JSON.stringify(options.json),
    })
  } catch {
    throw new ApiError(0, OFFLINE_MESSAGE, 'offline')
  }
}

type Renewal = 'renewed' | 'ended' | 'later'

let refreshing: Promise<Renewal> | null = null

/** Rotate the refresh token once, however many requests (and tabs) found the access token
 * expired. Each refresh token works once (the server ends the session when one is reused),
 * so tabs take turns through a Web Lock and a tab whose turn comes after another tab's
 * renewal uses the new tokens instead of refreshing again. */
function refreshTokens(): Promise<Renewal> {
  const stale = readTokens()?.refresh
  refreshing ??= withRefreshLock(() => renew(stale)).finally(() => {
    refreshing = null
  })
  return refreshing
}

function withRefreshLock(work: () => Promise<Renewal>): Promise<Renewal> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request('ossa-refresh', work)
  }
  return work()
}

async function renew(stale: string | undefined): Promise<Renewal> {
  const tokens = readTokens()
  if (!tokens) return 'ended'
  if (tokens.refresh !== stale) return 'renewed' // another tab renewed meanwhile
  let response: Response
  try {
    response = await send('/api/v1/auth/token/refresh', { method: 'POST', json: { refresh: tokens.refresh } }, null)
  } catch {
    return 'later' // offline: keep the tokens and try again on the next call
  }
  if (response.status === 401) {
    clearTokens()
    return 'ended'
  }
  if (!response.ok) return 'later' // throttled (429) or a server problem: not signed out
  const data = await response.json()
  saveTokens({ ...tokens, access: data.access, refresh: data.refresh ?? tokens.refresh })
  return 'renewed'
}

/** The raw response of an authenticated call (for downloads); throws ApiError when not ok. */
export async function fetchResponse(path: string, options: RequestOptions = {}): Promise<Response> {
  const auth = options.auth ?? true
  let response = await send(path, options, auth ? (readTokens()?.access ?? null) : null)
  if (auth && response.status === 401) {
    const renewal = await refreshTokens()
    if (renewal === 'renewed') response = await send(path, options, readTokens()?.access ?? null)
    else if (renewal === 'later') throw new ApiError(503, RENEW_LATER_MESSAGE, 'renew_later')
  }
  if (auth && response.status === 401) signedOut()
  if (!response.ok) throw await errorFrom(response)
  return response
}

export async function api<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await fetchResponse(path, options)
  if (response.status === 204) return undefined as T
  const text = await response.text()
  return (text ? JSON.parse(text) : undefined) as T
}

const signedOutListeners = new Set<() => void>()

/** Called when the server no longer accepts this device's session (revoked or expired). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener)
  return () => signedOutListeners.delete(listener)
}

function signedOut(): void {
  for (const listener of signedOutListeners) listener()
}

/** Words for any thrown value, for showing on screen. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}
