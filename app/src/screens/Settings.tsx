import { Screen } from '../ui'

export function Settings() {
  return <Screen title="Settings">{null}</Screen>
}
