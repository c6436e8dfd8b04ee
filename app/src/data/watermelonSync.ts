// WatermelonDB's sync code, loaded with the first sync rather than with the app: a start
// shows its first screen before anything syncs (ui/startWork.ts), so this stays out of the
// code a start must evaluate first (bench/app.py).
export { synchronize } from '@nozbe/watermelondb/sync'
export { fetchLocalChanges, markLocalChangesAsSynced } from '@nozbe/watermelondb/sync/impl'
