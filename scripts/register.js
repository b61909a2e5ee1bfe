// Lets Node run the project's TypeScript sources directly (devnet, CLI, benches).
import { register } from 'tsx/esm/api'
register()
