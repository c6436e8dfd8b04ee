// Hash routes (#/today, #/plan/new …): the server serves one index.html under /app/ and push
// notifications open a screen by URL (notifications/transports.py sends /app/#/inbox).
import { useEffect, useState } from 'preact/hooks'

export interface Route {
  name: string
  params: string[]
}

export function parseRoute(hash: string): Route {
  const [name = '', ...params] = hash.replace(/^#\/?/, '').split('/').filter(Boolean)
  return { name: name || 'today', params: params.map(decodeURIComponent) }
}

export function navigate(path: string): void {
  location.hash = `#/${path.replace(/^\//, '')}`
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute(location.hash))
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash))
    window.addEventListener('hashchange', changed)
    return () => window.removeEventListener('hashchange', changed)
  }, [])
  return route
}
