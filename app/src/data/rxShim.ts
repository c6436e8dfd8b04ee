// WatermelonDB reaches RxJS through one module, utils/rx/__wmelonRxShim, and vite.config.mts
// points it here: its own shim requires RxJS's CommonJS build, which bundled a second, whole
// copy of RxJS beside the ES modules the app imports (bench/RESULTS.md, "App start").
export { BehaviorSubject, defer, merge, Observable, of, ReplaySubject, Subject } from 'rxjs'
export { catchError, distinctUntilChanged, map, multicast, startWith, switchMap, throttleTime } from 'rxjs/operators'
