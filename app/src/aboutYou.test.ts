import { describe, expect, it } from 'vitest'

import { aboutDraftOf, checkAbout, zoneChoices, type AboutDraft } from './aboutYou'
import type { Profile } from './db/rows'

const TODAY = '2025-03-05'
const ZONES = zoneChoices('Europe/Amsterdam')

const profile: Profile = {
  id: 'me',
  date_of_birth: null,
  sex: '',
  menopause_status: 'unknown',
  final_period_date: null,
  pregnant: false,
  lactating: false,
  weight_kg: null,
  timezone: 'UTC',
  units: 'metric',
  reminder_weekday: 7,
  reminder_time: '18:00',
  remind_in_app: true,
  remind_by_push: true,
  remind_by_email: true,
  quiet_hours_start: null,
  quiet_hours_end: null,
  updated_at: 0,
}

function draft(values: Partial<AboutDraft>): AboutDraft {
  return { ...aboutDraftOf(profile, 'Europe/Amsterdam'), date_of_birth: '1962-06-01', ...values }
}

function errorsOf(values: Partial<AboutDraft>) {
  const result = checkAbout(draft(values), TODAY, ZONES)
  return result.ok ? {} : result.errors
}

describe('checkAbout', () => {
  it('pre-fills the device zone and the saved reminder', () => {
    expect(aboutDraftOf(profile, 'Europe/Amsterdam')).toMatchObject({ timezone: 'Europe/Amsterdam', reminder_weekday: '7', reminder_time: '18:00' })
    expect(ZONES).toContain('Europe/Amsterdam')
    expect(ZONES).toContain('UTC')
  })

  it('gives a woman after menopause her final period date', () => {
    const result = checkAbout(draft({ sex: 'female', menopause_status: 'post', final_period_date: '2014-09-01', pregnant: true }), TODAY, ZONES)
    expect(result).toEqual({
      ok: true,
      values: {
        date_of_birth: '1962-06-01',
        sex: 'female',
        menopause_status: 'post',
        final_period_date: '2014-09-01',
        pregnant: false,
        lactating: false,
        timezone: 'Europe/Amsterdam',
        reminder_weekday: 7,
        reminder_time: '18:00',
      },
    })
  })

  it('drops the menopause and pregnancy answers for a man', () => {
    const result = checkAbout(draft({ sex: 'male', menopause_status: 'post', final_period_date: '2014-09-01', pregnant: true }), TODAY, ZONES)
    expect(result.ok && result.values).toMatchObject({ menopause_status: 'unknown', final_period_date: null, pregnant: false, lactating: false })
  })

  it('needs a real date of birth in the past', () => {
    expect(errorsOf({ date_of_birth: '' }).date_of_birth).toBe('Give your date of birth, like 1960-04-21.')
    expect(errorsOf({ date_of_birth: '2025-03-06' }).date_of_birth).toBe('Your date of birth cannot be in the future.')
    expect(errorsOf({ date_of_birth: '1900-01-01' }).date_of_birth).toBe('Enter a real date of birth.')
    expect(errorsOf({ date_of_birth: '2025-03-05' }).date_of_birth).toBeUndefined()
  })

  it('keeps the final period between birth and today', () => {
    const post = { sex: 'female', menopause_status: 'post' }
    expect(errorsOf({ ...post, final_period_date: '2026-01-01' }).final_period_date).toBe(
      'The date of your final period cannot be in the future.',
    )
    expect(errorsOf({ ...post, final_period_date: '1950-01-01' }).final_period_date).toBe(
      'The date of your final period must be after your date of birth.',
    )
    expect(errorsOf({ ...post, final_period_date: '' }).final_period_date).toBeUndefined()
  })

  it('needs a known zone and a reminder time', () => {
    expect(errorsOf({ timezone: 'Mars/Olympus' }).timezone).toBe('Choose your time zone from the list.')
    expect(errorsOf({ reminder_time: '7pm' }).reminder_time).toBe('Give a time like 18:00.')
    expect(errorsOf({ reminder_weekday: '0' }).reminder_weekday).toBe('Choose a day.')
  })
})
