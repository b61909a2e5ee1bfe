/**
 * The syncer's and the body pipeline's parts, in memory, each on its own: the pending-header
 * store (src/sync/syncer-pending.ts) and the body want-scheduler (src/sync/body-wants.ts).
 * The components that use them are tested end to end in syncer*.test.ts and bodies-pipeline.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import type { BlockHeader } from '../../src/protocol/header'
import type { SignedHeader } from '../../src/protocol/signed-header'
import type { BlockRow } from '../../src/ports/store'
import { PendingHeaders, type PendingVerifier } from '../../src/sync/syncer-pending'
import { WantSchedule } from '../../src/sync/body-wants'

const hashOf = (height: number) => `0x${height.toString(16).padStart(64, '0')}` as Hex
const signed = (height: number): SignedHeader => ({ version: 1, header: { height, parentHash: hashOf(height - 1) } as BlockHeader, signature: new Uint8Array(65) })

/** An engine stand-in: a verdict per height, and which hashes it knows / holds as soft failures. */
function verifier(verdicts: Record<number, 'accept' | 'soft' | 'refused' | 'reject' | 'throw-hard'>) {
  const known = new Set<Hex>()
  const tried: number[] = []
  const v: PendingVerifier = {
    onSignedHeader: async (header) => {
      tried.push(header.height)
      const r = verdicts[header.height]
      if (r === 'throw-hard') throw new VigilError('BAD_SIGNATURE', 'bad')
      if (r === 'accept') known.add(hashOf(header.height))
      return r === 'accept' ? 'accept' : r === 'reject' ? 'reject' : 'ignore'
    },
    knows: async (hash) => known.has(hash),
    softFailure: (hash) => (verdicts[Number.parseInt(hash.slice(2), 16)] === 'soft' ? { code: 'COMMITTEE_UNKNOWN', severity: 'soft', message: 'L1 down' } : undefined),
  }
  return { v, tried }
}

describe('PendingHeaders', () => {
  const setup = () => {
    let t = 1_000
    const p = new PendingHeaders({ now: () => t, timeoutMs: 10_000, retryBaseMs: 100, retryMaxMs: 400 })
    for (const h of [3, 1, 2]) p.hold(signed(h), hashOf(h), `peer-${h}`)
    return { p, advance: (ms: number) => (t += ms) }
  }
  const signal = new AbortController().signal

  it('holds each hash once and is due after the first backoff', async () => {
    const { p, advance } = setup()
    p.hold(signed(1), hashOf(1), 'again')
    expect(p.size).toBe(3)
    expect(p.nextDueIn()).toBe(100)
    const { v, tried } = verifier({ 1: 'accept', 2: 'accept', 3: 'accept' })
    expect((await p.retry(v, 'reqresp', signal)).retries).toBe(0) // nothing due yet
    advance(100)
    const r = await p.retry(v, 'reqresp', signal)
    expect(tried).toEqual([1, 2, 3]) // lowest first
    expect(r).toMatchObject({ retries: 3, accepted: 3, known: 0, ignored: 0 })
    expect(p.size).toBe(0)
    expect(p.nextDueIn()).toBe(Infinity)
  })

  it('the first still soft backs off itself and everything above it; refused and rejected ones leave', async () => {
    const { p, advance } = setup()
    advance(100)
    const { v, tried } = verifier({ 1: 'refused', 2: 'soft', 3: 'accept' })
    const r = await p.retry(v, 'reqresp', signal)
    expect(tried).toEqual([1, 2]) // 3 waits behind 2
    expect(r).toMatchObject({ ignored: 1, accepted: 0 })
    expect(p.size).toBe(2)
    expect(p.nextDueIn()).toBeGreaterThanOrEqual(100) // 2nd attempt: 100–200 ms
    expect(p.nextDueIn()).toBeLessThanOrEqual(200)
    const rej = verifier({ 2: 'reject', 3: 'accept' })
    advance(200)
    const r2 = await p.retry(rej.v, 'reqresp', signal)
    expect(r2.rejected.map((h) => h.peer)).toEqual(['peer-2'])
    expect(r2.accepted).toBe(1)
    expect(PendingHeaders.rejection(r2.rejected[0]!).code).toBe('SOURCE_BAD_RESPONSE')
  })

  it('expires a header held longer than the timeout, and a hard error from the engine propagates', async () => {
    const { p, advance } = setup()
    advance(10_001)
    const r = await p.retry(verifier({}).v, 'reqresp', signal)
    expect(r.expired.map((h) => h.height)).toEqual([1, 2, 3])
    expect(p.size).toBe(0)
    const again = setup()
    again.advance(100)
    await expect(again.p.retry(verifier({ 1: 'throw-hard' }).v, 'reqresp', signal)).rejects.toMatchObject({ code: 'BAD_SIGNATURE' })
  })
})

