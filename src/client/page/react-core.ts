'use client'
/**
 * The hooks of `vigil/react` (src/client/page/react.ts re-exports all of this and adds the
 * default worker-backed `create` to VigilProvider). This module imports nothing that needs a
 * DOM, so it renders under react-dom/server in Node and in the unit tests.
 *
 * React hooks over a VigilClient (docs/library.md), shaped like wagmi's: query hooks return
 * `{ data, error, status }`, `useVerifyBlock` is a mutation (`mutate`, `mutateAsync`, `status`,
 * `reset`, `data`, `error`), and `<VigilProvider>` either owns a client (`config`: created on
 * mount, closed on unmount) or shares one you made (`client`).
 *
 * Snapshot hooks (`useTips`, `useSnapshot`, `useSourceStats`, `usePeers`, `useReorgs`) read the
 * client's synchronous `snapshot()` through `useSyncExternalStore`: once a client exists, the
 * very first render has data (no effect, no flash of "loading"), server rendering included,
 * and a component re-renders only when its slice changes (compared by value).
 *
 * A hook used outside `<VigilProvider>` without a client argument throws a VigilError with code
 * `PROVIDER_MISSING`.
 *
 * ```tsx
 * function Head() {
 *   const { data: tips } = useTips()
 *   return <p>proposed {tips?.proposed?.height ?? '–'}</p>
 * }
 * ```
 */
import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react'
import { VigilError } from '../../core/errors'
import type { Tips } from '../../core/types'
import type { ClientConfig } from '../shared/config'
import { toVigilError, type VigilClient } from './remote'
import type { BlockView, ClientSnapshot, PeerSummary, ReorgRecord, SourceStats, VerifyReport } from '../shared/types'

// ------------------------------------------------------------------ provider

/** What `<VigilProvider>` hands its hooks. */
export interface VigilContextValue {
  client: VigilClient | null
  /** Why there is no client (the config could not be loaded, the worker did not start). */
  error: VigilError | null
}

/** Options the provider passes on to `create` (the `vigil` / `vigil/node` createLightClient options). */
export type ProviderCreateOptions = { signal?: AbortSignal } & Record<string, unknown>

const ClientContext = createContext<VigilContextValue | null>(null)
ClientContext.displayName = 'VigilContext'

export type VigilProviderProps =
  | {
      /** A client you created and close yourself. */
      client: VigilClient
      config?: undefined
      children?: ReactNode
    }
  | {
      /** The provider creates the client on mount (a ClientConfig or its URL) and closes it on unmount. */
      config: ClientConfig | string
      /** Passed to `create` with the provider's abort `signal` added (browser: transformConfig, createWorker, …). */
      options?: ProviderCreateOptions
      /** Creates the client (default from `vigil/react`: `createLightClient` of `vigil`, a Web Worker). Pass `vigil/node`'s for Node or tests. */
      create?: (config: ClientConfig | string, options: ProviderCreateOptions) => Promise<VigilClient>
      client?: undefined
      children?: ReactNode
    }

/**
 * Gives every hook below it a client: the one passed as `client`, or one it creates from
 * `config` on mount and closes on unmount (re-created when the config changes).
 */
export function VigilProvider(props: VigilProviderProps) {
  const given = props.client ?? null
  const config = props.client ? undefined : props.config
  const key = config === undefined ? '' : typeof config === 'string' ? config : JSON.stringify(config)
  const [owned, setOwned] = useState<VigilContextValue>({ client: null, error: null })
  const latest = useRef(props)
  latest.current = props
  useEffect(() => {
    if (given || config === undefined) return
    const p = latest.current as Extract<VigilProviderProps, { config: ClientConfig | string }>
    const abort = new AbortController()
    let client: VigilClient | null = null
    setOwned({ client: null, error: null })
    const create = p.create
    if (!create) {
      setOwned({ client: null, error: new VigilError('CONFIG_INVALID', '<VigilProvider config> needs a `create` function here (import VigilProvider from `vigil/react`, or pass create={createLightClient})') })
      return
    }
    create(p.config, { ...p.options, signal: abort.signal }).then(
      (c) => {
        if (abort.signal.aborted) return void c.close()
        client = c
        setOwned({ client: c, error: null })
      },
      (e: unknown) => !abort.signal.aborted && setOwned({ client: null, error: toVigilError(e) }),
    )
    return () => {
      abort.abort()
      void client?.close()
    }
    // the config by value: a new object literal each render must not restart the client
  }, [given, key])
  const value = useMemo<VigilContextValue>(() => (given ? { client: given, error: null } : owned), [given, owned])
  return createElement(ClientContext.Provider, { value }, props.children)
}

