/**
 * Browser peer discovery (issue 3 item 8, docs/decisions/browser-peers.md § Discovery).
 *
 * Browser nodes cannot listen; each one is reachable through the devnet's relay at a
 * `/…/p2p/<relay>/p2p-circuit/webrtc/p2p/<self>` address. Every page node announces those
 * addresses on a small gossip topic derived from the chain id (`topics(id).browserPeers`) on
 * join and every ANNOUNCE_INTERVAL_MS; the hubs (devnet nodes) relay the topic, validating each
 * record the same way, and other page nodes dial a bounded number of the announced peers.
 *
 * Binding addresses to the peer id: gossipsub runs with StrictSign, so every message carries
 * its publisher's libp2p signature over (data, from, seqno, topic), checked by gossipsub
 * against `from` before any validator runs. A record is accepted only when the peer id inside
 * it is that signer (`meta.origin`) and every address ends in `/p2p/<that id>`: a peer can only
 * announce itself, and a forwarder cannot alter a record. (This is the guarantee a libp2p
 * signed peer record gives; @libp2p/peer-record is not a direct dependency and would sign the
 * same bytes a second time.)
 *
 * Limits: a record ≤ MAX_ANNOUNCEMENT_BYTES, ≤ MAX_ANNOUNCED_ADDRS addresses of ≤ MAX_ADDR_CHARS;
 * its time must be within RECORD_MAX_AGE_MS in the past / RECORD_MAX_SKEW_MS in the future and
 * newer than the last accepted one of that peer (no replays); at most one record per peer per
 * MIN_RECORD_GAP_MS is accepted (more are ignored, so floods stop at the first honest hop); the
 * table of known peers is capped (MAX_KNOWN). Dials: only to peers not connected directly yet,
 * not self, allowed by the allow/deny lists, only through a relay this node is connected to
 * (an announcement cannot make browsers dial arbitrary hosts), at most `maxPeers` WebRTC peers
 * and MAX_PARALLEL_DIALS dials at once, with a per-peer backoff after a failed dial.
 */
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { VigilError } from '../core/errors'
import { silentLogger, type Logger } from '../core/logger'
import { Reader, Writer, checkVersion, tooLarge } from '../protocol/bytes'
import { transportOf } from './addrs'
import { publish, routerOf, subscribeTopic, type GossipMeta, type ValidationResult } from './gossip'

export const BROWSER_PEERS_VERSION = 1
export const MAX_ANNOUNCEMENT_BYTES = 4_096
export const MAX_ANNOUNCED_ADDRS = 8
export const MAX_ADDR_CHARS = 320
const MAX_PEER_ID_CHARS = 128
/** A page node re-announces itself this often. */
export const ANNOUNCE_INTERVAL_MS = 10_000
/** Extra announcements (joins, new peers) are spaced at least this much. */
const MIN_ANNOUNCE_GAP_MS = 2_000
/** Validators accept at most one record per peer per this long (below MIN_ANNOUNCE_GAP_MS: honest peers are never cut). */
const MIN_RECORD_GAP_MS = 1_000
const RECORD_MAX_AGE_MS = 60_000
const RECORD_MAX_SKEW_MS = 30_000
const MAX_KNOWN = 64
const MAX_PARALLEL_DIALS = 2
const DIAL_TIMEOUT_MS = 15_000
const DIAL_BACKOFF_MS = 30_000
/** A known peer not heard from for this long is forgotten. */
const KNOWN_TTL_MS = 3 * ANNOUNCE_INTERVAL_MS

/** One announcement: a browser peer and its relay WebRTC addresses. */
export interface BrowserPeerRecord {
  peerId: string
  /** Unix ms when it was made (orders a peer's records; stale ones are refused). */
  at: number
  addrs: string[]
}

export function encodeBrowserPeerRecord(r: BrowserPeerRecord): Uint8Array {
  const enc = new TextEncoder()
  const w = new Writer(512).u8(BROWSER_PEERS_VERSION).u64(r.at)
  const str = (s: string, max: number, field: string) => {
    const b = enc.encode(s)
    if (b.length > max) throw tooLarge('browser peer record', field, b.length, max)
    w.u16(b.length).bytes(b)
  }
  str(r.peerId, MAX_PEER_ID_CHARS, 'peerId')
  if (r.addrs.length > MAX_ANNOUNCED_ADDRS) throw tooLarge('browser peer record', 'addrs', r.addrs.length, MAX_ANNOUNCED_ADDRS)
  w.u8(r.addrs.length)
  for (const a of r.addrs) str(a, MAX_ADDR_CHARS, 'addr')
  return w.finish()
}

