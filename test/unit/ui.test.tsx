/**
 * The page's views rendered to HTML (react-dom/server) from a hand-written ClientSnapshot, and
 * the formatting helpers. No browser and no DOM types: this file imports only the pure view
 * modules (not src/client/page/page.ts). Real Chromium: test/e2e/page-shell.test.ts.
 */
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import type { ClientSnapshot } from '../../src/client/shared/types'
import { AppView } from '../../src/ui/AppView'
import { formatAge, formatBytes, formatCount, formatLatency, formatMs, shortHash } from '../../src/ui/format'
import { NowProvider } from '../../src/ui/useNow'
import type { ViewState } from '../../src/ui/state'
import { applySettings, chainKey } from '../../src/ui/settings'
import { parseClientConfig, type ClientConfig } from '../../src/client/shared/config'

const NOW = 1_700_000_100_000
const h = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}` as `0x${string}`
const ROLLUP = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const PROPOSER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

const fixture: ClientSnapshot = {
  chain: { l2ChainId: 31_337_001, l1ChainId: 31337, rollup: ROLLUP },
  tips: {
    proposed: { height: 42, hash: h(0x42), timestamp: NOW - 3_000 },
    attested: { height: 40, hash: h(0x40), timestamp: NOW - 9_000 },
    mined: { height: 36, hash: h(0x36), timestamp: NOW - 125_000 },
    finalized: null,
  },
  latest: [
    {
      hash: h(0x42), height: 42, slot: 11, checkpointNumber: 10, indexInCheckpoint: 2, timestamp: NOW - 3_000, proposer: PROPOSER,
      parentHash: h(0x41), txCount: 7, status: 'proposed', checks: { proposerSignature: true, linkage: true, body: true },
      error: null, source: 'gossip', receivedAt: NOW - 2_500,
    },
    {
      hash: h(0x40), height: 40, slot: 10, checkpointNumber: 9, indexInCheckpoint: 3, timestamp: NOW - 9_000, proposer: PROPOSER,
      parentHash: h(0x39), txCount: 3, status: 'attested', checks: { proposerSignature: true, linkage: true, quorum: true },
      error: null, source: 'gossip', receivedAt: NOW - 8_000,
    },
    {
      hash: h(0x36), height: 36, slot: 9, checkpointNumber: 8, indexInCheckpoint: 0, timestamp: NOW - 125_000, proposer: PROPOSER,
      parentHash: h(0x35), txCount: 0, status: 'mined', checks: { proposerSignature: true, linkage: true, quorum: true, l1Inclusion: true },
      error: null, source: 'l1', receivedAt: NOW - 120_000,
    },
    {
      hash: h(0xaa), height: 37, slot: 9, checkpointNumber: 8, indexInCheckpoint: 1, timestamp: NOW - 120_000, proposer: PROPOSER,
      parentHash: h(0x36), txCount: 2, status: 'orphaned', checks: { proposerSignature: true },
      error: null, source: 'gossip', receivedAt: NOW - 119_000,
    },
    {
      hash: h(0xbb), height: 38, slot: 9, checkpointNumber: 8, indexInCheckpoint: 2, timestamp: NOW - 119_000, proposer: PROPOSER,
      parentHash: h(0xaa), txCount: 1, status: 'invalid', checks: { proposerSignature: false },
      error: { code: 'BAD_SIGNATURE', severity: 'hard', message: 'signature does not recover to the slot proposer' }, source: 'gossip', receivedAt: NOW - 118_500,
    },
  ],
  reorgs: [
    { id: 'r1', at: NOW - 60_000, depth: 2, fromHeight: 37, oldHashes: [h(0xaa), h(0xbb)], newHashes: [h(0x37)], cause: 'checkpoint-mismatch' },
  ],
  sources: {
    gossip: {
      name: 'gossip', kind: 'gossip', requests: 120, bytes: 1_572_864, failures: 0, rejected: 1, accepted: 119,
      latencyMs: { last: 3, avg: 4.2, max: 15 }, lastError: null, lastAt: NOW - 1_000,
    },
    l1: {
      name: 'l1', kind: 'l1', requests: 2_345, bytes: 524_288, failures: 2, rejected: 0, accepted: 30,
      latencyMs: { last: 12, avg: 18, max: 250 }, lastError: { code: 'SOURCE_TIMEOUT', severity: 'soft', message: 'eth_getLogs timed out' }, lastAt: NOW - 500,
    },
  },
  peers: [{ id: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', addrs: ['/ip4/127.0.0.1/tcp/40001/ws'], transport: 'websockets', direction: 'outbound' }],
  counts: { proposed: 6, attested: 4, mined: 26, finalized: 0, orphaned: 1, invalid: 1 },
  failures: [{ code: 'BAD_SIGNATURE', severity: 'hard', message: 'signature does not recover to the slot proposer', details: { height: 38 } }],
  l1: { head: 120, finalized: 118 },
  restoredFromStore: true,
  startedAt: NOW - 200_000,
  updatedAt: NOW - 1_000,
}

function render(state: ViewState): string {
  return renderToString(
    <NowProvider value={NOW}>
      <AppView state={state} />
    </NowProvider>,
  )
}

/** The opening tag (with attributes) of the element carrying data-testid=`id`, and what follows up to `len` chars. */
function around(html: string, id: string, len = 800): string {
  const i = html.indexOf(`data-testid="${id}"`)
  expect(i, `data-testid="${id}" in the HTML`).toBeGreaterThanOrEqual(0)
  return html.slice(html.lastIndexOf('<', i), i + len)
}

const count = (html: string, needle: string) => html.split(needle).length - 1

describe('live view (renderToString)', () => {
  const html = render({ kind: 'live', snapshot: fixture, problem: null })

  it('shows the four tips with heights, aliases, short hashes (full in title) and ages', () => {
    for (const s of ['proposed', 'attested', 'mined', 'finalized']) expect(html).toContain(`data-testid="tip-${s}"`)
    expect(around(html, 'tip-proposed-height', 40)).toMatch(/>42</)
    expect(around(html, 'tip-attested-height', 40)).toMatch(/>40</)
    expect(around(html, 'tip-mined-height', 40)).toMatch(/>36</)
    expect(around(html, 'tip-finalized-height', 40)).toMatch(/>–</)
    const proposed = around(html, 'tip-proposed', 1500)
    expect(proposed).toContain('unsafe · soft-confirmed')
    expect(proposed).toContain(`title="${h(0x42)}"`)
    expect(proposed).toContain('0x4242…4242')
    expect(proposed).toContain('3 s ago')
    expect(around(html, 'tip-mined', 1500)).toContain('safe · hard-confirmed')
    expect(around(html, 'tip-mined', 1500)).toContain('2 min ago')
    expect(around(html, 'tip-finalized', 600)).toContain('none yet')
  })

  it('marks the tips region restored, polite and live', () => {
    const tips = around(html, 'tips', 400)
    expect(tips).toContain('data-restored="true"')
    expect(html).toContain('data-testid="restored-badge"')
    expect(html).toMatch(/class="tip-grid" aria-live="polite"/)
    const fresh = render({ kind: 'live', snapshot: { ...fixture, restoredFromStore: false }, problem: null })
    expect(around(fresh, 'tips', 400)).toContain('data-restored="false"')
    expect(fresh).not.toContain('data-testid="restored-badge"')
  })

  it('lists the latest blocks with a status per row, checks and the error code of an invalid one', () => {
    expect(count(html, 'data-testid="block-row"')).toBe(fixture.latest.length)
    for (const status of ['proposed', 'attested', 'mined', 'orphaned', 'invalid']) expect(html).toContain(`data-status="${status}"`)
    const invalid = html.slice(html.indexOf('data-status="invalid"'), html.indexOf('data-status="invalid"') + 3000)
    expect(invalid).toContain('class="pill pill-invalid" title="BAD_SIGNATURE: signature does not recover to the slot proposer"')
    expect(invalid).toMatch(/data-check="proposerSignature" data-state="fail"/)
    expect(invalid).toMatch(/data-check="quorum" data-state="none"/)
    const mined = html.slice(html.indexOf('data-status="mined"'), html.indexOf('data-status="mined"') + 3000)
    expect(mined).toMatch(/data-check="l1Inclusion" data-state="pass"/)
    expect(mined).toContain('>l1<')
    expect(html).toContain('<th scope="col" class="num">Height</th>')
  })

  it('shows the reorg with depth, height, old and new hashes and cause', () => {
    const reorg = around(html, 'reorg-row', 3000)
    expect(reorg).toContain('data-depth="2"')
    expect(reorg).toContain('depth <!-- -->2<!-- --> from height <!-- -->37')
    expect(reorg).toContain('checkpoint on L1 differs from gossip')
    expect(reorg).toContain(`title="${h(0xaa)}"`)
    expect(reorg).toContain(`title="${h(0x37)}"`)
    expect(reorg).toContain('1 min ago')
  })

  it('shows one row per source with human-readable bytes, latency and the last error code', () => {
    const gossip = around(html, 'source-row-gossip', 2500)
    expect(gossip).toContain('1.5 MiB')
    expect(gossip).toContain('3 / 4 / 15 ms')
    const l1 = around(html, 'source-row-l1', 2500)
    expect(l1).toContain('2,345')
    expect(l1).toContain('512 KiB')
    expect(l1).toContain('SOURCE_TIMEOUT')
  })

  it('shows chain info, peers, counts and failures', () => {
    expect(around(html, 'l2-chain-id', 60)).toContain('>31337001<')
    expect(around(html, 'l1-chain-id', 60)).toContain('>31337<')
    expect(around(html, 'l1-head', 60)).toContain('>120<')
    expect(around(html, 'l1-finalized', 60)).toContain('>118<')
    expect(html).toContain(`title="${ROLLUP}"`)
    expect(count(html, 'data-testid="peer-row"')).toBe(1)
    expect(around(html, 'count-mined', 40)).toContain('>26<')
    expect(around(html, 'failure-row', 200)).toContain('data-code="BAD_SIGNATURE"')
  })

  it('renders empty states without crashing', () => {
    const empty = render({
      kind: 'live',
      problem: null,
      snapshot: { ...fixture, tips: { proposed: null, attested: null, mined: null, finalized: null }, latest: [], reorgs: [], sources: {}, peers: [], failures: [], restoredFromStore: false },
    })
    expect(empty).toContain('No blocks yet')
    expect(empty).toContain('No reorgs seen.')
    expect(empty).toContain('No peers connected.')
    expect(count(empty, 'data-testid="block-row"')).toBe(0)
  })

  it('shows a worker error after start as a banner over the (stale) data', () => {
    const problem = { code: 'INTERNAL', severity: 'hard', message: 'the light client worker crashed: boom', details: { stage: 'worker' } } as const
    const withProblem = render({ kind: 'live', snapshot: fixture, problem })
    expect(around(withProblem, 'worker-error', 400)).toContain('The light client worker crashed')
    expect(withProblem).toContain('data-testid="tip-proposed"')
  })
})

describe('how this run started (history sync section)', () => {
  const sync = {
    state: 'syncing' as const, base: 40, target: 42, pending: 0, headersFetched: 30, headersAccepted: 30, headersKnown: 0, headersIgnored: 0,
    pendingRetries: 0, pendingResolved: 0, pendingExpired: 0, walkBacks: 0, unavailableBelow: null, lastFill: null,
  }
  it('says which snapshot was imported, how much and how fast', () => {
    const html = render({ kind: 'live', snapshot: { ...fixture, snapshotStart: { name: 'snapshot-00000004.bin', blocks: 16, checkpoints: 4, height: 16, ms: 1159 } }, problem: null })
    const p = around(html, 'snapshot-start', 600)
    expect(p).toContain('data-height="16"')
    expect(p).toContain('snapshot-00000004.bin')
    expect(p).toMatch(/16<!-- --> blocks in <!-- -->4<!-- --> checkpoints up to\s+height <!-- -->16/)
    expect(count(render({ kind: 'live', snapshot: fixture, problem: null }), 'data-testid="snapshot-start"')).toBe(0)
  })
  it('says where history starts with a trusted header, and whether it was found', () => {
    for (const [state, text] of [['anchored', 'found on 12D3KooWQYhT'], ['searching', 'asking peers'], ['unavailable', 'no peer has served it yet'], ['conflict', 'L1 mined another block at that height']] as const) {
      const trusted = { height: 30, hash: h(0x30), state, peer: state === 'anchored' ? '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo' : null }
      const p = around(render({ kind: 'live', snapshot: { ...fixture, sync: { ...sync, trusted } }, problem: null }), 'trusted-start', 600)
      expect(p).toContain(`data-state="${state}"`)
      expect(p).toContain(text)
    }
  })
})

describe('settings applied to the chain config', () => {
  const config: ClientConfig = parseClientConfig({
    l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:8545'], rollup: ROLLUP, deployBlock: 0 }, bootstrap: [], mode: 'light',
  })
  it('a trusted header "height:0xhash" becomes config.trustedHeader (lower-cased), and validates', () => {
    const out = applySettings(config, { chains: { [chainKey(config)]: { trustedHeader: ` 120:${h(0xab).toUpperCase().replace('0X', '0x')} ` } } })
    expect(out.trustedHeader).toEqual({ height: 120, hash: h(0xab) })
    expect(parseClientConfig(out).trustedHeader).toEqual({ height: 120, hash: h(0xab) })
    expect(applySettings(config, {}).trustedHeader).toBeUndefined()
  })
  it('a malformed one is named by the config check (what the Settings page shows), not silently dropped', () => {
    for (const bad of ['120', 'abc:0x12', `0:${h(1)}`, '5:0x1234']) {
      const out = applySettings(config, { chains: { [chainKey(config)]: { trustedHeader: bad } } })
      expect(() => parseClientConfig(out), bad).toThrow(/trustedHeader/)
    }
  })
})

describe('loading and error states', () => {
  it('loading says what it is doing', () => {
    expect(render({ kind: 'loading', step: 'config' })).toContain('data-testid="loading-state"')
    expect(render({ kind: 'loading', step: 'worker' })).toContain('restoring tips')
  })

  it('devnet not running: coded error and the command to run', () => {
    const html = render({
      kind: 'error',
      error: { code: 'NOT_FOUND', severity: 'hard', message: 'the local devnet is not running: /devnet.json answered 404', details: { stage: 'config', devnet: true, url: 'http://127.0.0.1:5173/devnet.json', hint: 'Start the devnet with `npm run devnet`, then reload this page.' } },
    })
    const err = around(html, 'error-state', 2000)
    expect(err).toContain('data-code="NOT_FOUND"')
    expect(err).toContain('role="alert"')
    expect(err).toContain('The local devnet is not running')
    expect(err).toContain('<code>npm run devnet</code>')
  })

  it('an error without a hint still says what to do', () => {
    const html = render({ kind: 'error', error: { code: 'INTERNAL', severity: 'hard', message: 'boom', details: { stage: 'start' } } })
    expect(html).toContain('The light client could not start')
    expect(around(html, 'error-hint', 200)).toContain('Reload the page')
  })
})

describe('format helpers', () => {
  it('formatAge', () => {
    expect(formatAge(NOW, NOW)).toBe('now')
    expect(formatAge(NOW - 999, NOW)).toBe('now')
    expect(formatAge(NOW - 3_000, NOW)).toBe('3 s ago')
    expect(formatAge(NOW - 59_999, NOW)).toBe('59 s ago')
    expect(formatAge(NOW - 60_000, NOW)).toBe('1 min ago')
    expect(formatAge(NOW - 3_600_000, NOW)).toBe('1 h ago')
    expect(formatAge(NOW - 3 * 86_400_000, NOW)).toBe('3 d ago')
    expect(formatAge(NOW + 2_000, NOW)).toBe('in 2 s')
    expect(formatAge(null, NOW)).toBe('–')
  })
  it('formatBytes', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1 KiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(131_072)).toBe('128 KiB')
    expect(formatBytes(1_572_864)).toBe('1.5 MiB')
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB')
    expect(formatBytes(-1)).toBe('–')
  })
  it('shortHash', () => {
    expect(shortHash(h(0xab))).toBe('0xabab…abab')
    expect(shortHash('0x1234567890', 2, 2)).toBe('0x12…90')
    expect(shortHash('0x1234')).toBe('0x1234')
    expect(shortHash(null)).toBe('–')
  })
  it('counts, durations and latency', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(null)).toBe('–')
    expect(formatMs(12.4)).toBe('12 ms')
    expect(formatMs(1500)).toBe('1.5 s')
    expect(formatLatency({ last: 3, avg: 4.2, max: 15 })).toBe('3 / 4 / 15 ms')
    expect(formatLatency({ last: null, avg: null, max: null })).toBe('–')
    expect(formatLatency({ last: 900, avg: 1200, max: 4000 })).toBe('900 ms / 1.2 s / 4.0 s')
  })
})