/** The provider's value; throws PROVIDER_MISSING when there is none and no client was given. */
function useVigilContext(client: VigilClient | null | undefined, hook: string): VigilContextValue {
  const ctx = useContext(ClientContext)
  if (client !== undefined) return { client, error: null }
  if (!ctx) throw new VigilError('PROVIDER_MISSING', `${hook}() needs a client: render it inside <VigilProvider config={…}> (or <VigilProvider client={…}>), or pass a client as its last argument`, { details: { hook } })
  return ctx
}

/**
 * The client from the nearest VigilProvider (or the one given); null while the provider is
 * still creating it. Throws PROVIDER_MISSING outside a provider.
 */
export function useVigilClient(client?: VigilClient | null): VigilClient | null {
  return useVigilContext(client, 'useVigilClient').client
}

// ------------------------------------------------------------------ queries

/** `pending`: no data yet (the provider is creating the client, or the first answer is on its way). */
export type QueryStatus = 'pending' | 'success' | 'error'

export interface QueryResult<T> {
  /** undefined while pending. */
  data: T | undefined
  /** The last error (creating the client, the worker crashed, the query failed); data may still be shown. */
  error: VigilError | null
  status: QueryStatus
  isPending: boolean
  isSuccess: boolean
  isError: boolean
}

function result<T>(data: T | undefined, error: VigilError | null): QueryResult<T> {
  const status: QueryStatus = error ? 'error' : data === undefined ? 'pending' : 'success'
  return { data, error, status, isPending: status === 'pending', isSuccess: status === 'success', isError: status === 'error' }
}

const NO_SUBSCRIPTION = () => () => {}

/** The client's errors (worker crashed, subscription failed) since this component mounted. */
function useClientError(client: VigilClient | null): VigilError | null {
  const [error, setError] = useState<{ client: VigilClient; error: VigilError } | null>(null)
  useEffect(() => (client ? client.onError((e) => setError({ client, error: e })) : undefined), [client])
  return error && error.client === client ? error.error : null
}

/**
 * A slice of the client's synchronous snapshot through useSyncExternalStore: data on the first
 * render once a client exists; a new value (and a re-render) only when the slice's JSON changes.
 */
function useSnapshotSlice<T>(client: VigilClient | null, select: (s: ClientSnapshot) => T): T | undefined {
  const cache = useRef<{ client: VigilClient; key: string; value: T } | null>(null)
  const selectRef = useRef(select)
  selectRef.current = select
  const subscribe = useCallback((onChange: () => void) => (client ? client.subscribe(onChange) : () => {}), [client])
  const get = useCallback((): T | undefined => {
    if (!client) return undefined
    const value = selectRef.current(client.snapshot())
    const key = JSON.stringify(value) ?? ''
    const c = cache.current
    if (c && c.client === client && c.key === key) return c.value
    cache.current = { client, key, value }
    return value
  }, [client])
  return useSyncExternalStore(client ? subscribe : NO_SUBSCRIPTION, get, get)
}

function useSnapshotQuery<T>(client: VigilClient | null | undefined, hook: string, select: (s: ClientSnapshot) => T): QueryResult<T> {
  const ctx = useVigilContext(client, hook)
  const data = useSnapshotSlice(ctx.client, select)
  const runError = useClientError(ctx.client)
  return result(data, ctx.error ?? runError)
}

const selectSnapshot = (s: ClientSnapshot) => s
const selectTips = (s: ClientSnapshot) => s.tips
const selectSources = (s: ClientSnapshot) => s.sources
const selectPeers = (s: ClientSnapshot) => s.peers
const selectReorgs = (s: ClientSnapshot) => s.reorgs

