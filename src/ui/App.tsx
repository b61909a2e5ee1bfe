/** The page: starts the light client (useVigil), follows the hash route, renders AppView. */
import { useEffect } from 'react'
import { AppView } from './AppView'
import { useVigil } from './useVigil'
import { useRoute } from './router'
import { applyTheme } from './platform'
import { loadSettings } from './settings'

export function App() {
  const { state, restart } = useVigil()
  const route = useRoute()
  useEffect(() => applyTheme(loadSettings().theme ?? 'system'), [])
  return <AppView state={state} onRetry={restart} route={route} />
}
