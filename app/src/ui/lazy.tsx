// Screens other than Today load when first opened (a dynamic import, its own chunk), so a
// start parses and runs only what Today needs. The service worker precaches every chunk of
// the build (vite.config.mts), so they open with no connection too.
import type { ComponentType, FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'

import { Loading } from './components/blocks'

type Load<P> = () => Promise<ComponentType<P>>

/** A screen loaded on first use; `Loading…` meanwhile, and words with a reload button when its
 * chunk cannot be fetched (a release replaced it while the app was open). */
export function lazyScreen<P extends object>(load: Load<P>): FunctionComponent<P> {
  let loaded: ComponentType<P> | null = null
  let loading: Promise<ComponentType<P>> | null = null
  const fetchOnce = () => {
    loading ??= load().then(
      (screen) => (loaded = screen),
      (error: unknown) => {
        loading = null // the next visit tries again
        throw error
      },
    )
    return loading
  }

  return function LazyScreen(props: P) {
    // A function given to useState would be called as its initializer: wrap the component.
    const [screen, setScreen] = useState<ComponentType<P> | null>(() => loaded)
    const [arrivesLater] = useState(loaded === null)
    const [failed, setFailed] = useState(false)
    useEffect(() => {
      if (screen) return
      let live = true
      fetchOnce().then(
        (found) => live && setScreen(() => found),
        () => live && setFailed(true),
      )
      return () => {
        live = false
      }
    }, [screen])
    // The shell moves focus to a new screen's heading; one that arrives later takes it then.
    useEffect(() => {
      if (screen && arrivesLater) document.getElementById('screen-title')?.focus({ preventScroll: true })
    }, [screen, arrivesLater])
    if (screen) {
      const Screen = screen
      return <Screen {...props} />
    }
    if (failed) return <LoadFailed />
    return <Loading />
  }
}

function LoadFailed() {
  return (
    <section class="screen" aria-labelledby="screen-title">
      <header class="screen-header">
        <h1 id="screen-title" tabIndex={-1}>
          Not loaded
        </h1>
      </header>
      <p role="alert">This screen could not be loaded. Reload the app to open it.</p>
      <button type="button" onClick={() => location.reload()}>
        Reload
      </button>
    </section>
  )
}
