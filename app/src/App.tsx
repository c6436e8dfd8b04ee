// The app shell: sign-in gate, first-run flow, the sync indicator and the navigation.
import { useEffect } from 'preact/hooks'

import { onSignedOut } from './api'
import { useProfile, useStore } from './hooks'
import { navigate, useRoute, type Route } from './router'
import { Flags } from './screens/Flags'
import { Inbox } from './screens/Inbox'
import { Onboarding, needsOnboarding } from './screens/Onboarding'
import { Plan } from './screens/Plan'
import { Settings } from './screens/Settings'
import { Sharing } from './screens/Sharing'
import { SignIn } from './screens/SignIn'
import { Today } from './screens/Today'
import { Trends } from './screens/Trends'
import { Week } from './screens/Week'
import { sessionEnded, signedIn } from './session'
import { engine } from './sync'
import { SyncIndicator } from './SyncIndicator'
import { Loading } from './ui'

const NAV: [string, string][] = [
  ['today', 'Today'],
  ['week', 'Week'],
  ['trends', 'Trends'],
  ['flags', 'Flags'],
  ['more', 'More'],
]

const MORE: [string, string][] = [
  ['plan', 'Plan'],
  ['inbox', 'Inbox'],
  ['sharing', 'Sharing'],
  ['settings', 'Settings'],
]

function More() {
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
            <a href={`#/${path}`}>{label}</a>
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
    default:
      return <Today />
  }
}

function SignedInApp() {
  const route = useRoute()
  const profile = useProfile()

  useEffect(() => {
    engine.start()
    const stop = onSignedOut(sessionEnded)
    return () => {
      engine.stop()
      stop()
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
  return (
    <div class="shell">
      <SyncIndicator engine={engine} />
      <main id="main">{profile === undefined ? <Loading /> : screenFor(route)}</main>
      {route.name !== 'welcome' && (
        <nav class="tabs" aria-label="Main">
          {NAV.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={active === path ? 'page' : undefined}>
              {label}
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
