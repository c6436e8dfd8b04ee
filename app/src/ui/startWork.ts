// What a start does besides showing the first screen (syncing, taking notification taps,
// reporting the phone's zone) waits until that screen has drawn its content and the page is
// next idle, or START_WORK_AFTER_MS at most. Begun at once, or as soon as the local database
// answered, it competed with reading the database and drawing Today for the main thread
// (bench/app.py, cold start at 4x CPU).
import { Store } from '../data/store'

const START_WORK_AFTER_MS = 1500

const drawn = new Store(false)

/** The first screen shows its content (Today calls this once its rows are drawn). */
export function firstScreenDrawn(): void {
  if (!drawn.get()) drawn.set(true)
}

/** Run `work` once the first screen is drawn and the page is idle; returns a cancel. */
export function afterFirstScreen(work: () => void): () => void {
  let cancelIdle: (() => void) | null = null
  let stopWatching = () => {}
  const begin = () => {
    if (cancelIdle) return
    stopWatching()
    clearTimeout(timer)
    cancelIdle = whenIdle(work)
  }
  const timer = setTimeout(begin, START_WORK_AFTER_MS)
  if (drawn.get()) begin()
  else stopWatching = drawn.subscribe((value) => value && begin())
  return () => {
    stopWatching()
    clearTimeout(timer)
    cancelIdle?.()
  }
}

function whenIdle(work: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(work, { timeout: START_WORK_AFTER_MS })
    return () => cancelIdleCallback(handle)
  }
  const timer = setTimeout(work, 0)
  return () => clearTimeout(timer)
}
