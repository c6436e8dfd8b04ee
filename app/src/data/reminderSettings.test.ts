import { fetchLocalChanges, markLocalChangesAsSynced } from '@nozbe/watermelondb/sync/impl'
import logger from '@nozbe/watermelondb/utils/common/logger'
import { describe, expect, it } from 'vitest'

import { create, createDatabase, fetchRows } from './db'
import type { Changes } from './pushChunks'
import { reportPhoneZone, saveDoseReminders } from './reminderSettings'

logger.silence()

let names = 0
const PLAN = { product_id: 'p', servings_per_dose: 1, schedule_kind: 'daily' as const, times: '["08:00"]', weekdays: '[]', start_date: '2026-11-01', note: '', confirmed_findings: '[]' }

async function phone() {
  const database = createDatabase({ name: `settings-${++names}`, persistent: false })
  const profile = await create('profiles', { timezone: 'Europe/Amsterdam', reminder_zone: 'home', follow_up_minutes: 30 }, database)
  await create('regimens', { ...PLAN, remind: true, refill_days: 7 }, database, 'a')
  await create('regimens', { ...PLAN, remind: true, refill_days: 10 }, database, 'b')
  // Upgraded from schema 3 and not pulled since: its settings are the server's to send.
  await create('regimens', { ...PLAN, remind: false, refill_days: 0 }, database, 'c')
  await markLocalChangesAsSynced(database, await fetchLocalChanges(database))
  return { database, profile }
}

describe('saveDoseReminders', () => {
  it('saves the defaults on the profile and the refill notice on each plan that has its settings', async () => {
    const { database, profile } = await phone()

    await saveDoseReminders(profile, { follow_up_minutes: 45, dose_reminders_by_email: true, reminder_zone: 'phone', refill_days: 10 }, database, 'Asia/Tokyo')

    const [saved] = await fetchRows('profiles', [], database)
    expect(saved).toMatchObject({ follow_up_minutes: 45, dose_reminders_by_email: true, reminder_zone: 'phone', phone_timezone: 'Asia/Tokyo' })
    const plans = Object.fromEntries((await fetchRows('regimens', [], database)).map((p) => [p.id, p.refill_days]))
    expect(plans).toEqual({ a: 10, b: 10, c: 0 })
    const { changes } = await fetchLocalChanges(database)
    expect((changes as Changes).regimens.updated.map((r) => r.id)).toEqual(['a'])
  })
})

describe('reportPhoneZone', () => {
  it('tells the server the phone’s zone only when reminders follow the phone and it moved', async () => {
    const { database, profile } = await phone()
    expect(await reportPhoneZone(database, 'Asia/Tokyo')).toBe(false)

    await saveDoseReminders(profile, { follow_up_minutes: 30, dose_reminders_by_email: false, reminder_zone: 'phone', refill_days: 7 }, database, 'Europe/Amsterdam')
    expect(await reportPhoneZone(database, 'Europe/Amsterdam')).toBe(false)
    expect(await reportPhoneZone(database, 'America/New_York')).toBe(true)

    expect((await fetchRows('profiles', [], database))[0].phone_timezone).toBe('America/New_York')
  })
})