export function decodeBrowserPeerRecord(bytes: Uint8Array): BrowserPeerRecord {
  if (bytes.length > MAX_ANNOUNCEMENT_BYTES) throw tooLarge('browser peer record', 'size', bytes.length, MAX_ANNOUNCEMENT_BYTES)
  const r = new Reader(bytes, 'browser peer record')
  checkVersion('browser peer record', r.u8('version'), BROWSER_PEERS_VERSION)
  const dec = new TextDecoder('utf-8', { fatal: true })
  const str = (max: number, field: string) => {
    const len = r.u16(`${field}.length`)
    if (len > max) throw tooLarge('browser peer record', field, len, max)
    try {
      return dec.decode(r.bytesN(len, field))
    } catch {
      throw new VigilError('DECODE_INVALID_FIELD', `browser peer record: ${field} is not UTF-8`)
    }
  }
  const at = r.u64('at')
  const peerId = str(MAX_PEER_ID_CHARS, 'peerId')
  const n = r.u8('addrs.length')
  if (n > MAX_ANNOUNCED_ADDRS) throw tooLarge('browser peer record', 'addrs', n, MAX_ANNOUNCED_ADDRS)
  const addrs: string[] = []
  for (let i = 0; i < n; i++) addrs.push(str(MAX_ADDR_CHARS, 'addr'))
  r.end()
  return { peerId, at, addrs }
}

/** The relay peer of a `/…/p2p/<relay>/p2p-circuit/webrtc/p2p/<peer>` address, or null when it is not one. */
function relayWebRTC(addr: Multiaddr, peerId: string): { relay: string } | null {
  const comps = addr.getComponents()
  let circuit = -1
  for (let i = 0; i < comps.length; i++) if (comps[i]!.name === 'p2p-circuit') circuit = i
  if (circuit < 1 || transportOf(addr) !== 'webrtc') return null
  const relay = comps[circuit - 1]
  const last = comps[comps.length - 1]
  if (relay?.name !== 'p2p' || !relay.value || last?.name !== 'p2p' || last.value !== peerId || relay.value === peerId) return null
  return { relay: relay.value }
}

/** The addresses of `node` other browsers can dial (relay WebRTC ones), capped. */
export function announceableAddrs(node: Libp2p): string[] {
  const self = node.peerId.toString()
  return node
    .getMultiaddrs()
    .filter((a) => relayWebRTC(a, self) !== null)
    .map((a) => a.toString())
    .filter((a) => a.length <= MAX_ADDR_CHARS)
    .slice(0, MAX_ANNOUNCED_ADDRS)
}

/**
 * The checks every node on the topic applies (page nodes and the hubs that relay it): a
 * well-formed record, signed by the peer it names, fresh, newer than that peer's last one and
 * not more often than once per MIN_RECORD_GAP_MS. Returns the record when it is accepted.
 */
export function browserPeerValidator(opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now
  const last = new Map<string, { at: number; acceptedAt: number }>()
  const check = (data: Uint8Array, origin: PeerId | null): { verdict: ValidationResult; record?: BrowserPeerRecord; reason?: string } => {
    let record: BrowserPeerRecord
    try {
      record = decodeBrowserPeerRecord(data)
    } catch (e) {
      return { verdict: 'reject', reason: e instanceof Error ? e.message : String(e) }
    }
    if (!origin || origin.toString() !== record.peerId) return { verdict: 'reject', reason: `record of ${record.peerId} signed by ${origin?.toString() ?? 'nobody'}` }
    if (record.addrs.length === 0) return { verdict: 'reject', reason: 'no address' }
    for (const a of record.addrs) {
      let ma: Multiaddr
      try {
        ma = multiaddr(a)
      } catch {
        return { verdict: 'reject', reason: `bad address ${a.slice(0, 80)}` }
      }
      if (!relayWebRTC(ma, record.peerId)) return { verdict: 'reject', reason: `not a relay WebRTC address of ${record.peerId}: ${a.slice(0, 120)}` }
    }
    const t = now()
    if (record.at < t - RECORD_MAX_AGE_MS || record.at > t + RECORD_MAX_SKEW_MS) return { verdict: 'ignore', reason: 'stale or from the future' }
    const prev = last.get(record.peerId)
    if (prev && record.at <= prev.at) return { verdict: 'ignore', reason: 'not newer than the last record' }
    if (prev && t - prev.acceptedAt < MIN_RECORD_GAP_MS) return { verdict: 'ignore', reason: 'too frequent' }
    if (last.size >= MAX_KNOWN * 16 && !prev) {
      for (const [id, v] of last) if (t - v.acceptedAt > RECORD_MAX_AGE_MS) last.delete(id)
      if (last.size >= MAX_KNOWN * 16) last.clear()
    }
    last.set(record.peerId, { at: record.at, acceptedAt: t })
    return { verdict: 'accept', record }
  }
  return check
}

