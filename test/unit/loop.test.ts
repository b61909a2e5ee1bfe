/** The shared loop helper (src/core/loop.ts) and the start/stop contract (src/core/lifecycle.ts). */
import { describe, expect, it } from 'vitest'
import { Loop } from '../../src/core/loop'
import { Components } from '../../src/core/lifecycle'

/** Resolves when `n` steps have run. */
function counter() {
  let n = 0
  const waiters: { at: number; resolve: () => void }[] = []
  return {
    hit() {
      n++
      for (const w of waiters.filter((w) => w.at <= n)) w.resolve()
    },
    get n() {
      return n
    },
    reach(at: number) {
      return at <= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ at, resolve }))
    },
  }
}

describe('Loop', () => {
  it('steps again at once after a step that returns 0, and idles after one that returns > 0 until woken', async () => {
    const c = counter()
    const loop = new Loop({ name: 't', step: async () => (c.hit(), c.n < 3 ? 0 : 60_000) })
    loop.start()
    await c.reach(3)
    // idling for a minute now: only wake() brings the next step
    loop.wake()
    await c.reach(4)
    expect(c.n).toBe(4)
    await loop.stop()
    expect(loop.running).toBe(false)
  })

  it('a wake() during a step skips the idle wait after it', async () => {
    const c = counter()
    let loop!: Loop
    loop = new Loop({
      name: 't',
      step: async () => {
        c.hit()
        if (c.n === 1) loop.wake()
        return 60_000
      },
    })
    loop.start()
    await c.reach(2)
    await loop.stop()
  })

  it('backs off after failures, reports each with its count, and resets after a success', async () => {
    const c = counter()
    const seen: number[] = []
    const loop = new Loop({
      name: 't',
      backoff: { baseMs: 1, maxMs: 2 },
      onError: (_e, failures) => seen.push(failures),
      step: async () => {
        c.hit()
        if (c.n <= 3) throw new Error('down')
        return c.n === 4 ? 0 : 60_000
      },
    })
    loop.start()
    await c.reach(5)
    expect(seen).toEqual([1, 2, 3])
    expect(loop.consecutiveFailures).toBe(0)
    await loop.stop()
  })

  it('a step that returns Infinity idles with no timer until woken', async () => {
    const c = counter()
    const loop = new Loop({ name: 't', step: async () => (c.hit(), Infinity) })
    loop.start()
    await c.reach(1)
    // an Infinity passed to setTimeout would fire at once: the loop must hold still instead
    await new Promise((r) => setTimeout(r, 30))
    expect(c.n).toBe(1)
    loop.wake()
    await c.reach(2)
    await loop.stop()
  })

  it('idleCap shortens the idle wait after a success and after a failure', async () => {
    const c = counter()
    const loop = new Loop({
      name: 't',
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      idleCap: () => (c.n < 4 ? 1 : 60_000),
      onError: () => undefined,
      step: async () => {
        c.hit()
        if (c.n === 2) throw new Error('down')
        return 60_000
      },
    })
    loop.start()
    // without the cap each of these waits would be a minute (the step's and the backoff's)
    await c.reach(4)
    await new Promise((r) => setTimeout(r, 30))
    expect(c.n).toBe(4)
    await loop.stop()
  })

  it('stop() aborts the step in flight and waits for it; the abort is not reported as a failure', async () => {
    const errors: unknown[] = []
    let started!: () => void
    const inStep = new Promise<void>((r) => (started = r))
    let finished = false
    const loop = new Loop({
      name: 't',
      onError: (e) => errors.push(e),
      step: (signal) =>
        new Promise<number>((_resolve, reject) => {
          started()
          signal.addEventListener('abort', () => {
            finished = true
            reject(new Error('aborted'))
          })
        }),
    })
    loop.start()
    await inStep
    await loop.stop()
    expect(finished).toBe(true)
    expect(errors).toEqual([])
  })
})

describe('Components', () => {
  it('stops in reverse start order and keeps stopping past a failure', async () => {
    const order: string[] = []
    const comps = new Components()
    const mk = (name: string, fail = false) => ({
      start: () => void order.push(`start ${name}`),
      stop: async () => {
        order.push(`stop ${name}`)
        if (fail) throw new Error(`${name} failed`)
      },
    })
    await comps.start('store', mk('store'))
    await comps.start('engine', mk('engine', true))
    comps.adopt('p2p', () => void order.push('stop p2p'))
    expect(comps.names()).toEqual(['store', 'engine', 'p2p'])
    const failed = await comps.stopAll()
    expect(order).toEqual(['start store', 'start engine', 'stop p2p', 'stop engine', 'stop store'])
    expect(failed.map((f) => f.name)).toEqual(['engine'])
    expect(comps.names()).toEqual([])
  })
})
