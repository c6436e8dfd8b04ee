// The counts the navigation shows beside a link's name, apart from their screens so the shell
// can show them without loading those screens.
import { Q } from '../data/db'
import { useRows } from './hooks'

// Flags meant only for a member's dietitian travel in the same table; members do not see them.
export const FOR_MEMBER = Q.where('audience', Q.notEq('dietitian'))

/** How many flags are active for the member. */
export function useActiveFlagCount(): number {
  const rows = useRows('flags', [FOR_MEMBER, Q.where('resolved_at', null)])
  return rows?.length ?? 0
}

/** How many inbox messages are unread. */
export function useUnreadCount(): number {
  const rows = useRows('notifications', [Q.where('read_at', null)])
  return rows?.length ?? 0
}
