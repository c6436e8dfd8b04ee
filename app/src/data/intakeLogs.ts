// Logging the doses of a plan: each writes to the local database (works offline) and the
// sync engine sends it later. Which dose a log belongs to is domain/doses.ts.
import type { Database } from '@nozbe/watermelondb'

import { takenAtFor, type Dose } from '../domain/doses'
import type { IntakeLog, Regimen } from '../domain/rows'
import { create, db, remove } from './db'

/** Record a dose of a plan (its product and servings per dose) at an instant. */
export function logDose(
  regimen: Regimen,
  status: IntakeLog['status'],
  takenAt: number,
  database: Database = db(),
): Promise<IntakeLog> {
  return create(
    'intake_logs',
    {
      regimen_id: regimen.id,
      product_id: regimen.product_id,
      servings: regimen.servings_per_dose,
      taken_at: takenAt,
      status,
      note: '',
      source: 'app',
    },
    database,
  )
}

/** Taken now. */
export function takeDose(dose: Dose, now: number = Date.now(), database?: Database): Promise<IntakeLog> {
  return logDose(dose.regimen, 'taken', now, database)
}

/** Skipped: logged at the dose's own time, so it is matched to this dose and no other. */
export function skipDose(dose: Dose, database?: Database): Promise<IntakeLog> {
  return logDose(dose.regimen, 'skipped', dose.occurrence.dueAt, database)
}

/** Taken at another time of the dose's day. Throws an Error in words for a bad time. */
export async function takeDoseAt(dose: Dose, time: string, zone: string, now: number = Date.now(), database?: Database): Promise<IntakeLog> {
  const result = takenAtFor(dose.occurrence.date, time, zone, now)
  if ('error' in result) throw new Error(result.error)
  return logDose(dose.regimen, 'taken', result.at, database)
}

/** Remove a log (the deletion travels with the next sync). */
export function undoLog(log: IntakeLog, database?: Database): Promise<void> {
  return remove('intake_logs', log.id, database)
}
