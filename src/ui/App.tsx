/** The page: connects to the worker (useClient) and renders whatever state that is in. */
import { AppView } from './AppView'
import { useClient } from './useClient'

export function App() {
  const { state, retry } = useClient()
  return <AppView state={state} onRetry={retry} />
}
