// Whether the first-run flow (#/welcome, screens/Onboarding.tsx) is due. Apart from the screen,
// so the shell can decide at start without loading the flow itself.
import type { Profile } from '../domain/rows'

const flagKey = (profileId: string) => `ossa.onboarded.${profileId}`

/** Whether to show the first-run flow: not once this device finished or skipped it, nor
 * when the profile already has a date of birth (set up on another device). */
export function needsOnboarding(profile: Profile): boolean {
  if (profile.date_of_birth !== null) return false
  try {
    return localStorage.getItem(flagKey(profile.id)) === null
  } catch {
    return false // no storage (private mode): never trap the member in the flow
  }
}

/** The flow is done (finished or skipped) on this device. */
export function markOnboarded(profile: Profile): void {
  try {
    localStorage.setItem(flagKey(profile.id), String(Date.now()))
  } catch {
    // Without storage the flow may come back next time; the data saved so far stays.
  }
}
