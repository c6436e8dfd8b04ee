import { Screen } from '../ui'

export function Plan(_props: { params: string[] }) {
  return <Screen title="Plan">{null}</Screen>
}