/** A hub (devnet node) relays the topic: the same checks, no dialling. */
export function relayBrowserPeers(node: Libp2p, topic: string, log: Logger = silentLogger): () => void {
  const check = browserPeerValidator()
  return subscribeTopic(
    node,
    topic,
    async (data, from, meta) => {
      const v = check(data, meta.origin)
      if (v.verdict !== 'accept') log(`browser peer record from ${from} ${v.verdict}: ${v.reason}`)
      return v.verdict
    },
    { maxBytes: MAX_ANNOUNCEMENT_BYTES },
  )
}

export interface DiscoveredPeer {
  id: string
  addrs: string[]
  /** Unix ms of its last accepted record. */
  lastSeen: number
  /** Dials that failed since the last success. */
  failures: number
  connected: boolean
}

export interface BrowserDiscoveryOptions {
  /** WebRTC peers to keep at most (dials stop above it). Default 4. */
  maxPeers?: number
  /** Only these peer ids are dialled (the connection gater refuses the others anyway). */
  allow?: string[]
  /** These peer ids are never dialled. */
  deny?: string[]
  logger?: Logger
}

export interface BrowserDiscovery {
  /** Peers announced on the topic (not self), most recent first. */
  known(): DiscoveredPeer[]
  /** Announces now (unless one went out less than MIN_ANNOUNCE_GAP_MS ago: then soon). */
  announce(): void
  stop(): void
}

const isDirectWebRTC = (c: Connection): boolean => c.status === 'open' && c.limits === undefined && transportOf(c.remoteAddr) === 'webrtc'

/**
 * Runs discovery on a page node: announces its relay WebRTC addresses on `topic` (on join,
 * when they change, when a new peer shows up, every ANNOUNCE_INTERVAL_MS) and dials announced
 * browser peers within the limits above.
 */
