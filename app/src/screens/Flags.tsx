import { Screen } from '../ui'

export function Flags() {
  return <Screen title="Flags">{null}</Screen>
}
