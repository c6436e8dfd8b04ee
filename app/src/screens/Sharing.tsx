import { Screen } from '../ui'

export function Sharing() {
  return <Screen title="Sharing">{null}</Screen>
}
