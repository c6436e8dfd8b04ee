import { render } from 'preact'

import { App } from './App'
import { registerServiceWorker } from './data/push'
import './styles.css'

render(<App />, document.getElementById('app')!)
registerServiceWorker()
