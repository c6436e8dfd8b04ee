// A value that screens can subscribe to; small on purpose (no state library needed).
export class Store<T> {
  private listeners = new Set<(value: T) => void>()

  constructor(private value: T) {}

  get(): T {
    return this.value
  }

  set(value: T): void {
    this.value = value
    for (const listener of this.listeners) listener(value)
  }

  patch(part: Partial<T>): void {
    this.set({ ...this.value, ...part })
  }

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
