import type { Profile } from '../db/rows'
import { Screen } from '../ui'

export function needsOnboarding(profile: Profile): boolean {
  return profile.date_of_birth === null
}

export function Onboarding() {
  return <Screen title="Welcome">{null}</Screen>
}