export function startBrowserDiscovery(node: Libp2p, topic: string, opts: BrowserDiscoveryOptions = {}): BrowserDiscovery {
  const log = opts.logger ?? silentLogger
  const maxPeers = opts.maxPeers ?? 4
  const allow = opts.allow && opts.allow.length > 0 ? new Set(opts.allow) : null
  const deny = new Set(opts.deny ?? [])
  const self = node.peerId.toString()
  const check = browserPeerValidator()
  const known = new Map<string, { addrs: string[]; firstSeen: number; lastSeen: number; failures: number; retryAt: number }>()
  const dialling = new Set<string>()
  let stopped = false
  let lastAnnounce = 0
  let lastAddrs = ''
  let pending: ReturnType<typeof setTimeout> | null = null
  const controller = new AbortController()

  const directTo = (id: string) => node.getConnections().some((c) => c.remotePeer.toString() === id && isDirectWebRTC(c))
  const connectedTo = (id: string) => node.getConnections().some((c) => c.remotePeer.toString() === id && c.status === 'open')

  // --- announcing
  const doAnnounce = async () => {
    pending = null
    if (stopped) return
    const addrs = announceableAddrs(node)
    if (addrs.length === 0) return // no relay reservation yet: self:peer:update brings us back
    lastAnnounce = Date.now()
    lastAddrs = addrs.join(' ')
    try {
      const sent = await publish(node, topic, encodeBrowserPeerRecord({ peerId: self, at: lastAnnounce, addrs }), { signal: controller.signal })
      if (sent === 0) schedule(MIN_ANNOUNCE_GAP_MS) // nobody subscribed yet: retry soon
    } catch (e) {
      log(`announce failed: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const schedule = (delayMs: number) => {
    if (stopped || pending) return
    pending = setTimeout(() => void doAnnounce(), Math.max(0, delayMs))
  }
  const announce = () => schedule(lastAnnounce + MIN_ANNOUNCE_GAP_MS - Date.now())

  // --- dialling
  const webrtcPeers = () => new Set(node.getConnections().filter(isDirectWebRTC).map((c) => c.remotePeer.toString())).size
  const maybeDial = (id: string) => {
    const k = known.get(id)
    if (!k || stopped || dialling.has(id) || directTo(id) || dialling.size >= MAX_PARALLEL_DIALS) return
    if (deny.has(id) || (allow && !allow.has(id))) return
    if (webrtcPeers() + dialling.size >= maxPeers) return
    const t = Date.now()
    if (t < k.retryAt) return
    // both sides learn of each other: the lower peer id dials, the other waits one interval before dialling itself
    if (self > id && t - k.firstSeen < ANNOUNCE_INTERVAL_MS) return
    // only through a relay we are connected to: a record cannot make us dial arbitrary hosts
    const addrs = k.addrs.map((a) => multiaddr(a)).filter((a) => {
      const r = relayWebRTC(a, id)
      return r !== null && connectedTo(r.relay)
    })
    if (addrs.length === 0) return
    dialling.add(id)
    log(`dialling browser peer ${id}`)
    node
      .dial(addrs, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]) })
      .then(() => {
        k.failures = 0
        log(`connected to browser peer ${id}`)
      })
      .catch((e: unknown) => {
        k.failures++
        k.retryAt = Date.now() + DIAL_BACKOFF_MS * Math.min(k.failures, 4)
        log(`dial to browser peer ${id} failed: ${e instanceof Error ? e.message : String(e)}`)
      })
      .finally(() => {
        dialling.delete(id)
      })
  }
  const sweep = () => {
    const t = Date.now()
    for (const [id, k] of known) if (t - k.lastSeen > KNOWN_TTL_MS && !connectedTo(id)) known.delete(id)
    for (const id of known.keys()) maybeDial(id)
  }

  const offTopic = subscribeTopic(
    node,
    topic,
    async (data, _from, meta: GossipMeta) => {
      const v = check(data, meta.origin)
      if (v.verdict !== 'accept' || !v.record) return v.verdict
      const r = v.record
      if (r.peerId === self) return 'accept'
      const t = Date.now()
      const k = known.get(r.peerId)
      if (k) {
        k.addrs = r.addrs
        k.lastSeen = t
      } else {
        if (known.size >= MAX_KNOWN) {
          // forget the least recently heard peer we are not connected to
          const victim = [...known.entries()].filter(([id]) => !connectedTo(id)).sort((a, b) => a[1].lastSeen - b[1].lastSeen)[0]
          if (!victim) return 'accept'
          known.delete(victim[0])
        }
        known.set(r.peerId, { addrs: r.addrs, firstSeen: t, lastSeen: t, failures: 0, retryAt: 0 })
        // a newcomer: let it learn of us without waiting for our next periodic record
        announce()
      }
      maybeDial(r.peerId)
      return 'accept'
    },
    { maxBytes: MAX_ANNOUNCEMENT_BYTES },
  )

  // join: announce once a relay address exists and someone subscribes; re-announce when addresses change
  const onSelfUpdate = () => {
    if (announceableAddrs(node).join(' ') !== lastAddrs) announce()
  }
  const router = routerOf(node)
  const onSubscription = (evt: CustomEvent) => {
    const subs = (evt.detail as { subscriptions?: { topic: string; subscribe: boolean }[] }).subscriptions ?? []
    if (subs.some((s) => s.topic === topic && s.subscribe)) announce()
  }
  node.addEventListener('self:peer:update', onSelfUpdate)
  router.addEventListener('subscription-change', onSubscription)
  const timer = setInterval(() => {
    schedule(0)
    sweep()
  }, ANNOUNCE_INTERVAL_MS)
  announce()

  return {
    known: () =>
      [...known.entries()]
        .map(([id, k]) => ({ id, addrs: [...k.addrs], lastSeen: k.lastSeen, failures: k.failures, connected: directTo(id) }))
        .sort((a, b) => b.lastSeen - a.lastSeen),
    announce,
    stop() {
      if (stopped) return
      stopped = true
      controller.abort()
      clearInterval(timer)
      if (pending) clearTimeout(pending)
      node.removeEventListener('self:peer:update', onSelfUpdate)
      router.removeEventListener('subscription-change', onSubscription)
      offTopic()
    },
  }
}
