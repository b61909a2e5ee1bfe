/**
 * React hooks over a VigilClient (docs/library.md). Give the client with `<VigilProvider
 * client={c}>` (or pass it to each hook); every hook subscribes on mount and unsubscribes
 * on unmount, and re-renders only when its slice of the state changes.
 *
 * ```tsx
 * function Head() {
 *   const tips = useTips()
 *   return <p>proposed {tips?.proposed?.height ?? '–'}</p>
 * }
 * ```
 */
import { createContext, createElement, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import type { VigilError } from '../../core/errors'
import type { Tips } from '../../core/types'
import { toVigilError, type VigilClient } from './remote'
import type { BlockView, ClientSnapshot, PeerSummary, ReorgRecord, SourceStats, VerifyReport } from '../shared/types'

const ClientContext = createContext<VigilClient | null>(null)

/** Makes `client` the default of every hook below it. */
export function VigilProvider({ client, children }: { client: VigilClient; children?: ReactNode }) {
  return createElement(ClientContext.Provider, { value: client }, children)
}

/** The client from the nearest VigilProvider (or the one given); null while there is none. */
export function useVigilClient(client?: VigilClient | null): VigilClient | null {
  const ctx = useContext(ClientContext)
  return client ?? ctx
}

/** A slice of the client's state, kept current through `subscribe` (an on* method of the client). */
function useSubscribed<T>(client: VigilClient | null, subscribe: (c: VigilClient, cb: (v: T) => void) => () => void): T | null {
  const [value, setValue] = useState<T | null>(null)
  const sub = useRef(subscribe)
  sub.current = subscribe
  useEffect(() => {
    if (!client) {
      setValue(null)
      return
    }
    return sub.current(client, (v) => setValue(() => v))
  }, [client])
  return value
}

/** Every snapshot the client pushes (re-renders up to ~10 times a second while syncing). */
export function useSnapshot(client?: VigilClient | null): ClientSnapshot | null {
  return useSubscribed(useVigilClient(client), (c, cb) => c.subscribe(cb))
}

/** The four tips (proposed, attested, mined, finalized); re-renders when one changes. */
export function useTips(client?: VigilClient | null): Tips | null {
  return useSubscribed(useVigilClient(client), (c, cb) => c.onTips(cb))
}

/** Per-source stats (requests, bytes, latency, failures, accepted/rejected). */
export function useSourceStats(client?: VigilClient | null): Record<string, SourceStats> | null {
  return useSubscribed(useVigilClient(client), (c, cb) => c.onSources(cb))
}

export function usePeers(client?: VigilClient | null): PeerSummary[] | null {
  return useSubscribed(useVigilClient(client), (c, cb) => c.onPeers(cb))
}

export function useReorgs(client?: VigilClient | null): ReorgRecord[] | null {
  return useSubscribed(useVigilClient(client), (c, cb) => c.onReorgs(cb))
}

export interface BlockState {
  /** undefined while loading; null when this client does not hold the block. */
  block: BlockView | null | undefined
  error: VigilError | null
}

/** A block by height or hash, kept current as its status changes (reorgs included for a height). */
export function useBlock(q: string | number | null | undefined, client?: VigilClient | null): BlockState {
  const c = useVigilClient(client)
  const [state, setState] = useState<BlockState>({ block: undefined, error: null })
  useEffect(() => {
    setState({ block: undefined, error: null })
    if (!c || q === null || q === undefined || q === '') return
    return c.onBlock(
      q,
      (block) => setState({ block, error: null }),
      (error) => setState((s) => ({ ...s, error })),
    )
  }, [c, q])
  return state
}

export interface VerifyState {
  report: VerifyReport | null
  running: boolean
  error: VigilError | null
  /** Runs every check now (a second call while one runs is ignored). */
  run: () => void
}

/** `verifyBlock` as a button-friendly state machine; resets when the block changes. */
export function useVerifyBlock(q: string | number | null | undefined, client?: VigilClient | null): VerifyState {
  const c = useVigilClient(client)
  const [state, setState] = useState<Omit<VerifyState, 'run'>>({ report: null, running: false, error: null })
  const running = useRef(false)
  const current = useRef(q)
  useEffect(() => {
    current.current = q
    running.current = false
    setState({ report: null, running: false, error: null })
  }, [q])
  const run = useCallback(() => {
    if (!c || q === null || q === undefined || running.current) return
    running.current = true
    setState((s) => ({ ...s, running: true, error: null }))
    c.verifyBlock(q).then(
      (report) => {
        if (current.current !== q) return
        running.current = false
        setState({ report, running: false, error: null })
      },
      (e: unknown) => {
        if (current.current !== q) return
        running.current = false
        setState({ report: null, running: false, error: toVigilError(e) })
      },
    )
  }, [c, q])
  return { ...state, run }
}
