import { afterEach, describe, expect, it, vi } from 'vitest'

describe('the work a start does besides the first screen', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.resetModules()
  })

  async function fresh() {
    vi.useFakeTimers()
    return import('./startWork')
  }

  it('waits for the first screen to be drawn, then runs once', async () => {
    const { afterFirstScreen, firstScreenDrawn } = await fresh()
    const work = vi.fn()
    afterFirstScreen(work)
    vi.advanceTimersByTime(500)
    expect(work).not.toHaveBeenCalled()

    firstScreenDrawn()
    vi.advanceTimersByTime(1)
    firstScreenDrawn()
    vi.advanceTimersByTime(5000)
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('runs anyway when no first screen says it is drawn (another route opened first)', async () => {
    const { afterFirstScreen } = await fresh()
    const work = vi.fn()
    afterFirstScreen(work)
    vi.advanceTimersByTime(1499)
    expect(work).not.toHaveBeenCalled()
    vi.advanceTimersByTime(2)
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('starts at once on a later sign-in, the screen being drawn already', async () => {
    const { afterFirstScreen, firstScreenDrawn } = await fresh()
    firstScreenDrawn()
    const work = vi.fn()
    afterFirstScreen(work)
    vi.advanceTimersByTime(1)
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('does nothing once cancelled (signed out before it began)', async () => {
    const { afterFirstScreen, firstScreenDrawn } = await fresh()
    const work = vi.fn()
    const cancel = afterFirstScreen(work)
    cancel()
    firstScreenDrawn()
    vi.advanceTimersByTime(5000)
    expect(work).not.toHaveBeenCalled()
  })
})
