// The first IndexedDB open of a page waits for the browser to open the origin's storage:
// 100–270 ms at 4× CPU throttling (bench/app.py). WatermelonDB asks only once the app's
// modules have been fetched and run; this classic script in the page's head asks while the
// page is still being parsed, so the wait overlaps theirs. It opens the availability check
// WatermelonDB opens first, never the app's own store: opening a store that does not exist
// yet would create it without its tables.
try {
  const request = indexedDB.open('WatermelonIDBChecker')
  request.onsuccess = () => request.result.close()
} catch {
  // No IndexedDB here (private mode, old browser): WatermelonDB's own check finds that out.
}
