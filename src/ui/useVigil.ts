/**
 * `useVigil()`: starts the light client (the library's `createLightClient`, worker-backed)
 * with the saved settings applied, and returns the ViewState (loading → live with the
 * VigilClient, or a coded error). `restart()` tears the client down and starts it again
 * (after saving settings); unmounting terminates the worker.
 */
import { useCallback, useEffect, useState } from 'react'
import { createLightClient } from '../client/page/api'
import { failureRecord, resolveConfigUrl } from '../client/page/page'
import type { VigilClient } from '../client/page/remote'
import { applySettings, loadSettings } from './settings'
import type { ViewState } from './state'

export function useVigil(configUrl?: string): { state: ViewState; restart: () => void } {
  const [state, setState] = useState<ViewState>({ kind: 'loading', step: 'config' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const abort = new AbortController()
    let client: VigilClient | null = null
    const cleanups: (() => void)[] = []
    setState({ kind: 'loading', step: 'config' })
    let url: string
    try {
      url = resolveConfigUrl(configUrl, location.href)
    } catch (e) {
      setState({ kind: 'error', error: failureRecord(e, 'config') })
      return
    }
    createLightClient(url, {
      signal: abort.signal,
      transformConfig: (c) => applySettings(c),
      ...(loadSettings().pageP2P ? { pageP2P: true } : {}),
      ...(loadSettings().fromSnapshot ? { fromSnapshot: true } : {}),
      onProgress: (step) => !abort.signal.aborted && setState({ kind: 'loading', step }),
    }).then(
      (c) => {
        if (abort.signal.aborted) return void c.close()
        client = c
        setState({ kind: 'live', snapshot: c.snapshot(), problem: null, client: c })
        cleanups.push(c.subscribe((snapshot) => setState((prev) => ({ kind: 'live', snapshot, problem: prev.kind === 'live' ? prev.problem : null, client: c }))))
        cleanups.push(c.onError((e) => setState((prev) => (prev.kind === 'live' ? { ...prev, problem: failureRecord(e, 'run') } : { kind: 'error', error: failureRecord(e, 'run') }))))
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setState({ kind: 'error', error: failureRecord(e, 'start') })
      },
    )
    return () => {
      abort.abort()
      for (const c of cleanups) c()
      void client?.close()
    }
  }, [configUrl, attempt])

  const restart = useCallback(() => setAttempt((n) => n + 1), [])
  return { state, restart }
}
