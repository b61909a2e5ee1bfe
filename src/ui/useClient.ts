/**
 * `useClient()`: connects to the LightClient worker on mount and returns the ViewState
 * (loading → live, or error), updated with every snapshot the worker pushes. Unmounting
 * (or retry) cancels a pending connect and terminates the worker.
 */
import { useCallback, useEffect, useState } from 'react'
import { connectClient, failureRecord, type ClientConnection, type ConnectOptions } from '../client/page'
import type { ViewState } from './state'

export type Connect = (options: ConnectOptions) => Promise<ClientConnection>

export function useClient(connect: Connect = connectClient, options: Omit<ConnectOptions, 'signal' | 'onProgress'> = {}): { state: ViewState; retry: () => void } {
  const [state, setState] = useState<ViewState>({ kind: 'loading', step: 'config' })
  const [attempt, setAttempt] = useState(0)
  const configUrl = options.configUrl

  useEffect(() => {
    const abort = new AbortController()
    let conn: ClientConnection | null = null
    const cleanups: (() => void)[] = []
    setState({ kind: 'loading', step: 'config' })
    connect({ ...(configUrl ? { configUrl } : {}), signal: abort.signal, onProgress: (step) => !abort.signal.aborted && setState({ kind: 'loading', step }) }).then(
      (c) => {
        if (abort.signal.aborted) return void c.terminate()
        conn = c
        setState({ kind: 'live', snapshot: c.initial, problem: null })
        cleanups.push(c.subscribe((snapshot) => setState((prev) => ({ kind: 'live', snapshot, problem: prev.kind === 'live' ? prev.problem : null }))))
        cleanups.push(c.onError((problem) => setState((prev) => (prev.kind === 'live' ? { ...prev, problem } : { kind: 'error', error: problem }))))
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setState({ kind: 'error', error: failureRecord(e, 'start') })
      },
    )
    return () => {
      abort.abort()
      for (const c of cleanups) c()
      void conn?.terminate()
    }
  }, [connect, configUrl, attempt])

  const retry = useCallback(() => setAttempt((n) => n + 1), [])
  return { state, retry }
}
