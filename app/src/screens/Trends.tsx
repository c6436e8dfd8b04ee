import { Screen } from '../ui'

export function Trends() {
  return <Screen title="Trends">{null}</Screen>
}
