// Ossa's service worker. The build (vite.config.mts) fills in the app shell's files and a
// hash of them, so each release gets a new cache and the old one is removed once the new
// worker takes over.
const VERSION = __OSSA_VERSION__
const SHELL = __OSSA_SHELL__
const CACHE = `ossa-shell-${VERSION}`
const INDEX = '/app/'

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('ossa-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

// The shell comes from the cache (it starts offline); the API always goes to the network,
// since the app keeps its data in IndexedDB and syncs it itself.
self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/app/')) return
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() => caches.match(INDEX, { cacheName: CACHE })))
    return
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)))
})

// A dose reminder's Taken, Skip and Snooze (notifications/transports.py push_payload) are
// kept here, in IndexedDB, until the app takes them (data/notificationTaps.ts, which reads
// the same database): it logs the dose under the reminder's dose_id, so a second tap, or a
// tap on another phone, logs no second dose, and its sync sends it when online. The first
// Taken or Skip of a dose stays; a later Snooze replaces an earlier one.
const TAPS_DB = 'ossa-notification-taps'
const TAPS = 'taps'
const DOSE_ACTIONS = ['taken', 'skip', 'snooze']

function openTaps() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(TAPS_DB, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(TAPS, { keyPath: 'key' })
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

function tapKey(action, dose) {
  return action === 'snooze' ? `snooze:${dose.reminder}` : `log:${dose.dose_id}`
}

/** In one transaction: `work(store)`, then the transaction's end. */
async function withTaps(mode, work) {
  const db = await openTaps()
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(TAPS, mode)
      let result
      Promise.resolve(work(tx.objectStore(TAPS))).then((value) => (result = value), reject)
      tx.oncomplete = () => resolve(result)
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error)
    })
  } finally {
    db.close()
  }
}

function keepTap(action, dose) {
  const tap = { key: tapKey(action, dose), action, dose, at: Date.now() }
  return withTaps('readwrite', (store) => {
    if (action === 'snooze') return void store.put(tap)
    const found = store.get(tap.key)
    found.onsuccess = () => {
      if (!found.result) store.put(tap)
    }
  })
}

function loggedHere(dose) {
  return withTaps(
    'readonly',
    (store) =>
      new Promise((resolve) => {
        const found = store.get(tapKey('taken', dose))
        found.onsuccess = () => resolve(!!found.result)
        found.onerror = () => resolve(false)
      }),
  ).catch(() => false)
}

/** Tell the open app windows that taps wait for them. */
async function tellTheApp() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
  for (const w of windows) w.postMessage({ type: 'ossa-notification-taps' })
}

// Chromium shows two actions at most (Notification.maxActions): then Taken and Snooze, since
// Skip is one tap away on Today.
const BY_USE = ['taken', 'snooze', 'skip']

function doseActions(actions) {
  const most = (self.Notification && self.Notification.maxActions) || actions.length
  const known = actions.filter((a) => DOSE_ACTIONS.includes(a.action))
  if (known.length <= most) return known
  return BY_USE.map((name) => known.find((a) => a.action === name)).filter(Boolean).slice(0, most)
}

async function showPush(payload) {
  const dose = payload.dose && payload.dose.dose_id ? payload.dose : null
  const options = {
    body: payload.body || '',
    icon: '/app/icons/icon-192.png',
    badge: '/app/icons/icon-192.png',
    tag: dose ? `dose-${dose.dose_id}` : payload.tag || payload.kind || 'ossa',
    data: { url: payload.url || '/app/#/inbox', dose, id: payload.id },
  }
  if (dose) {
    // A snoozed reminder coming again, or its follow-up, replaces the earlier notification
    // and alerts again. The same message twice (a sender that stopped after sending it and
    // before recording it sends it again) replaces it without a second alert.
    const shown = await self.registration.getNotifications({ tag: options.tag })
    options.renotify = !shown.some((n) => n.data && payload.id && n.data.id === payload.id)
    if (await loggedHere(dose)) {
      options.body = 'You marked this dose on this phone. It reaches Ossa when you open the app.'
    } else if (Array.isArray(payload.actions)) {
      options.actions = doseActions(payload.actions)
    }
  }
  return self.registration.showNotification(payload.title || 'Ossa', options)
}

self.addEventListener('push', (event) => {
  let payload = {}
  try {
    payload = event.data ? event.data.json() : {}
  } catch {
    payload = { body: event.data ? event.data.text() : '' }
  }
  event.waitUntil(showPush(payload))
})

// A dose's action is kept for the app; a tap on the notification itself opens the screen it
// is about, in an open Ossa window when there is one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const data = event.notification.data || {}
  if (data.dose && DOSE_ACTIONS.includes(event.action)) {
    event.waitUntil(keepTap(event.action, data.dose).then(tellTheApp))
    return
  }
  const target = new URL(data.url || '/app/', self.location.origin)
  if (target.origin !== self.location.origin || !target.pathname.startsWith('/app/')) return
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith('/app/'))
      if (open) return open.navigate(target.href).then((w) => (w || open).focus())
      return self.clients.openWindow(target.href)
    }),
  )
})
