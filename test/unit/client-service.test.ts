/**
 * The client service (src/client/worker/service.ts): the one WorkerApi both transports serve.
 * Over a stand-in LightClient: subscriptions by id, the not-started guard as a plain
 * ErrorRecord, stop/clearStore ending every subscription. And StatsRecorder's observer.
 */
import { describe, expect, it } from 'vitest'
import { createClientService, Subscriptions } from '../../src/client/worker/service'
import type { LightClient } from '../../src/client/worker/light-client'
import type { ClientSnapshot } from '../../src/client/shared/types'
import { StatsRecorder } from '../../src/sources/stats'

const config = {
  l2ChainId: 7,
  l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:1'], rollup: '0x' + '11'.repeat(20), deployBlock: 0 },
  bootstrap: [],
  mode: 'light',
}

/** Just what the service calls of a LightClient. */
function fakeClient() {
  const listeners = new Set<(s: ClientSnapshot) => void>()
  const calls: string[] = []
  const snap = { updatedAt: 1 } as unknown as ClientSnapshot
  const client = {
    snapshot: () => snap,
    start: async () => void calls.push('start'),
    stop: async () => void calls.push('stop'),
    store: { destroy: async () => void calls.push('destroy') },
    subscribe(fn: (s: ClientSnapshot) => void) {
      listeners.add(fn)
      fn(snap)
      return () => void listeners.delete(fn)
    },
    explorer: { getBlock: async (q: string | number) => (q === 1 ? { height: 1 } : null) },
  }
  return { client: client as unknown as LightClient, listeners, calls, push: () => listeners.forEach((fn) => fn(snap)) }
}

describe('client service', () => {
  it('rejects with a plain soft CONFIG_INVALID record before start', async () => {
    const svc = createClientService(async () => fakeClient().client)
    const e = await svc.snapshot().catch((x: unknown) => x)
    expect(e).not.toBeInstanceOf(Error)
    expect(e).toMatchObject({ code: 'CONFIG_INVALID', severity: 'soft' })
    await expect(svc.getBlock(1)).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })

  it('opens once, validates the config, and serves subscriptions by id', async () => {
    const f = fakeClient()
    let opened = 0
    const svc = createClientService(async (cfg, opts) => {
      opened++
      expect(cfg.l2ChainId).toBe(7)
      expect(opts).toEqual({ pageP2P: true })
      return f.client
    })
    await expect(svc.start({ ...config, mode: 'wrong' } as never)).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await svc.start(config as never, { pageP2P: true })
    await svc.start(config as never, { pageP2P: true })
    expect(opened).toBe(1)
    expect(f.calls).toEqual(['start'])
    const seen: number[] = []
    const a = await svc.subscribe(() => seen.push(1))
    const b = await svc.subscribe(() => seen.push(2))
    expect(a).not.toBe(b)
    f.push()
    await svc.unsubscribe(a)
    f.push()
    expect(seen).toEqual([1, 2, 1, 2, 2])
    expect(await svc.getBlock(1)).toEqual({ height: 1 })
    await svc.clearStore()
    expect(f.listeners.size).toBe(0)
    expect(f.calls).toEqual(['start', 'stop', 'destroy'])
    expect(svc.client()).toBeNull()
  })

  it('stop ends every subscription and the client', async () => {
    const f = fakeClient()
    const svc = createClientService(async () => f.client)
    await svc.start(config as never)
    await svc.subscribe(() => undefined)
    await svc.subscribe(() => undefined)
    expect(f.listeners.size).toBe(2)
    await svc.stop()
    expect(f.listeners.size).toBe(0)
    expect(f.calls).toEqual(['start', 'stop'])
    await svc.stop() // stopping twice is fine
  })

  it('Subscriptions: ids are unique, remove of an unknown id is a no-op', () => {
    const s = new Subscriptions()
    let ended = 0
    const a = s.add(() => ended++)
    const b = s.add(() => ended++)
    expect(a).not.toBe(b)
    s.remove(999)
    s.remove(a)
    s.remove(a)
    expect(ended).toBe(1)
    s.clear()
    expect(ended).toBe(2)
  })
})

describe('StatsRecorder.onChange', () => {
  it('calls every observer on each record and returns the unsubscribe', () => {
    const st = new StatsRecorder('x', 'l1')
    let a = 0
    let b = 0
    const offA = st.onChange(() => a++)
    st.onChange(() => b++)
    st.success(10, 5)
    st.failure(new Error('boom'))
    offA()
    st.verdict(true)
    expect([a, b]).toEqual([2, 3])
    expect(st.snapshot()).toMatchObject({ requests: 2, failures: 1, accepted: 1, bytes: 10 })
  })
})
