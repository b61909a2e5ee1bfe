/**
 * LightClientAnchor (src/sources/l1-anchor-lc.ts) over real HTTP: a node:http server on
 * 127.0.0.1 serves the real mainnet light-client data of ../shared/vectors/helios/consensus on
 * the four Beacon API routes (bootstrap by root, updates honouring start_period/count, the
 * finality update, and an optimistic update = the finality update's attested header and
 * aggregate). The clock is the vectors' time (one slot after the finality update's signature
 * slot). Checked: the anchor reaches execution block 17923026; the next round asks only what is
 * new; a flipped signature byte, a wrong bootstrap, a bad answer, a server that is down, hangs
 * or withholds are each a coded error in view() and the stats, never a head; the force update
 * after a period without finality; abort.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import type { DisagreementSink } from '../../src/ports/anchor'
import { LightClientAnchor, beaconLcName, type LightClientAnchorOptions } from '../../src/sources/l1-anchor-lc'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { MAINNET, SECONDS_PER_SLOT, SLOTS_PER_PERIOD, periodAtSlot } from '../../src/verify/lightclient'

const DIR = join(__dirname, '../../../shared/vectors/helios/consensus')
const CHECKPOINT = '0x5afc212a7924789b2bc86acad3ab3a6ffb1f6e97253ea50bee7f4f51422c9275' as Hex
type J = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
const json = (f: string): J => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as J
const BOOTSTRAP = json('bootstrap.json')
const UPDATES = json('updates.json') as unknown as J[]
const FINALITY = json('finality.json')
const OPTIMISTIC = {
  version: FINALITY.version,
  data: { attested_header: FINALITY.data.attested_header, sync_aggregate: FINALITY.data.sync_aggregate, signature_slot: FINALITY.data.signature_slot },
}
const FIN_EXEC = FINALITY.data.finalized_header.execution
const OPT_EXEC = FINALITY.data.attested_header.execution
const SIG_SLOT = Number(FINALITY.data.signature_slot)
/** One slot after the finality update was signed (ms). */
const NOW = (MAINNET.genesisTime + (SIG_SLOT + 1) * SECONDS_PER_SLOT) * 1000
const bitsOf = (hex: string): number => [...Buffer.from(hex.slice(2), 'hex')].reduce((n, b) => n + b.toString(2).replaceAll('0', '').length, 0)
const FIN_PARTICIPANTS = bitsOf(FINALITY.data.sync_aggregate.sync_committee_bits)

interface Behaviour {
  /** Flip byte 10 of the signature of this update (index into updates.json). */
  flipUpdate?: number
  /** Serve the vectors' bootstrap for any root (a node lying about the checkpoint). */
  bootstrapAnyRoot?: boolean
  /** Serve updates only for periods below this one. */
  periodsBelow?: number
  /** 404 on the finality update. */
  noFinality?: boolean
  /** Answers: the standard envelopes, or `{ data: [...] }` for updates and bare objects elsewhere. */
  format?: 'standard' | 'bare'
  /** Never answer the bootstrap (the request is received, no response). */
  hangBootstrap?: boolean
  /** The finality update's body is not JSON. */
  garbageFinality?: boolean
}

interface Beacon {
  url: string
  server: Server
  requests: string[]
  behaviour: Behaviour
  /** Resolves on the next request received. */
  nextRequest(): Promise<IncomingMessage>
  stop(): Promise<void>
}

const started: Beacon[] = []

