/**
 * `vigil/react` (src/client/page/react-core.ts) and `client.waitFor` (src/client/page/remote.ts)
 * over a VigilClient made by the real `wrapTransport` from an in-memory transport: snapshot hooks
 * have data on the first render (useSyncExternalStore over the synchronous snapshot, rendered
 * with react-dom/server: no DOM here), a hook outside its provider throws PROVIDER_MISSING, and
 * the Verify now mutation walks idle → pending → success | error, reset and "latest wins".
 * The hooks in a browser: the React example of docs/library.md in test/e2e/explorer.test.ts.
 */
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { MutationStore, useBlock, useSourceStats, useTips, useVerifyBlock, useVigilClient, VigilProvider } from '../../src/client/page/react-core'
import { wrapTransport, type ClientApi, type VigilClient } from '../../src/client/page/remote'
import type { ClientSnapshot, VerifyReport } from '../../src/client/shared/types'
import { VigilError } from '../../src/core/errors'
import type { Tips } from '../../src/core/types'

const h = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}` as `0x${string}`
const tip = (height: number) => ({ height, hash: h(height), timestamp: 1_700_000_000_000 + height })

function snapshotWith(tips: Partial<Tips>): ClientSnapshot {
  return {
    chain: { l2ChainId: 7, l1ChainId: 1, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
    tips: { proposed: null, attested: null, mined: null, finalized: null, ...tips },
    latest: [],
    reorgs: [],
    sources: { l1: { name: 'l1', kind: 'l1', requests: 1, bytes: 0, failures: 0, rejected: 0, accepted: 1, latencyMs: { last: 1, avg: 1, max: 1 }, lastError: null, lastAt: 0 } },
    peers: [],
    counts: { proposed: 0, attested: 0, mined: 0, finalized: 0, orphaned: 0, invalid: 0 },
    failures: [],
    l1: { head: 10, finalized: 8 },
    restoredFromStore: true,
    startedAt: 0,
    updatedAt: 0,
  }
}

const report = (height: number): VerifyReport => ({ hash: h(height), height, ok: true, complete: true, checks: [], startedAt: 0, ms: 1 })

/** A real VigilClient (wrapTransport) over a transport whose snapshots the test pushes by hand. */
function memoryClient(initial: ClientSnapshot, verify: (q: string | number) => Promise<VerifyReport> = async (q) => report(Number(q))) {
  const feeds = new Set<(s: ClientSnapshot) => void>()
  const api = {
    verifyBlock: verify,
    getBlock: async () => null,
    start: async () => initial,
  } as unknown as ClientApi
  const client = wrapTransport({
    api,
    config: { l2ChainId: 7, l1: { chainId: 1, rpcUrls: ['http://127.0.0.1:1'], rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3', deployBlock: 0 }, bootstrap: [], mode: 'light' },
    initial,
    subscribe(cb) {
      feeds.add(cb)
      return () => void feeds.delete(cb)
    },
    onError: () => () => {},
    terminate: async () => {},
  })
  return { client, push: (s: ClientSnapshot) => feeds.forEach((f) => f(s)) }
}

function TipLine() {
  const { data, status } = useTips()
  return <p>{`${status}: proposed ${data?.proposed?.height ?? '–'}, mined ${data?.mined?.height ?? '–'}`}</p>
}

describe('snapshot hooks', () => {
  it('useTips has data on its first render once the client has a snapshot (no effect needed)', () => {
    const { client } = memoryClient(snapshotWith({ proposed: tip(12), mined: tip(8) }))
    const html = renderToString(
      <VigilProvider client={client}>
        <TipLine />
      </VigilProvider>,
    )
    expect(html).toContain('<p>success: proposed 12, mined 8</p>')
  })

  it('the value a component sees follows the client’s latest snapshot; a client as argument works without a provider', () => {
    const { client, push } = memoryClient(snapshotWith({ proposed: tip(1) }))
    push(snapshotWith({ proposed: tip(5) }))
    function Direct({ c }: { c: VigilClient }) {
      const tips = useTips(c)
      const sources = useSourceStats(c)
      return <p>{`${tips.data?.proposed?.height} ${Object.keys(sources.data ?? {}).join(',')} ${tips.isSuccess}`}</p>
    }
    expect(renderToString(<Direct c={client} />)).toContain('5 l1 true')
  })

  it('with no client yet (a provider still creating it): pending, no data; create is not called while server rendering', () => {
    let created = 0
    const html = renderToString(
      <VigilProvider config="/devnet.json" create={async () => (created++, memoryClient(snapshotWith({})).client)}>
        <TipLine />
      </VigilProvider>,
    )
    expect(html).toContain('<p>pending: proposed –, mined –</p>')
    expect(created).toBe(0)
  })

  it('a hook outside its provider throws a VigilError with code PROVIDER_MISSING, naming the hook', () => {
    for (const [name, C] of [
      ['useTips', () => (useTips(), null)],
      ['useBlock', () => (useBlock(1), null)],
      ['useVerifyBlock', () => (useVerifyBlock(1), null)],
      ['useVigilClient', () => (useVigilClient(), null)],
    ] as const) {
      let thrown: unknown
      try {
        renderToString(<C />)
      } catch (e) {
        thrown = e
      }
      expect(thrown, name).toBeInstanceOf(VigilError)
      expect((thrown as VigilError).code).toBe('PROVIDER_MISSING')
      expect((thrown as VigilError).message).toContain(`${name}()`)
      expect((thrown as VigilError).message).toContain('<VigilProvider')
    }
  })

  it('useBlock and useVerifyBlock start pending / idle', () => {
    const { client } = memoryClient(snapshotWith({}))
    function B() {
      const b = useBlock(3)
      const v = useVerifyBlock(3)
      return <p>{`${b.status} ${String(b.data)} ${v.status} ${v.isIdle} ${String(v.data)}`}</p>
    }
    expect(
      renderToString(
        <VigilProvider client={client}>
          <B />
        </VigilProvider>,
      ),
    ).toContain('pending undefined idle true undefined')
  })
})

describe('the Verify now mutation (MutationStore under useVerifyBlock)', () => {
  function deferred<T>() {
    let resolve!: (v: T) => void
    let reject!: (e: unknown) => void
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
    return { promise, resolve, reject }
  }

  it('idle → pending → success, with data and variables; every change is announced', async () => {
    const d = deferred<VerifyReport>()
    const store = new MutationStore<VerifyReport, number>(() => d.promise)
    const seen: string[] = []
    store.subscribe(() => seen.push(store.getState().status))
    expect(store.getState()).toMatchObject({ status: 'idle', data: undefined, error: null })
    const p = store.mutateAsync(4)
    expect(store.getState()).toMatchObject({ status: 'pending', variables: 4, data: undefined })
    d.resolve(report(4))
    await expect(p).resolves.toEqual(report(4))
    expect(store.getState()).toMatchObject({ status: 'success', data: report(4), error: null, variables: 4 })
    expect(seen).toEqual(['pending', 'success'])
  })

  it('an error: status error with a VigilError (code kept); mutate never rejects, mutateAsync does; callbacks run', async () => {
    const store = new MutationStore<VerifyReport, number>(async () => {
      throw { code: 'NOT_FOUND', severity: 'soft', message: 'block 9 is not held' }
    })
    const calls: string[] = []
    store.mutate(9, { onError: (e) => calls.push(`error ${e.code}`), onSettled: (_d, e) => calls.push(`settled ${e?.code}`) })
    await new Promise((r) => setTimeout(r, 0))
    expect(store.getState().status).toBe('error')
    expect(store.getState().error).toBeInstanceOf(VigilError)
    expect(store.getState().error?.code).toBe('NOT_FOUND')
    expect(calls).toEqual(['error NOT_FOUND', 'settled NOT_FOUND'])
    await expect(store.mutateAsync(9)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('reset returns to idle and a run still in flight no longer changes the state', async () => {
    const d = deferred<VerifyReport>()
    const store = new MutationStore<VerifyReport, number>(() => d.promise)
    const p = store.mutateAsync(1)
    store.reset()
    expect(store.getState().status).toBe('idle')
    d.resolve(report(1))
    await p
    expect(store.getState()).toMatchObject({ status: 'idle', data: undefined })
  })

  it('the latest run wins: an older one settling later does not overwrite it', async () => {
    const runs = [deferred<VerifyReport>(), deferred<VerifyReport>()]
    let i = 0
    const store = new MutationStore<VerifyReport, number>(() => runs[i++]!.promise)
    const first = store.mutateAsync(1)
    const second = store.mutateAsync(2)
    runs[1]!.resolve(report(2))
    await second
    runs[0]!.resolve(report(1))
    await first
    expect(store.getState()).toMatchObject({ status: 'success', variables: 2, data: report(2) })
  })
})

describe('client.waitFor', () => {
  it('resolves at once when the tip is already there, else on the first snapshot that reaches the height', async () => {
    const { client, push } = memoryClient(snapshotWith({ mined: tip(3) }))
    await expect(client.waitFor({ tip: 'mined', height: 2 })).resolves.toMatchObject({ height: 3 })
    const later = client.waitFor({ tip: 'mined', height: 5 })
    push(snapshotWith({ mined: tip(4) }))
    push(snapshotWith({ mined: tip(6) }))
    await expect(later).resolves.toMatchObject({ height: 6, hash: h(6) })
  })

  it('WAIT_TIMEOUT (soft) after timeoutMs, saying where the tip is; ABORTED on abort and on close; bad arguments are CONFIG_INVALID', async () => {
    const { client } = memoryClient(snapshotWith({ finalized: tip(1) }))
    const t0 = Date.now()
    const timedOut = await client.waitFor({ tip: 'finalized', height: 9, timeoutMs: 50 }).catch((e: unknown) => e as VigilError)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45)
    expect(timedOut).toBeInstanceOf(VigilError)
    expect(timedOut).toMatchObject({ code: 'WAIT_TIMEOUT', severity: 'soft' })
    expect((timedOut as VigilError).message).toContain('it is at 1')
    const abort = new AbortController()
    const aborted = client.waitFor({ tip: 'mined', height: 1, signal: abort.signal })
    abort.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(client.waitFor({ tip: 'bogus' as 'mined', height: 1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(client.waitFor({ tip: 'mined', height: -1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    const pending = client.waitFor({ tip: 'mined', height: 1 })
    await client.close()
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' })
    await expect(client.waitFor({ tip: 'mined', height: 1 })).rejects.toMatchObject({ code: 'ABORTED' })
  })
})
