/** The one wait of the tests (test/helpers/wait.ts): event-driven, polling, deadline and message. */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { pollUntil, waitFor } from '../helpers/wait'

describe('waitFor', () => {
  it('checks now and on every event, resolving with the first non-null value; unsubscribes after', async () => {
    const ee = new EventEmitter()
    let n = 0
    const p = waitFor({
      subscribe: (wake) => {
        ee.on('x', wake)
        return () => ee.off('x', wake)
      },
      check: () => (n >= 3 ? `n=${n}` : null),
      timeoutMs: 5_000,
      what: 'n ≥ 3',
    })
    for (let i = 0; i < 3; i++) {
      n++
      ee.emit('x')
    }
    expect(await p).toBe('n=3')
    await Promise.resolve()
    expect(ee.listenerCount('x')).toBe(0)
  })

  it('times out with what, the context and the last check error', async () => {
    const e = await waitFor({
      subscribe: () => () => undefined,
      check: () => {
        throw new Error('endpoint slow')
      },
      timeoutMs: 50,
      what: 'a mined tip',
      context: () => 'tip at 3',
    }).catch((x: Error) => x)
    expect((e as Error).message).toBe('timed out after 50 ms waiting for a mined tip; tip at 3; last check error: endpoint slow')
  })

  it('fails at once on a fatal check error', async () => {
    const boom = new Error('hard')
    await expect(waitFor({ check: () => Promise.reject(boom), timeoutMs: 5_000, what: 'x', fatal: (e) => e === boom })).rejects.toBe(boom)
  })

  it('pollUntil polls where there is no event', async () => {
    let calls = 0
    expect(await pollUntil(() => ++calls >= 3 && calls, { timeoutMs: 5_000, intervalMs: 5, what: 'three polls' })).toBe(3)
  })
})
