/**
 * Gossip plumbing over @libp2p/gossipsub 17: the router's configuration, and small typed
 * helpers — subscribe with an async validator that decides accept/ignore/reject, publish
 * that reports how many peers a message went to, and event-driven waits for subscribers
 * and mesh peers.
 *
 * Validation results follow go-header's soft/hard split:
 * - `accept`: deliver and forward to the mesh.
 * - `ignore` (soft): not enough information (unknown parent, committee not loaded yet,
 *   duplicate); drop it, don't forward, don't penalise the sender.
 * - `reject` (hard): provably invalid; drop it, don't forward, and the peer that sent it
 *   (and any peer that also sent it while it was being validated) is penalised through
 *   gossipsub's P4 score ("invalid message deliveries") on that topic.
 */
import type { GossipsubOpts, GossipsubMessage } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createTopicScoreParams, validateTopicScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { abortError, timeoutSignal } from '../core/abort'
import { VigilError, isVigilError } from '../core/errors'
import type { AbortOptions } from '../core/types'
import { silentLogger, type Logger } from '../core/logger'
import { sha256 } from '../protocol/hash'

// ---------------------------------------------------------------------------------------
// limits and defaults

/** Largest gossip message (the data field) a node accepts on any topic; per-topic caps are lower or equal. */
export const MAX_GOSSIP_MESSAGE_BYTES = 4 * 1024 * 1024
/** Per-topic cap when `subscribeTopic` is not told one. */
export const DEFAULT_TOPIC_MAX_BYTES = 1024 * 1024
/** A validator that takes longer than this counts as `ignore` (the message leaves gossipsub's cache after a few heartbeats anyway). */
export const DEFAULT_VALIDATION_TIMEOUT_MS = 10_000
/**
 * Validations running at once per node and topic; messages beyond it are ignored (soft)
 * rather than queued without bound. Per topic, so a flood on one topic never starves another
 * (a node's attestations keep being validated while its block topic is flooded).
 */
export const MAX_INFLIGHT_VALIDATIONS = 512
/** Loopback: every peer on a devnet or in a test shares this IP. */
export const LOOPBACK_IPS = ['127.0.0.1', '::1'] as const

export type ValidationResult = 'accept' | 'ignore' | 'reject'

export interface GossipMeta {
  topic: string
  /** gossipsub's message id: base64 of sha256(data). */
  msgId: string
  /** The peer that signed (originated) the message; `from` is the peer that forwarded it to us. */
  origin: PeerId | null
  /** Aborts when the validation times out. */
  signal: AbortSignal
}

/**
 * Decides what happens to a message. `from` is the peer we received it from (the one
 * penalised on reject). A thrown `VigilError` with severity 'hard' counts as reject; any
 * other throw counts as ignore.
 */
export type TopicHandler = (data: Uint8Array, from: PeerId, meta: GossipMeta) => Promise<ValidationResult>

export interface SubscribeOptions {
  /** Messages larger than this are rejected (hard) before the handler runs. Default 1 MiB. */
  maxBytes?: number
  /** Default 10 s; a handler still running then counts as ignore. */
  timeoutMs?: number
  /** Overrides of this topic's score parameters (first subscriber on a node wins). */
  score?: Partial<TopicScoreParams>
}

export interface PublishOptions extends AbortOptions {
  /** Throw (VigilError SOURCE_UNAVAILABLE, soft) when no peer is subscribed or the message was already seen, instead of returning 0. */
  strict?: boolean
  /** Send to every subscribed peer above the publish threshold, not only the mesh. Default true (the router's setting). */
  floodPublish?: boolean
}

// ---------------------------------------------------------------------------------------
// router configuration

export interface GossipConfigOptions {
  /**
   * A hub (devnet bootstrap/relay, full node) keeps every subscriber in its mesh (Dhi 64)
   * so light clients that only know the hub never depend on lazy IHAVE gossip, and hands
   * out peer exchange records on prune.
   */
  hub: boolean
  maxMessageBytes?: number
  /** IPs exempt from the IP-colocation penalty. Default loopback; pass [] to disable (tests). */
  ipColocationWhitelist?: readonly string[]
}

/**
 * Score parameters for every topic Vigil subscribes to. P3/P3b (mesh delivery deficits)
 * are off: traffic is slot-paced and bursty, so an honest mesh peer on a quiet chain
 * would look like an under-deliverer. P4 (invalid deliveries) carries the weight: one
 * rejected message costs -20 (below the gossip threshold, out of the mesh), two -80, three
 * -180 (graylisted); it decays by 1 %/s (a single offence is forgotten after ~4 minutes).
 */