async function startBeacon(behaviour: Behaviour = {}): Promise<Beacon> {
  const requests: string[] = []
  const waiting: ((r: IncomingMessage) => void)[] = []
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text)
  }
  const bare = (x: J) => (b.behaviour.format === 'bare' ? x.data : x)
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    requests.push(`${u.pathname.replace('/eth/v1/beacon/light_client', '')}${u.search}`)
    for (const w of waiting.splice(0)) w(req)
    const be = b.behaviour
    const boot = u.pathname.match(/^\/eth\/v1\/beacon\/light_client\/bootstrap\/(0x[0-9a-fA-F]{64})$/)
    if (boot) {
      if (be.hangBootstrap) return
      if (boot[1]!.toLowerCase() !== CHECKPOINT && !be.bootstrapAnyRoot) return send(res, 404, { code: 404, message: 'LC bootstrap unavailable' })
      return send(res, 200, bare(BOOTSTRAP))
    }
    if (u.pathname === '/eth/v1/beacon/light_client/updates') {
      const start = Number(u.searchParams.get('start_period'))
      const count = Number(u.searchParams.get('count'))
      if (!Number.isInteger(start) || !Number.isInteger(count) || count < 1 || count > 128) return send(res, 400, { code: 400, message: 'bad start_period/count' })
      const list = UPDATES.map((x, i) => {
        if (i !== be.flipUpdate) return x
        const c = structuredClone(x)
        const sig: string = c.data.sync_aggregate.sync_committee_signature
        const at = 2 + 2 * 10
        c.data.sync_aggregate.sync_committee_signature = sig.slice(0, at) + (parseInt(sig.slice(at, at + 2), 16) ^ 0x01).toString(16).padStart(2, '0') + sig.slice(at + 2)
        return c
      }).filter((x) => {
        const p = periodAtSlot(Number(x.data.attested_header.beacon.slot))
        return p >= start && p < start + count && p < (be.periodsBelow ?? Infinity)
      })
      return send(res, 200, be.format === 'bare' ? { data: list.map((x) => x.data) } : list)
    }
    if (u.pathname === '/eth/v1/beacon/light_client/finality_update') {
      if (be.noFinality) return send(res, 404, { code: 404, message: 'no finality update yet' })
      if (be.garbageFinality) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": {"attested_header"')
      return send(res, 200, bare(FINALITY))
    }
    if (u.pathname === '/eth/v1/beacon/light_client/optimistic_update') return send(res, 200, bare(OPTIMISTIC))
    send(res, 404, { code: 404, message: 'no such route' })
  })
  // BLS checks run in this thread between requests: a keep-alive socket the server closed meanwhile would fail the next fetch
  server.keepAliveTimeout = 120_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const b: Beacon = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    requests,
    behaviour,
    nextRequest: () => new Promise((r) => waiting.push(r)),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
  started.push(b)
  return b
}

afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()))
})

function anchorFor(url: string, extra: Partial<LightClientAnchorOptions> = {}): LightClientAnchor {
  return new LightClientAnchor({ url, checkpoint: CHECKPOINT, network: 'mainnet', now: () => NOW, timeoutMs: 5_000, ...extra })
}

type Evidence = Parameters<DisagreementSink>[0]