/** Every snapshot the client pushes (re-renders up to ~10 times a second while syncing). */
export function useSnapshot(client?: VigilClient | null): QueryResult<ClientSnapshot> {
  return useSnapshotQuery(client, 'useSnapshot', selectSnapshot)
}

/** The four tips (proposed, attested, mined, finalized); re-renders when one changes. */
export function useTips(client?: VigilClient | null): QueryResult<Tips> {
  return useSnapshotQuery(client, 'useTips', selectTips)
}

/** Per-source stats (requests, bytes, latency, failures, accepted/rejected). */
export function useSourceStats(client?: VigilClient | null): QueryResult<Record<string, SourceStats>> {
  return useSnapshotQuery(client, 'useSourceStats', selectSources)
}

/** Connected peers. */
export function usePeers(client?: VigilClient | null): QueryResult<PeerSummary[]> {
  return useSnapshotQuery(client, 'usePeers', selectPeers)
}

/** Recent reorgs, newest first. */
export function useReorgs(client?: VigilClient | null): QueryResult<ReorgRecord[]> {
  return useSnapshotQuery(client, 'useReorgs', selectReorgs)
}

export interface BlockResult extends QueryResult<BlockView | null> {
  /** Same as `data` (undefined while loading; null when this client does not hold the block). Kept for code written before `data`. */
  block: BlockView | null | undefined
}

/**
 * A block by height or hash, kept current as its status changes (reorgs included for a
 * height). `data` is undefined while loading and null while this client does not hold it.
 * Blocks live in the worker's store, so the first render of a new query is `pending`.
 */
export function useBlock(q: string | number | null | undefined, client?: VigilClient | null): BlockResult {
  const c = useVigilContext(client, 'useBlock')
  const [state, setState] = useState<{ key: string; block: BlockView | null | undefined; error: VigilError | null }>({ key: '', block: undefined, error: null })
  const key = q === null || q === undefined || q === '' ? '' : String(q)
  useEffect(() => {
    setState({ key, block: undefined, error: null })
    if (!c.client || key === '') return
    return c.client.onBlock(
      q as string | number,
      (block) => setState({ key, block, error: null }),
      (error) => setState((s) => ({ ...s, key, error })),
    )
  }, [c.client, key])
  const mine = state.key === key ? state : { block: undefined, error: null }
  const r = result<BlockView | null>(mine.block, mine.error ?? c.error)
  return { ...r, block: r.data }
}

// ------------------------------------------------------------------ the Verify now mutation

/** `idle`: not run (or reset); `pending`: running; then `success` (data) or `error`. */
export type MutationStatus = 'idle' | 'pending' | 'success' | 'error'

export interface MutationState<TData, TVariables> {
  status: MutationStatus
  data: TData | undefined
  error: VigilError | null
  /** What the latest run was called with. */
  variables: TVariables | undefined
  /** Time the latest run settled (ms), 0 before. */
  submittedAt: number
}

export interface MutateCallbacks<TData, TVariables> {
  onSuccess?: (data: TData, variables: TVariables) => void
  onError?: (error: VigilError, variables: TVariables) => void
  onSettled?: (data: TData | undefined, error: VigilError | null, variables: TVariables) => void
}

/**
 * A mutation as a tiny external store (TanStack Query's semantics, which wagmi uses): the latest
 * `mutate` wins the state (an older run's result is dropped from it, its promise still settles);
 * `reset()` returns to idle and drops whatever is in flight. Framework-free, so it is testable
 * without a DOM; `useVerifyBlock` renders it with useSyncExternalStore.
 */
export class MutationStore<TData, TVariables> {
  private state: MutationState<TData, TVariables> = { status: 'idle', data: undefined, error: null, variables: undefined, submittedAt: 0 }
  private readonly listeners = new Set<() => void>()
  private run = 0

  constructor(private fn: (variables: TVariables) => Promise<TData>) {}

