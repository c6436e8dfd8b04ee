// The app shell: sign-in gate, first-run flow, the sync indicator and the navigation.
import { useEffect } from 'preact/hooks'

import { onSignedOut } from '../data/api'
import { saveWhenHidden } from '../data/db'
import { startTakingTaps } from '../data/notificationTaps'
import { reportPhoneZone } from '../data/reminderSettings'
import { sessionEnded, signedIn } from '../data/session'
import { engine, syncStatus } from '../data/sync'
import { Loading } from './components/blocks'
import { SyncIndicator } from './components/SyncIndicator'
import { useActiveFlagCount, useUnreadCount } from './counts'
import { needsOnboarding } from './firstRun'
import { useProfile, useStore } from './hooks'
import { lazyScreen } from './lazy'
import { navigate, useRoute, type Route } from './router'
import { afterFirstScreen } from './startWork'
import { SignIn } from './screens/SignIn'
import { Today } from './screens/Today'
import './App.css'

// Today (and signing in) is what a start shows; every other screen loads when first opened.
const Week = lazyScreen(() => import('./screens/Week').then((m) => m.Week))
const Trends = lazyScreen(() => import('./screens/Trends').then((m) => m.Trends))
const Flags = lazyScreen(() => import('./screens/Flags').then((m) => m.Flags))
const Nutrients = lazyScreen(() => import('./screens/Nutrients').then((m) => m.Nutrients))
const Plan = lazyScreen(() => import('./screens/Plan').then((m) => m.Plan))
const Inbox = lazyScreen(() => import('./screens/Inbox').then((m) => m.Inbox))
const Sharing = lazyScreen(() => import('./screens/Sharing').then((m) => m.Sharing))
const Settings = lazyScreen(() => import('./screens/Settings').then((m) => m.Settings))
const Onboarding = lazyScreen(() => import('./screens/Onboarding').then((m) => m.Onboarding))
const Held = lazyScreen(() => import('./screens/Held').then((m) => m.Held))

const NAV: [string, string][] = [
  ['today', 'Today'],
  ['week', 'Week'],
  ['trends', 'Trends'],
  ['flags', 'Flags'],
  ['more', 'More'],
]

const MORE: [string, string][] = [
  ['nutrients', 'Nutrients'],
  ['plan', 'Plan'],
  ['inbox', 'Inbox'],
  ['sharing', 'Sharing'],
  ['settings', 'Settings'],
]

/** A count in words beside a link's name, so it is not a coloured dot alone. */
function Count({ n, words }: { n: number; words: string }) {
  if (n === 0) return null
  return (
    <span class="count">
      {' '}
      {n}
      <span class="visually-hidden"> {words}</span>
    </span>
  )
}

function More() {
  const unread = useUnreadCount()
  return (
    <section class="screen" aria-labelledby="screen-title">
      <header class="screen-header">
        <h1 id="screen-title" tabIndex={-1}>
          More
        </h1>
      </header>
      <ul class="menu">
        {MORE.map(([path, label]) => (
          <li key={path}>
            <a href={`#/${path}`}>
              {label}
              {path === 'inbox' && <Count n={unread} words="unread" />}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}

function screenFor(route: Route) {
  switch (route.name) {
    case 'week':
      return <Week />
    case 'trends':
      return <Trends />
    case 'flags':
      return <Flags />
    case 'nutrients':
      return <Nutrients />
    case 'plan':
      return <Plan params={route.params} />
    case 'inbox':
      return <Inbox />
    case 'sharing':
      return <Sharing />
    case 'settings':
      return <Settings />
    case 'more':
      return <More />
    case 'welcome':
      return <Onboarding />
    case 'held':
      return <Held />
    default:
      return <Today />
  }
}

function startNow(work: () => void): () => void {
  work()
  return () => undefined
}

function SignedInApp() {
  const route = useRoute()
  const profile = useProfile()

  useEffect(() => {
    const stopSaving = saveWhenHidden()
    const stop = onSignedOut(sessionEnded)
    return () => {
      stopSaving()
      stop()
    }
  }, [])

  useEffect(() => {
    // Reminders that follow the phone need to know where it is now (after a flight).
    const where = () => {
      if (document.visibilityState === 'visible') void reportPhoneZone().catch(() => undefined)
    }
    let stopStarted = () => {}
    // A device that never synced has nothing local to draw first: its first sync starts at once.
    const begin = syncStatus.get().lastSyncedAt ? afterFirstScreen : startNow
    const cancel = begin(() => {
      engine.start()
      const stopTaps = startTakingTaps()
      where()
      document.addEventListener('visibilitychange', where)
      stopStarted = () => {
        document.removeEventListener('visibilitychange', where)
        engine.stop()
        stopTaps()
      }
    })
    return () => {
      cancel()
      stopStarted()
    }
  }, [])

  // Move focus to the new screen's heading, so keyboard and screen-reader users follow.
  useEffect(() => {
    document.getElementById('screen-title')?.focus({ preventScroll: true })
  }, [route.name])

  useEffect(() => {
    if (profile && needsOnboarding(profile) && route.name !== 'welcome') navigate('welcome')
  }, [profile, route.name])

  const active = MORE.some(([path]) => path === route.name) ? 'more' : route.name
  const counts: Record<string, [number, string]> = {
    flags: [useActiveFlagCount(), 'active'],
    more: [useUnreadCount(), 'unread'],
  }
  return (
    <div class="shell">
      <SyncIndicator engine={engine} />
      <main id="main">{profile === undefined ? <Loading /> : screenFor(route)}</main>
      {route.name !== 'welcome' && (
        <nav class="tabs" aria-label="Main">
          {NAV.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={active === path ? 'page' : undefined}>
              {label}
              {counts[path] && <Count n={counts[path][0]} words={counts[path][1]} />}
            </a>
          ))}
        </nav>
      )}
    </div>
  )
}

export function App() {
  const tokens = useStore(signedIn)
  return tokens ? <SignedInApp key={tokens.email} /> : <SignIn />
}
