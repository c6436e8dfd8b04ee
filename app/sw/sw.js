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

self.addEventListener('push', (event) => {
  let payload = {}
  try {
    payload = event.data ? event.data.json() : {}
  } catch {
    payload = { body: event.data ? event.data.text() : '' }
  }
  const title = payload.title || 'Ossa'
  event.waitUntil(
    self.registration.showNotification(title, {
      body: payload.body || '',
      icon: '/app/icons/icon-192.png',
      badge: '/app/icons/icon-192.png',
      tag: payload.tag || payload.kind || 'ossa',
      data: { url: payload.url || '/app/#/inbox' },
    }),
  )
})

// Open the screen the notification is about, in an open Ossa window when there is one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const target = new URL((event.notification.data && event.notification.data.url) || '/app/', self.location.origin)
  if (target.origin !== self.location.origin || !target.pathname.startsWith('/app/')) return
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).pathname.startsWith('/app/'))
      if (open) return open.navigate(target.href).then((w) => (w || open).focus())
      return self.clients.openWindow(target.href)
    }),
  )
})
