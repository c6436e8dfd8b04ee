import { describe, expect, it } from 'vitest'

import type { Held } from '../data/held'
import type { Product } from '../domain/rows'
import { instantOf } from '../domain/time'
import { describeHeld } from './heldWords'

const ZONE = 'Europe/Amsterdam'
const CALCIUM = { id: 'p-1', name: 'Calcium citrate', brand: '' } as Product
const context = { products: new Map([[CALCIUM.id, CALCIUM]]), zone: ZONE, today: '2025-12-05' }

function held(table: string, kind: Held['kind'] = 'created', detail = 'note must not contain NUL characters.'): Held {
  return { table, id: 'r-1', kind, fingerprint: 'f', heldAt: 0, reasons: [{ column: 'note', code: 'invalid', detail }] }
}

describe('describeHeld', () => {
  it('names a dose by its product and local time, with the server’s reason', () => {
    const row = { product_id: CALCIUM.id, taken_at: instantOf('2025-12-03', '08:00', ZONE) }

    expect(describeHeld(held('intake_logs'), row, context)).toEqual({
      what: 'Dose of Calcium citrate on 3 Dec at 08:00',
      change: 'Added on this phone',
      reasons: ['note must not contain NUL characters.'],
      edit: null, // not today: Today is where doses are edited
    })
  })

  it('sends a dose of today to Today, a plan to its form and the profile to Settings', () => {
    const today = { product_id: CALCIUM.id, taken_at: instantOf('2025-12-05', '08:00', ZONE) }
    expect(describeHeld(held('intake_logs'), today, context).edit).toEqual({ route: 'today', label: 'Edit on Today' })

    const plan = describeHeld(held('regimens', 'updated'), { product_id: CALCIUM.id }, context)
    expect(plan).toMatchObject({ what: 'Your plan for Calcium citrate', change: 'Changed on this phone', edit: { route: 'plan/r-1', label: 'Edit the plan' } })

    expect(describeHeld(held('profiles', 'updated'), { id: 'r-1' }, context)).toMatchObject({ what: 'Your profile', edit: { route: 'settings', label: 'Edit in Settings' } })
  })

  it('offers no editor for a removed record or a computed one', () => {
    const removed = describeHeld(held('regimens', 'deleted'), { product_id: CALCIUM.id }, context)
    expect(removed).toMatchObject({ change: 'Removed on this phone', edit: null })

    const flag = describeHeld({ ...held('flags', 'updated'), reasons: [{ column: null, code: 'read_only', detail: '' }] }, { title: 'A lot of calcium' }, context)
    expect(flag).toMatchObject({ what: 'Flag “A lot of calcium”', edit: null, reasons: ['Ossa’s server works this out itself, so it cannot be changed on a phone.'] })
  })

  it('asks for a confirmation the server wants in the plan form, not as an API field', () => {
    const detail =
      'This is a once-a-week dose; your plan takes it every day. The label of Alendronate 70 mg (weekly) says it is taken once a week. To save the plan as it is, confirm it (confirmed_findings: ["labelled_frequency"]).'
    const refused = { ...held('regimens', 'updated'), reasons: [{ column: 'confirmed_findings', code: 'confirmation_required', detail }] }
    expect(describeHeld(refused, { product_id: CALCIUM.id }, context).reasons).toEqual([
      'This is a once-a-week dose; your plan takes it every day. The label of Alendronate 70 mg (weekly) says it is taken once a week. Open the plan and save it again: Ossa asks you to confirm it first.',
    ])
  })

  it('still says what it is when the record or its product is not on the phone', () => {
    expect(describeHeld(held('intake_logs'), null, context).what).toBe('A dose')
    expect(describeHeld(held('regimens'), { product_id: 'gone' }, context).what).toBe('One of your plans')
    expect(describeHeld(held('intake_logs'), { product_id: 'gone', taken_at: instantOf('2025-12-03', '21:30', ZONE) }, context).what).toBe('A dose on 3 Dec at 21:30')
  })
})
