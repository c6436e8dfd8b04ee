// LokiJS ships no types for its IndexedDB adapter; WatermelonDB uses it untyped too.
declare module 'lokijs/src/incremental-indexeddb-adapter' {
  export default class IncrementalIDBAdapter {
    constructor(options?: Record<string, unknown>)
  }
}
