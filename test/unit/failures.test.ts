/** The failure log (src/sync/failures.ts): one way to record a failure — counted, listed, persisted. */
import { describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { StoreUpdate } from '../../src/ports/store'
import type { VerdictSink } from '../../src/ports/stats'
import { FailureLog } from '../../src/sync/failures'

function sink(name: string) {
  const verdicts: [boolean, unknown][] = []
  const s: VerdictSink = { name, verdict: (ok, error) => void verdicts.push([ok, error]) }
  return { s, verdicts }
}

function setup() {
  const gossip = sink('gossip')
  const l1 = sink('l1')
  const applied: StoreUpdate[] = []
  let changes = 0
  const log = new FailureLog({ store: { apply: async (u) => void applied.push(u) }, gossipStats: gossip.s, l1Stats: l1.s, now: () => 42, changed: () => void changes++ })
  return { log, gossip, l1, applied, changes: () => changes }
}

describe('FailureLog', () => {
  it('record inside a step: counted in the source’s sink, listed, and put in the step’s update (no write of its own)', () => {
    const { log, l1, applied, changes } = setup()
    const update: StoreUpdate = { blocks: [] }
    const e = new VigilError('QUORUM_NOT_REACHED', 'x')
    expect(log.record('l1', e, { update, extra: { checkpoint: 7 } })).toBe('reject')
    expect(l1.verdicts).toEqual([[false, e]])
    expect(update.failures).toEqual([{ at: 42, source: 'l1', error: expect.objectContaining({ code: 'QUORUM_NOT_REACHED', details: { checkpoint: 7 } }) }])
    expect(log.list().map((r) => r.code)).toEqual(['QUORUM_NOT_REACHED'])
    expect(applied).toEqual([])
    expect(changes()).toBe(0) // the step's commit notifies
  })

  it('record outside a step: its own write, observers told; soft failures are ignore, not reject', () => {
    const { log, gossip, applied, changes } = setup()
    expect(log.record('gossip', new VigilError('COMMITTEE_UNKNOWN', 'x', { severity: 'soft' }))).toBe('ignore')
    expect(gossip.verdicts).toHaveLength(1)
    expect(applied).toEqual([{ failures: [{ at: 42, source: 'gossip', error: expect.objectContaining({ code: 'COMMITTEE_UNKNOWN' }) }] }])
    expect(changes()).toBe(1)
  })

  it('registered sources get their verdicts; count: false lists without counting; the list keeps the newest 50', () => {
    const { log, gossip } = setup()
    const peer = sink('peer-1')
    log.register(peer.s)
    log.accepted('peer-1')
    log.record('peer-1', new Error('boom'), { update: {} })
    expect(peer.verdicts.map(([ok]) => ok)).toEqual([true, false])
    log.record('gossip', new VigilError('PARENT_MISMATCH', 'x'), { update: {}, count: false })
    expect(gossip.verdicts).toEqual([])
    expect(log.list().map((r) => r.code)).toEqual(['PARENT_MISMATCH', 'INTERNAL'])
    for (let i = 0; i < 60; i++) log.record('unknown-source', new VigilError('BAD_SIGNATURE', `${i}`), { update: {} })
    expect(log.list()).toHaveLength(50)
    expect(log.list()[0]!.message).toBe('59')
  })
})
