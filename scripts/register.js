// Lets Node run the project's TypeScript sources directly (devnet, CLI, benches), and resolves
// the package's own name (`@vigil-lc/client/node`, …; the old `vigil/node`) to those sources.
import { register as registerHooks } from 'node:module'
import { register } from 'tsx/esm/api'
register()
registerHooks('./source-entries.js', import.meta.url)
