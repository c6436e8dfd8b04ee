// The service worker (offline app shell, Web Push) and this device's push subscription.
import { api } from './api'

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch((error) => {
      console.error('service worker not registered', error)
    })
  })
}

export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/')
  const text = atob(padded)
  const bytes = new Uint8Array(new ArrayBuffer(text.length))
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

// The service worker may have failed to start (then `ready` never settles): give up in words.
const WORKER_WAIT_MS = 20_000

function workerReady(): Promise<ServiceWorkerRegistration> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('The app’s background worker is not running, so push cannot be set up. Reload the app and try again.')),
      WORKER_WAIT_MS,
    )
    navigator.serviceWorker.ready.then(resolve, reject).finally(() => clearTimeout(timer))
  })
}

/** Ask for permission, subscribe with the server's VAPID key and register the device. */
export async function enablePush(): Promise<void> {
  if (!pushSupported()) throw new Error('This browser cannot receive push notifications.')
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') throw new Error('Notifications are blocked for Ossa in this browser’s settings.')
  const { public_key } = await api<{ public_key: string }>('/api/v1/push/vapid-public-key')
  const registration = await workerReady()
  const subscription =
    (await registration.pushManager.getSubscription()) ??
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(public_key) }))
  const json = subscription.toJSON()
  await api('/api/v1/push-subscriptions', {
    method: 'POST',
    json: { endpoint: json.endpoint, keys: json.keys, user_agent: navigator.userAgent.slice(0, 300) },
  })
}

export async function currentPushEndpoint(): Promise<string | null> {
  if (!pushSupported()) return null
  const registration = await navigator.serviceWorker.getRegistration('/app/')
  const subscription = await registration?.pushManager.getSubscription()
  return subscription?.endpoint ?? null
}
