import { Screen } from '../ui'

export function Week() {
  return <Screen title="Week">{null}</Screen>
}
