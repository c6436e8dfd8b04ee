import { render } from 'preact'

// The shared sheet first, so each screen's own rules (flag severity edges, dose states)
// win over the shared blocks they refine.
import './ui/styles.css'
import { db } from './data/db'
import { registerServiceWorker } from './data/push'
import { signedIn } from './data/session'
import { App } from './ui/App'

// A signed-in start reads the local database first: opening it before the first render lets
// the browser's storage work overlap that render instead of following it (bench/app.py).
if (signedIn.get()) db()
render(<App />, document.getElementById('app')!)
registerServiceWorker()