  /** Replaces the function (a new client); does not touch the state. */
  setFn(fn: (variables: TVariables) => Promise<TData>): void {
    this.fn = fn
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  readonly getState = (): MutationState<TData, TVariables> => this.state

  private set(next: MutationState<TData, TVariables>): void {
    this.state = next
    for (const l of [...this.listeners]) l()
  }

  /** Runs; resolves with the data, rejects with a VigilError. */
  readonly mutateAsync = async (variables: TVariables, cb: MutateCallbacks<TData, TVariables> = {}): Promise<TData> => {
    const id = ++this.run
    this.set({ status: 'pending', data: undefined, error: null, variables, submittedAt: Date.now() })
    try {
      const data = await this.fn(variables)
      if (id === this.run) this.set({ ...this.state, status: 'success', data, error: null })
      cb.onSuccess?.(data, variables)
      cb.onSettled?.(data, null, variables)
      return data
    } catch (e) {
      const error = toVigilError(e)
      if (id === this.run) this.set({ ...this.state, status: 'error', data: undefined, error })
      cb.onError?.(error, variables)
      cb.onSettled?.(undefined, error, variables)
      throw error
    }
  }

  /** Runs and keeps the outcome in the state only (never rejects). */
  readonly mutate = (variables: TVariables, cb?: MutateCallbacks<TData, TVariables>): void => {
    this.mutateAsync(variables, cb).catch(() => undefined)
  }

  /** Back to idle; a run in flight no longer changes the state. */
  readonly reset = (): void => {
    this.run++
    this.set({ status: 'idle', data: undefined, error: null, variables: undefined, submittedAt: 0 })
  }
}

export interface VerifyBlockResult extends MutationState<VerifyReport, string | number> {
  isIdle: boolean
  isPending: boolean
  isSuccess: boolean
  isError: boolean
  /** Runs every check on `q` (default: the hook's block) now; the outcome lands in the state. */
  mutate: (q?: string | number, callbacks?: MutateCallbacks<VerifyReport, string | number>) => void
  /** Same, as a promise (rejects with a VigilError: NOT_FOUND when the block is not held). */
  mutateAsync: (q?: string | number, callbacks?: MutateCallbacks<VerifyReport, string | number>) => Promise<VerifyReport>
  /** Back to idle. */
  reset: () => void
}

function noClient(): Promise<never> {
  return Promise.reject(new VigilError('NOT_FOUND', 'no light client yet: the provider is still starting it', { severity: 'soft' }))
}

/**
 * `verifyBlock` as a mutation (a "Verify now" button): `mutate()` runs every check on the
 * hook's block (or `mutate(q)` on another); `status` goes idle → pending → success | error.
 * Resets to idle when the hook's block changes.
 */
export function useVerifyBlock(q?: string | number | null, client?: VigilClient | null): VerifyBlockResult {
  const c = useVigilContext(client, 'useVerifyBlock').client
  const fn = useCallback((v: string | number) => (c ? c.verifyBlock(v) : noClient()), [c])
  const [store] = useState(() => new MutationStore<VerifyReport, string | number>(fn))
  store.setFn(fn)
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState)
  const target = q === null || q === undefined || q === '' ? undefined : q
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    store.reset()
  }, [store, target, c])
  const pick = useCallback(
    (v: string | number | undefined): string | number => {
      const x = v ?? target
      if (x === undefined) throw new VigilError('NOT_FOUND', 'useVerifyBlock: no block to verify (give the hook a block, or pass one to mutate)', { severity: 'soft' })
      return x
    },
    [target],
  )
  const mutateAsync = useCallback(
    (v?: string | number, cb?: MutateCallbacks<VerifyReport, string | number>) => {
      let x: string | number
      try {
        x = pick(v)
      } catch (e) {
        return Promise.reject(e as VigilError)
      }
      return store.mutateAsync(x, cb)
    },
    [store, pick],
  )
  const mutate = useCallback((v?: string | number, cb?: MutateCallbacks<VerifyReport, string | number>) => void mutateAsync(v, cb).catch(() => undefined), [mutateAsync])
  return {
    ...state,
    isIdle: state.status === 'idle',
    isPending: state.status === 'pending',
    isSuccess: state.status === 'success',
    isError: state.status === 'error',
    mutate,
    mutateAsync,
    reset: store.reset,
  }
}