describe('LightClientAnchor against a beacon node serving real mainnet light-client data', () => {
  it('bootstraps, follows periods 862-867, the optimistic and finality updates: execution block 17923026', async () => {
    const b = await startBeacon()
    const anchor = anchorFor(b.url)
    expect(anchor.kind).toBe('light-client')
    expect(anchor.view().state).toBe('starting')
    expect(anchor.heads()).toEqual({ latest: null, finalized: null })

    const heads = await anchor.update()
    expect(b.requests).toEqual([`/bootstrap/${CHECKPOINT}`, '/updates?start_period=862&count=6', '/optimistic_update', '/finality_update'])
    expect(heads.finalized).toEqual({
      number: 17923026,
      hash: FIN_EXEC.block_hash,
      stateRoot: FIN_EXEC.state_root,
      receiptsRoot: FIN_EXEC.receipts_root,
      timestamp: Number(FIN_EXEC.timestamp),
      anchor: 'light-client',
      basis: `sync committee, period 867, ${FIN_PARTICIPANTS} of 512 signed; beacon slot 7109344`,
    })
    expect(heads.finalized!.hash).toBe('0xbc8499537876e5406c7a65e25f99063f1cd85a17014a3aa5ade38271b1fbf64f')
    expect(heads.latest).toMatchObject({ number: Number(OPT_EXEC.block_number), hash: OPT_EXEC.block_hash, stateRoot: OPT_EXEC.state_root, anchor: 'light-client' })
    expect(heads.latest!.number).toBe(17923112)
    expect(anchor.heads()).toEqual(heads)

    const v = anchor.view()
    expect(v.state).toBe('synced')
    expect(v.error).toBeNull()
    expect(v.updatedAt).toBe(NOW)
    expect(v.lightClient).toEqual({ url: b.url, checkpoint: CHECKPOINT, period: 867, participants: FIN_PARTICIPANTS, committeeSize: 512, finalizedSlot: 7109344, optimisticSlot: 7109430 })
    expect(v.summary).toContain('period 867')
    expect(v.summary).toContain('L1 block 17923026')

    // every request counted; 1 bootstrap + 6 updates + optimistic + finality accepted
    const st = anchor.stats.snapshot()
    expect(st.name).toBe(beaconLcName(b.url))
    expect(st.name).toBe(`beacon-lc:127.0.0.1:${new URL(b.url).port}`)
    expect(st.kind).toBe('beacon')
    expect(st).toMatchObject({ requests: 4, failures: 0, accepted: 9, rejected: 0 })
    expect(st.bytes).toBeGreaterThan(400_000)

    // the next round asks only what is new: no bootstrap, no updates (period 867's next committee is known), nothing re-verified
    b.requests.length = 0
    expect(await anchor.update()).toEqual(heads)
    expect(b.requests).toEqual(['/optimistic_update', '/finality_update'])
    expect(anchor.stats.snapshot()).toMatchObject({ requests: 6, accepted: 9 })
    expect(anchor.view().state).toBe('synced')
    await b.stop()
  })

  it('accepts `{ data: [...] }` updates and bare objects as well as the standard envelopes', async () => {
    const b = await startBeacon({ format: 'bare' })
    const heads = await anchorFor(b.url).update()
    expect(heads.finalized!.number).toBe(17923026)
    expect(heads.finalized!.hash).toBe(FIN_EXEC.block_hash)
    await b.stop()
  })

  it('a clock a period ahead with nothing newer served: asks period 868, keeps its heads, says it is stalled (soft)', async () => {
    const b = await startBeacon()
    let now = NOW
    const anchor = anchorFor(b.url, { now: () => now })
    const heads = await anchor.update()
    now += SLOTS_PER_PERIOD * SECONDS_PER_SLOT * 1000
    b.requests.length = 0
    expect(await anchor.update()).toEqual(heads)
    expect(b.requests).toEqual(['/updates?start_period=868&count=1', '/optimistic_update', '/finality_update'])
    const v = anchor.view()
    expect(v.state).toBe('stalled')
    expect(v.error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', severity: 'soft' })
    expect(v.error!.message).toContain('slot 7109430')
    await b.stop()
  })

  it('one flipped signature byte in update 3: LC_BAD_SIGNATURE, evidence, and the store stays at update 2', async () => {
    const b = await startBeacon({ flipUpdate: 3 })
    const evidence: Evidence[] = []
    const anchor = anchorFor(b.url, { onDisagreement: (d) => evidence.push(d) })
    const heads = await anchor.update()
    const u2 = UPDATES[2]!.data
    expect(heads.finalized).toMatchObject({ number: Number(u2.finalized_header.execution.block_number), hash: u2.finalized_header.execution.block_hash })
    expect(heads.latest).toMatchObject({ number: Number(u2.attested_header.execution.block_number), hash: u2.attested_header.execution.block_hash })
    const v = anchor.view()
    expect(v.state).toBe('stalled')
    expect(v.error).toMatchObject({ code: 'LC_BAD_SIGNATURE', severity: 'hard' })
    expect(v.error!.details).toMatchObject({ source: anchor.name, attestedSlot: Number(UPDATES[3]!.data.attested_header.beacon.slot) })
    expect(v.lightClient).toMatchObject({ period: 864, finalizedSlot: Number(u2.finalized_header.beacon.slot) })
    expect(evidence).toHaveLength(1)
    expect(evidence[0]).toMatchObject({ rpc: anchor.name, url: b.url, what: 'finalized', code: 'LC_BAD_SIGNATURE', l1Block: Number(UPDATES[3]!.data.finalized_header.execution.block_number) })
    // updates 0-2 and the bootstrap accepted; update 3 rejected, then the optimistic and finality updates (period 867: unreachable from 864)
    const st = anchor.stats.snapshot()
    expect(st).toMatchObject({ requests: 4, failures: 0, accepted: 4, rejected: 3 })
    expect(st.lastError?.code).toBe('LC_WRONG_PERIOD')

    // the next round asks from period 865 (update 2 brought its committee) and is refused again
    b.requests.length = 0
    expect(await anchor.update()).toEqual(heads)
    expect(b.requests[0]).toBe('/updates?start_period=865&count=3')
    expect(anchor.view().error?.code).toBe('LC_BAD_SIGNATURE')
    // an honest answer afterwards: the anchor catches up from where it stopped
    b.behaviour.flipUpdate = undefined
    b.requests.length = 0
    expect((await anchor.update()).finalized!.number).toBe(17923026)
    expect(b.requests).toEqual(['/updates?start_period=865&count=3', '/optimistic_update', '/finality_update'])
    expect(anchor.view()).toMatchObject({ state: 'synced', error: null })
    await b.stop()
  })

  it('a bootstrap that does not hash to the checkpoint: LC_BOOTSTRAP_MISMATCH, no heads; an honest node without it: soft SOURCE_BAD_RESPONSE', async () => {
    const other = `0x${'11'.repeat(32)}` as Hex
    const liar = await startBeacon({ bootstrapAnyRoot: true })
    const evidence: Evidence[] = []
    const anchor = anchorFor(liar.url, { checkpoint: other, onDisagreement: (d) => evidence.push(d) })
    expect(await anchor.update()).toEqual({ latest: null, finalized: null })
    expect(liar.requests).toEqual([`/bootstrap/${other}`])
    const v = anchor.view()
    expect(v.state).toBe('stalled')
    expect(v.error).toMatchObject({ code: 'LC_BOOTSTRAP_MISMATCH', severity: 'hard' })
    expect(v.error!.details).toMatchObject({ got: CHECKPOINT, expected: other })
    expect(v.lightClient).toMatchObject({ checkpoint: other, period: 0, finalizedSlot: 0 })
    expect(evidence.map((e) => e.code)).toEqual(['LC_BOOTSTRAP_MISMATCH'])
    expect(anchor.stats.snapshot()).toMatchObject({ requests: 1, rejected: 1, accepted: 0 })

    const honest = await startBeacon()
    const a2 = anchorFor(honest.url, { checkpoint: other })
    await a2.update()
    expect(a2.view().error).toMatchObject({ code: 'SOURCE_BAD_RESPONSE', severity: 'soft' })
    expect(a2.view().error!.message).toContain(`${honest.url}/eth/v1/beacon/light_client/bootstrap/${other}`)
    expect(a2.heads().finalized).toBeNull()
    await liar.stop()
    await honest.stop()
  })

  it('a server that is down: SOURCE_UNAVAILABLE naming the URL, stalled, one failed request counted', async () => {
    const b = await startBeacon()
    const url = b.url
    await b.stop()
    const anchor = anchorFor(url)
    expect(await anchor.update()).toEqual({ latest: null, finalized: null })
    const v = anchor.view()
    expect(v.state).toBe('stalled')
    expect(v.error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', severity: 'soft' })
    expect(v.error!.details?.url).toBe(`${url}/eth/v1/beacon/light_client/bootstrap/${CHECKPOINT}`)
    expect(v.summary).toContain('not bootstrapped')
    expect(anchor.stats.snapshot()).toMatchObject({ requests: 1, failures: 1 })
  })

  it('a finality update that is not JSON: SOURCE_BAD_RESPONSE (soft), the verified optimistic head kept', async () => {
    const b = await startBeacon({ garbageFinality: true })
    const anchor = anchorFor(b.url)
    const heads = await anchor.update()
    expect(heads.latest!.number).toBe(17923112)
    expect(heads.finalized!.number).toBe(Number(UPDATES[5]!.data.finalized_header.execution.block_number))
    expect(anchor.view().error).toMatchObject({ code: 'SOURCE_BAD_RESPONSE', severity: 'soft' })
    expect(anchor.stats.snapshot()).toMatchObject({ requests: 4, failures: 1 })
    await b.stop()
  })

  it('no finality for a period: the best valid update (the optimistic one) is forced in, and the basis says so', async () => {
    // updates of periods 862-866 only, no finality update: the store's finalized slot stays in period 866,
    // more than UPDATE_TIMEOUT slots before the clock
    const b = await startBeacon({ periodsBelow: 867, noFinality: true })
    const anchor = anchorFor(b.url)
    const heads = await anchor.update()
    expect(b.requests).toEqual([`/bootstrap/${CHECKPOINT}`, '/updates?start_period=862&count=6', '/optimistic_update', '/finality_update'])
    expect(heads.finalized).toMatchObject({ number: 17923112, hash: OPT_EXEC.block_hash })
    expect(heads.finalized!.basis).toMatch(/^forced after 8192 slots without finality: sync committee, period 867, \d+ of 512 signed/)
    expect(anchor.view()).toMatchObject({ state: 'synced', error: null })
    expect(anchor.view().lightClient).toMatchObject({ period: 867, finalizedSlot: 7109430, optimisticSlot: 7109430 })
    await b.stop()
  })

  it('aborts: an aborted signal rejects at once; an abort during a request rejects with ABORTED, not counted as a failure', async () => {
    const b = await startBeacon({ hangBootstrap: true })
    const anchor = anchorFor(b.url)
    await expect(anchor.update({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' })
    const ac = new AbortController()
    const received = b.nextRequest()
    const p = anchor.update({ signal: ac.signal })
    await received
    ac.abort()
    const err = await p.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(VigilError)
    expect((err as VigilError).code).toBe('ABORTED')
    expect(anchor.stats.snapshot().failures).toBe(0)
    // the owner's signal stops every later round too
    const owner = new AbortController()
    const a2 = anchorFor(b.url, { signal: owner.signal })
    owner.abort()
    await expect(a2.update()).rejects.toMatchObject({ code: 'ABORTED' })
    await b.stop()
  })

  it('a node that never answers: SOURCE_TIMEOUT after timeoutMs', async () => {
    const b = await startBeacon({ hangBootstrap: true })
    const anchor = anchorFor(b.url, { timeoutMs: 300 })
    await anchor.update()
    expect(anchor.view().error).toMatchObject({ code: 'SOURCE_TIMEOUT', severity: 'soft' })
    expect(anchor.stats.snapshot()).toMatchObject({ requests: 1, failures: 1 })
    await b.stop()
  })

  it('rejects a bad configuration at construction', () => {
    expect(() => anchorFor('ftp://x')).toThrow(VigilError)
    expect(() => anchorFor('http://127.0.0.1:1', { checkpoint: '0x1234' as Hex })).toThrow(/checkpoint/)
    expect(() => anchorFor('http://127.0.0.1:1', { network: 'holesky' as 'mainnet' })).toThrow(/network/)
  })

  it('outranks the RPC quorum: ProvenL1 checks proofs against its head while the quorum cannot agree', async () => {
    const b = await startBeacon()
    const l1 = createProvenL1({ rollup: '0x00000000000000000000000000000000000000aa', rpcUrls: ['http://127.0.0.1:9'], before: [anchorFor(b.url)] })
    const tip = await l1.refresh()
    expect(tip).toMatchObject({ anchor: 'light-client', number: Number(OPT_EXEC.block_number), hash: OPT_EXEC.block_hash })
    const view = l1.trustView()
    expect(view.active).toBe('light-client')
    expect(view.anchors[0]!.error).toBeNull()
    expect(view.anchors.map((a) => [a.kind, a.state])).toEqual([
      ['light-client', 'synced'],
      ['rpc-quorum', 'stalled'],
    ])
    expect(await l1.block('finalized')).toMatchObject({ number: Number(FIN_EXEC.block_number), hash: FIN_EXEC.block_hash, anchor: 'light-client' })
    await b.stop()
  }, 60_000)
})