export const VIGIL_TOPIC_SCORE: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.995,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.99,
}

/** Thresholds (gossipsub's defaults, stated so they are a decision, not an accident). */
export const VIGIL_SCORE_THRESHOLDS = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 5,
}

/** Content-addressed message ids: sha256 of the data, shared by fast-id and id (hashed once). */
function contentIds(): Pick<GossipsubOpts, 'msgIdFn' | 'fastMsgIdFn'> {
  // fastMsgIdFn runs first, on the raw RPC message, before signature checks; msgIdFn later gets
  // a message whose data is the same Uint8Array (no data transform is configured).
  const digests = new WeakMap<Uint8Array, Uint8Array>()
  const digest = (data: Uint8Array): Uint8Array => {
    let d = digests.get(data)
    if (!d) {
      d = sha256(data)
      digests.set(data, d)
    }
    return d
  }
  return {
    fastMsgIdFn: (rpc) => toBase64(digest(rpc.data ?? EMPTY)),
    msgIdFn: (msg) => digest(msg.data),
  }
}

export function gossipsubOptions(opts: GossipConfigOptions): Partial<GossipsubOpts> {
  const mesh = opts.hub ? { D: 8, Dlo: 6, Dhi: 64, Dscore: 4, Dout: 2 } : { D: 6, Dlo: 4, Dhi: 12, Dscore: 4, Dout: 2 }
  return {
    ...mesh,
    // every message is signed by its libp2p publisher (StrictSign, the default); the Vigil
    // payloads carry their own proposer/validator signatures, which handlers verify.
    globalSignaturePolicy: 'StrictSign',
    emitSelf: false,
    asyncValidation: true,
    ...contentIds(),
    floodPublish: true,
    fallbackToFloodsub: false,
    doPX: opts.hub,
    allowPublishToZeroTopicPeers: false,
    ignoreDuplicatePublishError: false,
    maxInboundDataLength: (opts.maxMessageBytes ?? MAX_GOSSIP_MESSAGE_BYTES) + 64 * 1024,
    scoreParams: {
      IPColocationFactorWhitelist: new Set(opts.ipColocationWhitelist ?? LOOPBACK_IPS),
      topics: {},
    },
    scoreThresholds: { ...VIGIL_SCORE_THRESHOLDS },
  }
}

// ---------------------------------------------------------------------------------------
// access to the router (the exported GossipSub interface omits what we need)

interface Router {
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  getSubscribers(topic: string): PeerId[]
  getMeshPeers(topic: string): string[]
  getScore(peerId: string): number
  publish(topic: string, data: Uint8Array, opts?: { allowPublishToZeroTopicPeers?: boolean; ignoreDuplicatePublishError?: boolean; floodPublish?: boolean }): Promise<{ recipients: PeerId[] }>
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: TopicValidatorResult): void
  score: { params: { topics: Record<string, TopicScoreParams> } }
  /** Internal (public field of the class, not of the interface); absent in other routers. */
  streamsOutbound?: Map<string, unknown>
  addEventListener(type: string, listener: (evt: CustomEvent) => void): void
  removeEventListener(type: string, listener: (evt: CustomEvent) => void): void
}

/** The gossipsub service of a node made by createP2PNode (or any node with `services.pubsub`). */
export function routerOf(node: Libp2p): Router {
  const pubsub = (node.services as { pubsub?: unknown }).pubsub as Router | undefined
  if (!pubsub || typeof pubsub.reportMessageValidationResult !== 'function') {
    throw new VigilError('CONFIG_INVALID', 'libp2p node has no gossipsub service at services.pubsub')
  }
  return pubsub
}

const nodeLoggers = new WeakMap<Libp2p, Logger>()
/** createP2PNode registers the node's logger so the helpers can report through it. */
export function setNodeLogger(node: Libp2p, log: Logger): void {
  nodeLoggers.set(node, log)
}
function loggerOf(node: Libp2p): Logger {
  return nodeLoggers.get(node) ?? silentLogger
}

// ---------------------------------------------------------------------------------------
// subscribe with validation

interface Entry {
  handler: TopicHandler
  maxBytes: number
  timeoutMs: number
}
interface Registry {
  topics: Map<string, Set<Entry>>
  /** Validations running, per topic. */
  inflight: Map<string, number>
}
const registries = new WeakMap<Router, Registry>()

