import { Screen } from '../ui'

export function Inbox() {
  return <Screen title="Inbox">{null}</Screen>
}
