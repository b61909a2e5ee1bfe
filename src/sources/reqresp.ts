/**
 * The req/resp source: status, headers by range and bodies by hash from libp2p peers
 * (src/p2p/protocols), with a peer book (src/sources/reqresp-peers.ts) that knows what each
 * peer announced and how well it served.
 *
 * - Status is pulled: asked of every peer that speaks the protocol as soon as identify
 *   completes, then every `statusIntervalMs` (default 5 s). A peer that never answers is
 *   never asked for data.
 * - A request goes only to a peer that announced the range; on failure the next best peer
 *   is tried (up to `attempts`), so one bad or slow peer costs one attempt, not the sync.
 * - Every request is counted in `stats` (name `reqresp`: requests, bytes, latency,
 *   failures); verdicts on what it delivered are counted by the sync engine
 *   (`engine.registerSource(source.stats)`, data fed with source = 'reqresp').
 * - Bodies come back unverified: the caller feeds each to `engine.onBody(hash, bytes, 'reqresp')`.
 */
import type { IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'
import { VigilError, isVigilError } from '../core/errors'
import type { AbortOptions, Hex } from '../core/types'
import { silentLogger, type Logger } from '../core/logger'
import type { PeerReqRespInfo } from '../core/records'
import type { SignedHeader } from '../protocol/signed-header'
import { statusProtocol, requestStatus } from '../p2p/protocols/status'
import { MAX_HEADERS_PER_REQUEST, requestHeadersByRange } from '../p2p/protocols/headers-by-range'
import { MAX_BODIES_PER_REQUEST, requestBodiesByHash } from '../p2p/protocols/bodies-by-hash'
import type { ChainStatus } from '../p2p/protocols/common'
import { PeerBook, type Need } from './reqresp-peers'
import { StatsRecorder } from './stats'
import type { HeaderExchange } from '../ports/exchange'

export const REQRESP_SOURCE = 'reqresp'
export const DEFAULT_STATUS_INTERVAL_MS = 5_000

export interface ReqRespSourceOptions {
  l2ChainId: number
  /** How often every peer's status is asked again. Default 5 s. */
  statusIntervalMs?: number
  /** Peers tried per request before giving up. Default 3. */
  attempts?: number
  /** Per-request deadlines (ms); defaults from the protocol files. */
  timeouts?: { status?: number; headers?: number; bodies?: number }
  logger?: Logger
  now?: () => number
}

export interface BodyRef {
  hash: Hex
  height: number
}

export class ReqRespSource implements HeaderExchange {
  readonly name = REQRESP_SOURCE
  readonly stats = new StatsRecorder(REQRESP_SOURCE, 'reqresp')
  readonly book: PeerBook
  private node: Libp2p | null = null
  private readonly peerIds = new Map<string, PeerId>()
  private readonly listeners = new Set<(peer: string, status: ChainStatus) => void>()
  private abort: AbortController | null = null
  private timer: ReturnType<typeof setInterval> | null = null
  private readonly log: Logger
  private readonly statusProto: string

  constructor(private readonly opts: ReqRespSourceOptions) {
    this.book = new PeerBook(opts.now)
    this.log = opts.logger ?? silentLogger
    this.statusProto = statusProtocol(opts.l2ChainId)
  }

  // ---------------------------------------------------------------- lifecycle and status

  /** Starts tracking `node`'s peers: status on identify, then every statusIntervalMs. */
  attach(node: Libp2p): void {
    if (this.node) this.detach()
    this.node = node
    this.abort = new AbortController()
    node.addEventListener('peer:identify', this.onIdentify)
    node.addEventListener('peer:disconnect', this.onDisconnect)
    void this.scanConnected()
    this.timer = setInterval(() => void this.refreshAll(), this.opts.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS)
  }

  detach(): void {
    this.abort?.abort()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.node?.removeEventListener('peer:identify', this.onIdentify)
    this.node?.removeEventListener('peer:disconnect', this.onDisconnect)
    this.node = null
  }

  /** Calls `fn` whenever a peer's status arrives; returns the unsubscribe function. */
  onStatus(fn: (peer: string, status: ChainStatus) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>) => {
    if (evt.detail.protocols.includes(this.statusProto)) void this.refreshStatus(evt.detail.peerId)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => {
    const id = evt.detail.toString()
    this.book.remove(id)
    this.peerIds.delete(id)
  }

  /** Peers already connected (and identified) when we attached. */
  private async scanConnected(): Promise<void> {
    const node = this.node
    if (!node) return
    for (const peer of node.getPeers()) {
      try {
        const p = await node.peerStore.get(peer)
        if (p.protocols.includes(this.statusProto)) void this.refreshStatus(peer)
      } catch {
        // not in the peer store yet: identify will tell us
      }
    }
  }

  /** Asks every tracked peer for its status again. */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.peerIds.values()].map((p) => this.refreshStatus(p)))
  }

  /** Asks one peer for its status and records it. */
  async refreshStatus(peer: PeerId): Promise<ChainStatus | null> {
    const node = this.node
    const signal = this.abort?.signal
    if (!node || !signal || signal.aborted) return null
    const id = peer.toString()
    const t0 = performance.now()
    try {
      const s = await requestStatus(node, peer, this.opts.l2ChainId, { signal, ...(this.opts.timeouts?.status ? { timeoutMs: this.opts.timeouts.status } : {}) })
      this.stats.success(58, performance.now() - t0)
      if (signal.aborted) return null
      this.peerIds.set(id, peer)
      this.book.setStatus(id, s)
      for (const fn of this.listeners) fn(id, s)
      return s
    } catch (e) {
      if (signal.aborted) return null
      this.stats.failure(e, performance.now() - t0)
      this.log(`status from ${id} failed`, e)
      // a peer that stops answering status keeps its last announcement until it disconnects
      return null
    }
  }

  // ---------------------------------------------------------------- views

  /** Highest head any peer announced. */
  networkHead(): { height: number; hash: Hex; peer: string } | null {
    return this.book.head()
  }

  /** Lowest height ≥ `from` whose header some peer serves (null: no peer reaches `from`). */
  earliestAvailable(from: number): number | null {
    return this.book.earliestHeaderFrom(from)
  }

  peerInfo(id: string): PeerReqRespInfo | undefined {
    return this.book.info(id)
  }

  // ---------------------------------------------------------------- requests

  /**
   * `count` (≤ 64) headers from `from`, from the best peer that announced `from`; on failure
   * the next best (up to `attempts`). The answer is checked (consecutive from `from`, same
   * chain, parent-linked) but not verified: feed it to the engine. It may be partial.
   * Throws NO_PEER_FOR_RANGE (soft) when no peer announced `from`.
   */
  async headersByRange(from: number, count: number, opts: AbortOptions = {}): Promise<{ peer: string; headers: SignedHeader[] }> {
    const node = this.requireNode()
    const want = Math.min(count, MAX_HEADERS_PER_REQUEST)
    const need: Need = { kind: 'headers', from, to: from + want - 1 }
    const tried = new Set<string>()
    let lastError: unknown = null
    for (let attempt = 0; attempt < (this.opts.attempts ?? 3); attempt++) {
      opts.signal?.throwIfAborted()
      const id = this.book.pick(need, tried)
      if (!id) break
      tried.add(id)
      const n = Math.min(want, this.book.status(id)!.latest - from + 1)
      this.book.begin(id)
      const t0 = performance.now()
      try {
        const { headers, bytes } = await requestHeadersByRange(node, this.peerIds.get(id)!, this.opts.l2ChainId, { from, count: n }, {
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(this.opts.timeouts?.headers ? { timeoutMs: this.opts.timeouts.headers } : {}),
        })
        const ms = performance.now() - t0
        if (headers.length === 0) {
          const e = new VigilError('SOURCE_UNAVAILABLE', `peer ${id} announced height ${from} but sent no headers`, { severity: 'soft', details: { peer: id, from } })
          this.stats.failure(e, ms)
          this.book.failure(id, e, 'soft')
          lastError = e
          continue
        }
        this.stats.success(bytes, ms)
        this.book.success(id, headers.length, bytes, ms)
        return { peer: id, headers }
      } catch (e) {
        if (opts.signal?.aborted) {
          this.book.cancel(id) // our own cancellation says nothing about the peer
          throw e
        }
        this.stats.failure(e, performance.now() - t0)
        this.book.failure(id, e, failureKind(e))
        this.log(`headers ${from}+${n} from ${id} failed`, e)
        lastError = e
      }
    }
    if (!this.book.anyCovers(need)) throw new VigilError('NO_PEER_FOR_RANGE', `no peer announced height ${from}`, { severity: 'soft', details: { from } })
    throw lastError ?? new VigilError('SOURCE_UNAVAILABLE', `every peer that announced height ${from} is busy or benched`, { severity: 'soft', details: { from } })
  }

  /**
   * Bodies of these blocks, from peers that announced bodies at their heights (batches of
   * ≤ 16 to different peers in parallel; what one peer lacks is asked of another). Missing
   * ones are absent from the result. Unverified: feed each to `engine.onBody`.
   */
  async bodies(refs: BodyRef[], opts: AbortOptions = {}): Promise<Map<Hex, Uint8Array>> {
    const node = this.requireNode()
    const out = new Map<Hex, Uint8Array>()
    const triedFor = new Map<Hex, Set<string>>()
    let todo = [...new Map(refs.map((r) => [r.hash.toLowerCase() as Hex, { hash: r.hash.toLowerCase() as Hex, height: r.height }])).values()].sort((a, b) => a.height - b.height)
    for (let round = 0; round < (this.opts.attempts ?? 3) && todo.length > 0; round++) {
      opts.signal?.throwIfAborted()
      // assign batches to peers
      const batches: { peer: string; refs: BodyRef[] }[] = []
      const reserved = new Map<string, number>()
      for (const r of todo) {
        const tried = triedFor.get(r.hash) ?? new Set<string>()
        const open = batches.find((b) => b.refs.length < MAX_BODIES_PER_REQUEST && !tried.has(b.peer) && this.book.covers(b.peer, { kind: 'bodies', from: r.height, to: r.height }))
        if (open) {
          open.refs.push(r)
          continue
        }
        const busy = new Set([...tried, ...[...reserved].filter(([, n]) => n >= 2).map(([id]) => id)])
        const id = this.book.pick({ kind: 'bodies', from: r.height, to: r.height }, busy)
        if (!id) continue // nobody (else) announced it, or every such peer is busy: next round
        reserved.set(id, (reserved.get(id) ?? 0) + 1)
        batches.push({ peer: id, refs: [r] })
      }
      if (batches.length === 0) break
      await Promise.all(
        batches.map(async (b) => {
          for (const r of b.refs) triedFor.set(r.hash, (triedFor.get(r.hash) ?? new Set()).add(b.peer))
          this.book.begin(b.peer)
          const t0 = performance.now()
          try {
            const { bodies, bytes } = await requestBodiesByHash(
              node,
              this.peerIds.get(b.peer)!,
              this.opts.l2ChainId,
              b.refs.map((r) => r.hash),
              { ...(opts.signal ? { signal: opts.signal } : {}), ...(this.opts.timeouts?.bodies ? { timeoutMs: this.opts.timeouts.bodies } : {}) },
            )
            const ms = performance.now() - t0
            this.stats.success(bytes, ms)
            this.book.success(b.peer, bodies.length, bytes, ms)
            for (const body of bodies) out.set(body.hash.toLowerCase() as Hex, body.bytes)
          } catch (e) {
            this.stats.failure(e, performance.now() - t0)
            this.book.failure(b.peer, e, failureKind(e))
            this.log(`bodies from ${b.peer} failed`, e)
          }
        }),
      )
      todo = todo.filter((r) => !out.has(r.hash))
    }
    return out
  }

  /** Data `peer` delivered failed verification (hard): bench it. */
  penalize(peer: string, error: unknown): void {
    this.book.penalize(peer, error)
  }

  private requireNode(): Libp2p {
    if (!this.node) throw new VigilError('SOURCE_UNAVAILABLE', 'req/resp: libp2p is not running', { severity: 'soft' })
    return this.node
  }
}

function failureKind(e: unknown): 'soft' | 'hard' | 'timeout' | 'rate-limited' {
  if (!isVigilError(e)) return 'soft'
  if (e.code === 'RATE_LIMITED') return 'rate-limited'
  if (e.code === 'SOURCE_TIMEOUT') return 'timeout'
  return e.severity === 'hard' ? 'hard' : 'soft'
}