function registryOf(node: Libp2p, router: Router): Registry {
  let reg = registries.get(router)
  if (reg) return reg
  const r: Registry = { topics: new Map(), inflight: new Map() }
  registries.set(router, r)
  const log = loggerOf(node).child('gossip')
  router.addEventListener('gossipsub:message', (evt) => {
    const { propagationSource, msgId, msg } = (evt as CustomEvent<GossipsubMessage>).detail
    const report = (result: ValidationResult) => {
      try {
        router.reportMessageValidationResult(msgId, propagationSource.toString(), toAcceptance(result))
      } catch (e) {
        log('could not report validation result', e)
      }
    }
    const entries = r.topics.get(msg.topic)
    if (!entries || entries.size === 0) return report('ignore')
    const running = r.inflight.get(msg.topic) ?? 0
    if (running >= MAX_INFLIGHT_VALIDATIONS) {
      log(`validation queue of ${msg.topic} full (${running}); ignoring a message`)
      return report('ignore')
    }
    r.inflight.set(msg.topic, running + 1)
    const meta = { topic: msg.topic, msgId, origin: msg.type === 'signed' ? msg.from : null }
    validate([...entries], msg.data, propagationSource, meta, log)
      .then(report, (e) => {
        log.error('validation failed unexpectedly', e)
        report('ignore')
      })
      .finally(() => {
        const left = (r.inflight.get(msg.topic) ?? 1) - 1
        if (left > 0) r.inflight.set(msg.topic, left)
        else r.inflight.delete(msg.topic)
      })
  })
  return r
}

const RANK: Record<ValidationResult, number> = { accept: 0, ignore: 1, reject: 2 }

/** Every handler of the topic sees the message; the strictest verdict wins (reject > ignore > accept). */
async function validate(
  entries: Entry[],
  data: Uint8Array,
  from: PeerId,
  meta: Omit<GossipMeta, 'signal'>,
  log: Logger,
): Promise<ValidationResult> {
  const verdicts = await Promise.all(
    entries.map(async (e): Promise<ValidationResult> => {
      if (data.length > e.maxBytes) {
        log(`reject ${meta.topic} message of ${data.length} bytes (cap ${e.maxBytes}) from ${from}`)
        return 'reject'
      }
      const signal = AbortSignal.timeout(e.timeoutMs)
      try {
        return await raceAbort(Promise.resolve(e.handler(data, from, { ...meta, signal })), signal)
      } catch (err) {
        if (signal.aborted) {
          log(`validation of a ${meta.topic} message timed out after ${e.timeoutMs} ms`)
          return 'ignore'
        }
        if (isVigilError(err) && err.severity === 'hard') {
          log(`reject ${meta.topic} message from ${from}: ${err.code} ${err.message}`)
          return 'reject'
        }
        log(`ignore ${meta.topic} message from ${from}`, err)
        return 'ignore'
      }
    }),
  )
  return verdicts.reduce((worst, v) => (RANK[v] > RANK[worst] ? v : worst), 'accept' as ValidationResult)
}

function toAcceptance(r: ValidationResult): TopicValidatorResult {
  return r === 'accept' ? TopicValidatorResult.Accept : r === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore
}

/**
 * Subscribes `node` to `topic`; every message received on it goes through `handler`
 * before gossipsub forwards it (asyncValidation). Several handlers may share a topic on
 * one node: the strictest verdict wins. Returns an unsubscribe function (the node leaves
 * the topic when its last handler is removed).
 */
