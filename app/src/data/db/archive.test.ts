// The archive's store (archive.ts) on fake-indexeddb: rows kept a month per record, found by
// id and by date range, moved when their date changes, and carried over from version 1.
import 'fake-indexeddb/auto'

import { describe, expect, it } from 'vitest'

import { Archive, type Raw } from './archive'

let archives = 0
const fresh = () => new Archive(`archive-test-${++archives}`)

const DAY = 86_400_000
const JAN_1 = Date.UTC(2024, 0, 1)

function dose(n: number, takenAt: number): Raw {
  return { id: `dose-${n}`, _status: 'synced', _changed: '', taken_at: takenAt, note: '' }
}

describe('the archive', () => {
  it('finds rows by id and by date, a month per IndexedDB record', async () => {
    const archive = fresh()
    const rows = Array.from({ length: 90 }, (_, n) => dose(n, JAN_1 + n * DAY))
    await archive.write('intake_logs', rows)

    expect(await archive.has('intake_logs', ['dose-3', 'dose-89', 'other'])).toEqual(new Set(['dose-3', 'dose-89']))
    expect((await archive.has('intake_logs', null)).size).toBe(90)
    expect(await archive.get('intake_logs', ['dose-40', 'other'])).toEqual([rows[40]])
    const february = await archive.range('intake_logs', Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1) - 1)
    expect(february.map((row) => row.id).sort()).toEqual(rows.slice(31, 60).map((row) => row.id).sort())
    expect(await archive.range('intake_logs', JAN_1 + 10 * DAY, JAN_1 + 10 * DAY)).toEqual([rows[10]])
    expect(await archive.range('intake_logs')).toHaveLength(90)

    const database = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open(archive.name)
      request.onsuccess = () => resolve(request.result)
    })
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const request = database.transaction('intake_logs').objectStore('intake_logs').getAllKeys()
      request.onsuccess = () => resolve(request.result)
    })
    database.close()
    expect(keys).toEqual(['ids', 'm:2024-01', 'm:2024-02', 'm:2024-03', 'version'])
  })

  it('replaces a row by id, also when its date moved it to another month, and removes ids', async () => {
    const archive = fresh()
    await archive.write('intake_logs', [dose(1, JAN_1), dose(2, JAN_1 + DAY)])

    await archive.write('intake_logs', [{ ...dose(1, JAN_1 + 40 * DAY), note: 'moved' }], ['dose-2'])

    expect(await archive.range('intake_logs', JAN_1, JAN_1 + 31 * DAY - 1)).toEqual([])
    expect(await archive.range('intake_logs')).toEqual([{ ...dose(1, JAN_1 + 40 * DAY), note: 'moved' }])
    expect(await archive.has('intake_logs', null)).toEqual(new Set(['dose-1']))
  })

  it('sees what another tab wrote', async () => {
    const here = fresh()
    const there = new Archive(here.name)
    await here.write('nutrient_days', [{ id: 'day-1', _status: 'synced', _changed: '', day: '2024-03-02' }])
    expect(await there.has('nutrient_days', null)).toEqual(new Set(['day-1']))

    await there.write('nutrient_days', [{ id: 'day-2', _status: 'synced', _changed: '', day: '2024-03-03' }])

    expect(await here.has('nutrient_days', null)).toEqual(new Set(['day-1', 'day-2']))
    expect((await here.range('nutrient_days', '2024-03-03', '2024-03-31')).map((row) => row.id)).toEqual(['day-2'])
  })

  it('keeps the rows an archive of version 1 held, a row per record', async () => {
    const name = `archive-test-${++archives}`
    await new Promise<void>((resolve) => {
      const request = indexedDB.open(name, 1)
      request.onupgradeneeded = () => {
        for (const [table, column] of [['intake_logs', 'taken_at'], ['notifications', 'created_at'], ['adherence_weeks', 'week_start'], ['nutrient_days', 'day']]) {
          request.result.createObjectStore(table, { keyPath: 'id' }).createIndex(column, column)
        }
        request.transaction!.objectStore('intake_logs').put(dose(7, JAN_1))
      }
      request.onsuccess = () => {
        request.result.close()
        resolve()
      }
    })

    const archive = new Archive(name)

    expect(await archive.get('intake_logs', ['dose-7'])).toEqual([dose(7, JAN_1)])
    expect(await archive.range('notifications')).toEqual([])
  })
})
