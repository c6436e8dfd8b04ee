import { Screen } from '../ui'

export function Today() {
  return <Screen title="Today">{null}</Screen>
}