describe('WantSchedule', () => {
  const row = (height: number, status: BlockRow['status'] = 'proposed') => ({ hash: hashOf(height), height, checkpointNumber: height, status, checks: {} }) as unknown as BlockRow
  const setup = (tip = 100) => {
    let t = 0
    const s = new WantSchedule<string>({ now: () => t, random: () => 1, tipHeight: () => tip, nearTipBlocks: 10, provisionalGraceMs: 50, batchSize: 3, retry: { nearTip: { baseMs: 10, maxMs: 40 }, far: { baseMs: 1_000, maxMs: 4_000 } } })
    return { s, advance: (ms: number) => (t += ms) }
  }

  it('a provisional background want waits the grace; a mined one and an on-demand one are due at once', () => {
    const { s, advance } = setup()
    s.add(row(95), true)
    s.add(row(96, 'mined'), true)
    s.add(row(97), false)
    expect(s.due().map((w) => w.height)).toEqual([97, 96])
    advance(50)
    expect(s.due().map((w) => w.height)).toEqual([97, 96, 95])
  })

  it('orders: waited for first, then near the tip newest first, then far back oldest first; one batch at most', () => {
    const { s } = setup()
    for (const h of [10, 20, 95, 99]) s.add(row(h, 'mined'), true)
    s.add(row(50, 'mined'), true).waiters.push({ resolve: () => undefined, reject: () => undefined })
    expect(s.due().map((w) => w.height)).toEqual([50, 99, 95])
    for (const w of s.due()) w.inflight = true
    expect(s.due().map((w) => w.height)).toEqual([10, 20])
  })

  it('a failed round backs off on the near-tip or the far policy; an on-demand want ends after one round', () => {
    const { s } = setup()
    const near = s.add(row(99, 'mined'), true)
    const far = s.add(row(10, 'mined'), true)
    const once = s.add(row(98, 'mined'), false)
    s.failed(near)
    s.failed(near)
    s.failed(far)
    s.failed(once)
    expect(near.nextAt).toBe(20) // 2nd attempt near the tip: 10·2 (random = 1: the ceiling)
    expect(far.nextAt).toBe(1_000)
    expect(s.has(once.hash)).toBe(false)
    expect(s.summary()).toEqual({ lowest: 10, inflight: 0 })
  })

  it('follows commits: a delivered body, a block orphaned, a block newly mined retried at once, new live blocks wanted in full mode', () => {
    const { s } = setup()
    const a = s.add(row(1), true)
    const b = s.add(row(2), true)
    const c = s.add(row(3), true)
    c.attempts = 4
    c.nextAt = 10_000
    const { woke, delivered } = s.follow([{ ...row(1), checks: { body: true } } as unknown as BlockRow, row(2, 'orphaned'), row(3, 'mined'), row(4)], true)
    expect(delivered).toEqual([a])
    expect(s.has(b.hash)).toBe(false)
    expect(c).toMatchObject({ mined: true, attempts: 0, nextAt: 0 })
    expect(s.has(hashOf(4))).toBe(true)
    expect(woke).toBe(true)
    expect(s.follow([row(5)], false).woke).toBe(false) // light mode wants nothing in the background
    expect(s.has(hashOf(5))).toBe(false)
  })
})
