import { render } from 'preact'

// The shared sheet first, so each screen's own rules (flag severity edges, dose states)
// win over the shared blocks they refine.
import './ui/styles.css'
import { registerServiceWorker } from './data/push'
import { App } from './ui/App'

render(<App />, document.getElementById('app')!)
registerServiceWorker()
