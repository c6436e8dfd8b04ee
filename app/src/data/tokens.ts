// This device's sign-in: the JWT pair and the session id, kept in localStorage so the app
// opens signed in, offline too.
export interface Tokens {
  access: string
  refresh: string
  session: string
  email: string
}

const KEY = 'ossa.tokens'
// Whose data the local database holds (session.ts), kept across a revoked session.
export const OWNER_KEY = 'ossa.owner'

export function readTokens(): Tokens | null {
  try {
    const text = localStorage.getItem(KEY)
    return text ? (JSON.parse(text) as Tokens) : null
  } catch {
    return null
  }
}

export function saveTokens(tokens: Tokens): void {
  localStorage.setItem(KEY, JSON.stringify(tokens))
}

export function clearTokens(): void {
  localStorage.removeItem(KEY)
}
