// Signing in, signing up and signing out on this device.
import { deviceZone } from '../domain/time'
import { api } from './api'
import { db } from './db'
import { clearArchive } from './history'
import { forgetSnoozes } from './snoozes'
import { Store } from './store'
import { forgetSyncState, syncStatus } from './sync'
import { clearTokens, OWNER_KEY, readTokens, saveTokens, type Tokens } from './tokens'

export const signedIn = new Store<Tokens | null>(typeof localStorage === 'undefined' ? null : readTokens())

function deviceName(): string {
  const ua = navigator.userAgent
  const kind = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac/.test(ua) ? 'Mac' : /Windows/.test(ua) ? 'Windows' : 'Linux'
  return `Ossa app on ${kind}`
}

interface TokenPair {
  access: string
  refresh: string
  session: string
}

// Whose data the local database holds (OWNER_KEY): signing in as someone else starts from
// empty, while the same person signing in again (after a revoked session) keeps unsent changes.

async function keep(email: string, pair: TokenPair): Promise<void> {
  const owner = localStorage.getItem(OWNER_KEY)
  if (owner && owner !== email) await forgetLocalData()
  localStorage.setItem(OWNER_KEY, email)
  const tokens = { ...pair, email }
  saveTokens(tokens)
  signedIn.set(tokens)
}

export async function signIn(email: string, password: string): Promise<void> {
  const pair = await api<TokenPair>('/api/v1/auth/token', {
    method: 'POST',
    auth: false,
    json: { email, password, device_name: deviceName() },
  })
  await keep(email.trim().toLowerCase(), pair)
}

export async function signUp(email: string, password: string, displayName: string): Promise<void> {
  const pair = await api<TokenPair>('/api/v1/auth/register', {
    method: 'POST',
    auth: false,
    json: { email, password, display_name: displayName, timezone: deviceZone(), device_name: deviceName() },
  })
  await keep(email.trim().toLowerCase(), pair)
}

/** Sign out: end the session on the server when reachable, then clear this device. */
export async function signOut(): Promise<void> {
  const tokens = readTokens()
  if (tokens) {
    try {
      await api('/api/v1/auth/logout', { method: 'POST', json: { refresh: tokens.refresh } })
    } catch {
      // Offline or already revoked: the device forgets the tokens either way.
    }
  }
  await forgetLocalData()
  localStorage.removeItem(OWNER_KEY)
  clearTokens()
  signedIn.set(null)
}

/** The server ended this session (revoked elsewhere or expired): keep the local data, which
 * may hold unsent changes, until the same person signs in again. */
export function sessionEnded(): void {
  signedIn.set(null)
}

async function forgetLocalData(): Promise<void> {
  const database = db()
  await database.write(() => database.unsafeResetDatabase())
  await clearArchive(database)
  localStorage.removeItem('ossa.lastSyncedAt')
  forgetSyncState()
  forgetSnoozes()
  syncStatus.patch({ lastSyncedAt: null, pending: 0, error: null, reload: false, held: [] })
}