export function subscribeTopic(node: Libp2p, topic: string, handler: TopicHandler, opts: SubscribeOptions = {}): () => void {
  const router = routerOf(node)
  const reg = registryOf(node, router)
  const entry: Entry = {
    handler,
    maxBytes: Math.min(opts.maxBytes ?? DEFAULT_TOPIC_MAX_BYTES, MAX_GOSSIP_MESSAGE_BYTES),
    timeoutMs: opts.timeoutMs ?? DEFAULT_VALIDATION_TIMEOUT_MS,
  }
  let entries = reg.topics.get(topic)
  if (!entries) {
    entries = new Set()
    reg.topics.set(topic, entries)
  }
  entries.add(entry)
  if (entries.size === 1) {
    // score this topic (without topic parameters gossipsub would not penalise rejects at all)
    const topicsScore = router.score.params.topics
    if (!topicsScore[topic]) {
      const params = createTopicScoreParams({ ...VIGIL_TOPIC_SCORE, ...opts.score })
      validateTopicScoreParams(params)
      topicsScore[topic] = params
    }
    router.subscribe(topic)
  }
  return () => {
    const set = reg.topics.get(topic)
    if (!set || !set.delete(entry)) return
    if (set.size === 0) {
      reg.topics.delete(topic)
      try {
        router.unsubscribe(topic)
      } catch {
        // the node is stopping or stopped
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// publish

/**
 * Publishes `data` on `topic`; resolves with the number of peers it was sent to. No
 * subscribed peer, or a message already seen (ids are content hashes, so republishing the
 * same bytes is a duplicate), gives 0 unless `strict`.
 */
export async function publish(node: Libp2p, topic: string, data: Uint8Array, opts: PublishOptions = {}): Promise<number> {
  if (opts.signal?.aborted) throw abortError(opts.signal)
  const router = routerOf(node)
  try {
    const res = await router.publish(topic, data, {
      ignoreDuplicatePublishError: !opts.strict,
      ...(opts.floodPublish === undefined ? {} : { floodPublish: opts.floodPublish }),
    })
    return res.recipients.length
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    if (message === 'PublishError.NoPeersSubscribedToTopic') {
      if (!opts.strict) return 0
      throw new VigilError('SOURCE_UNAVAILABLE', `no peer is subscribed to ${topic}`, { severity: 'soft', details: { topic }, cause: e })
    }
    if (message === 'PublishError.Duplicate') {
      throw new VigilError('SOURCE_UNAVAILABLE', `message already published or seen on ${topic}`, { severity: 'soft', details: { topic }, cause: e })
    }
    throw new VigilError('INTERNAL', `publish on ${topic} failed: ${message}`, { details: { topic }, cause: e })
  }
}

// ---------------------------------------------------------------------------------------
// event-driven waits (tests, devnet startup)

export interface WaitOptions extends AbortOptions {
  /** Used when no signal is given. Default 30 s. */
  timeoutMs?: number
}

/**
 * Resolves with the count once at least `n` peers subscribed to `topic` can be published
 * to. A peer's subscriptions arrive on *its* stream, often before our outbound stream to it
 * has opened; publishing in that gap sends to nobody (and, ids being content hashes, marks
 * the bytes as seen), so a subscriber counts only once our stream to it is open. That
 * stream opening emits no event: besides 'subscription-change' and heartbeats, the wait
 * re-checks every 25 ms.
 */
export function waitForSubscribers(node: Libp2p, topic: string, n: number, opts: WaitOptions = {}): Promise<number> {
  const router = routerOf(node)
  return waitUntil(router, ['subscription-change', 'gossipsub:heartbeat'], () => reachableSubscribers(router, topic), n, opts, 25)
}

/** Subscribers of `topic` we have an open outbound gossip stream to. */
function reachableSubscribers(router: Router, topic: string): number {
  const out = router.streamsOutbound
  return router.getSubscribers(topic).filter((p) => out === undefined || out.has(p.toString())).length
}

/** Resolves with the count once at least `n` peers are in this node's mesh for `topic` (grafts, heartbeats). */
export function waitForMeshPeers(node: Libp2p, topic: string, n: number, opts: WaitOptions = {}): Promise<number> {
  const router = routerOf(node)
  return waitUntil(router, ['gossipsub:graft', 'gossipsub:heartbeat'], () => router.getMeshPeers(topic).length, n, opts)
}

/** The peers in this node's mesh for `topic`. */
export function meshPeers(node: Libp2p, topic: string): string[] {
  return routerOf(node).getMeshPeers(topic)
}

/** gossipsub's score of a peer as seen by `node` (gossipsub caches it for one heartbeat, 1 s). */
export function peerScore(node: Libp2p, peer: PeerId | string): number {
  return routerOf(node).getScore(peer.toString())
}

function waitUntil(router: Router, events: string[], count: () => number, n: number, opts: WaitOptions, pollMs?: number): Promise<number> {
  const signal = opts.signal ?? timeoutSignal(opts.timeoutMs ?? 30_000)
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setInterval> | undefined
    const check = () => {
      const c = count()
      if (c >= n) {
        done()
        resolve(c)
      }
    }
    const onAbort = () => {
      done()
      reject(abortError(signal))
    }
    const done = () => {
      for (const e of events) router.removeEventListener(e, onEvent)
      signal.removeEventListener('abort', onAbort)
      if (timer !== undefined) clearInterval(timer)
    }
    // events are dispatched synchronously, sometimes before the router updates its state: check just after
    const onEvent = () => queueMicrotask(check)
    if (signal.aborted) return reject(abortError(signal))
    for (const e of events) router.addEventListener(e, onEvent)
    signal.addEventListener('abort', onAbort, { once: true })
    if (pollMs !== undefined) timer = setInterval(check, pollMs)
    check()
  })
}

// ---------------------------------------------------------------------------------------
// small utilities

const EMPTY = new Uint8Array(0)

function toBase64(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return btoa(s)
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}
