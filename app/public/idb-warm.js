// The first IndexedDB open of a page waits for the browser to open the origin's storage:
// 100–270 ms at 4× CPU throttling (bench/app.py). The app opens its store only once its
// modules have been fetched and run; this classic script in the page's head asks while the
// page is still being parsed, so the wait overlaps theirs. It opens a database of its own
// (the one WatermelonDB's availability check uses), never the app's store: opening a store
// that does not exist yet would create it without its tables.
try {
  const request = indexedDB.open('WatermelonIDBChecker')
  request.onsuccess = () => request.result.close()
} catch {
  // No IndexedDB here (an old browser): the app's own open finds that out.
}
