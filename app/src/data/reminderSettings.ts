// The member's dose reminder settings, saved on the phone (synced): the profile's defaults,
// the refill notice written to every plan that has its settings, and the zone this phone is
// in, which the server times reminders by when the member chose to follow the phone.
import type { Database } from '@nozbe/watermelondb'

import type { DoseReminderValues } from '../domain/profileForm'
import type { Profile } from '../domain/rows'
import { deviceZone } from '../domain/time'
import { db, fetchRows, update } from './db'

export async function saveDoseReminders(profile: Profile, values: DoseReminderValues, database: Database = db(), zone: string = deviceZone()): Promise<Profile> {
  const { refill_days: refillDays, ...own } = values
  const phone = own.reminder_zone === 'phone' ? { phone_timezone: zone } : {}
  const saved = await update('profiles', profile.id, { ...own, ...phone }, database)
  // A plan still waiting for its settings (0, after an upgrade) is left for the server's.
  for (const plan of await fetchRows('regimens', [], database)) {
    if (plan.refill_days > 0 && plan.refill_days !== refillDays) await update('regimens', plan.id, { refill_days: refillDays }, database)
  }
  return saved
}

/** Tell the server this phone's zone when reminders follow it and it changed (travel). */
export async function reportPhoneZone(database: Database = db(), zone: string = deviceZone()): Promise<boolean> {
  const [profile] = await fetchRows('profiles', [], database)
  if (profile?.reminder_zone !== 'phone' || profile.phone_timezone === zone) return false
  await update('profiles', profile.id, { phone_timezone: zone }, database)
  return true
}
