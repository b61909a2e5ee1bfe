/**
 * The L1 anchor of kind `light-client`: Ethereum's consensus light client (the Altair sync
 * protocol with Capella-and-later execution headers, src/verify/lightclient) over the standard
 * Beacon API routes of one beacon node:
 *
 *   GET {url}/eth/v1/beacon/light_client/bootstrap/{checkpoint}        once, until it verifies
 *   GET {url}/eth/v1/beacon/light_client/updates?start_period=P&count=N   from the store's period to the clock's (N ≤ 128)
 *   GET {url}/eth/v1/beacon/light_client/optimistic_update             every round
 *   GET {url}/eth/v1/beacon/light_client/finality_update               every round
 *
 * The beacon node is trusted for nothing: the bootstrap must hash to the checkpoint the user
 * gave, every update must carry a sync-committee aggregate of the committee the store already
 * holds (and the branches to its state root). What the node serves that does not verify is an
 * `LC_*` error in `view().error`, in the stats (`verdict(false)`) and, through `onDisagreement`,
 * evidence naming the node; the store stays as it was before that object. After
 * UPDATE_TIMEOUT without finality the best valid update is forced in (the spec's
 * process_light_client_store_force_update), and the basis line says so.
 *
 * heads(): `latest` = the optimistic header's execution payload, `finalized` = the finalized
 * header's. The store is kept between rounds: the next update() asks only from the store's
 * period on and verifies only what is newer than what it holds.
 */
import { abortError } from '../core/abort'
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import type { AnchoredBlock, L1AnchorView } from '../core/records'
import type { AbortOptions, Hex } from '../core/types'
import type { AnchorHeads, DisagreementSink, L1Anchor } from '../ports/anchor'
import { bytesToHex, hexToBytes } from '../protocol/bytes'
import { decodeBootstrap, decodeUpdate, participantCount, type LightClientHeader, type LightClientUpdate } from '../protocol/eth/beacon'
import { SYNC_COMMITTEE_SIZE } from '../protocol/eth/ssz'
import {
  NETWORKS,
  UPDATE_TIMEOUT,
  currentSlot,
  forceUpdate,
  periodAtSlot,
  processFinalityUpdate,
  processOptimisticUpdate,
  processUpdate,
  verifyBootstrap,
  type LightClientStore,
  type NetworkConfig,
  type UpdateOutcome,
} from '../verify/lightclient'
import { readCapped } from './http'
import { StatsRecorder } from './stats'

/** MAX_REQUEST_LIGHT_CLIENT_UPDATES of the Beacon API. */
export const MAX_UPDATES_PER_REQUEST = 128

export interface LightClientAnchorOptions {
  /** The beacon node's base URL (http or https), e.g. `https://beacon.example`. */
  url: string
  /** The trusted beacon block root (0x + 32 bytes) to bootstrap from. */
  checkpoint: Hex
  /** A network of src/verify/lightclient/config.ts NETWORKS (only 'mainnet' today). */
  network: 'mainnet'
  /** The wall clock, Unix ms (default Date.now): decides the current slot and period. */
  now?: () => number
  /** The owner stopping: every request in flight or to come is aborted (update() then throws ABORTED). */
  signal?: AbortSignal
  fetch?: typeof fetch
  /** Per-request bound (default 15 s). */
  timeoutMs?: number
  /** Source name in stats and evidence (default `beacon-lc:<host[:port]>`). */
  name?: string
  /** Where objects the node served that did not verify are reported as evidence against it. */
  onDisagreement?: DisagreementSink
  /** The head may lag the clock by this many slots before the anchor says it is stalled (default 64: two epochs). */
  maxLagSlots?: number
}

/** `beacon-lc:<host[:port][/path]>`: how the light client's beacon node is named in stats and evidence. */
export function beaconLcName(url: string): string {
  try {
    const u = new URL(url)
    return `beacon-lc:${u.host}${u.pathname.replace(/\/+$/, '')}`
  } catch {
    return `beacon-lc:${url}`
  }
}

/** What a verified header rests on: the update (period, signers) that moved it there. */
interface Basis {
  line: string
  period: number
  participants: number
}

const short = (h: string): string => `${h.slice(0, 6)}…${h.slice(-4)}`

/** Codes that say the object is provably wrong (evidence against the node), as opposed to "nothing the store can use yet". */
const NOT_EVIDENCE = new Set<string>(['LC_IRRELEVANT_UPDATE', 'LC_WRONG_PERIOD'])

export class LightClientAnchor implements L1Anchor {
  readonly kind = 'light-client' as const
  readonly url: string
  readonly name: string
  readonly stats: StatsRecorder
  readonly checkpoint: Hex
  readonly network: NetworkConfig
  private readonly now: () => number
  private readonly fetchFn: typeof fetch
  private readonly timeoutMs: number
  private readonly maxLagSlots: number
  private store: LightClientStore | null = null
  private finalizedBasis: Basis | null = null
  private optimisticBasis: Basis | null = null
  private participants = 0
  private error: ErrorRecord | null = null
  private updatedAt: number | null = null
  private running: Promise<AnchorHeads> | null = null

  constructor(private readonly opts: LightClientAnchorOptions) {
    if (!/^https?:\/\/[^\s]+$/.test(opts.url)) throw new VigilError('CONFIG_INVALID', `beacon light client URL must be http(s): ${opts.url}`)
    if (!/^0x[0-9a-fA-F]{64}$/.test(opts.checkpoint)) throw new VigilError('CONFIG_INVALID', `the light client checkpoint must be a 0x-prefixed 32-byte beacon block root: ${opts.checkpoint}`)
    const cfg = NETWORKS[opts.network]
    if (!cfg) throw new VigilError('CONFIG_INVALID', `unknown light client network "${String(opts.network)}" (known: ${Object.keys(NETWORKS).join(', ')})`)
    this.network = cfg
    this.url = opts.url.replace(/\/+$/, '')
    this.checkpoint = opts.checkpoint.toLowerCase() as Hex
    this.name = opts.name ?? beaconLcName(this.url)
    this.stats = new StatsRecorder(this.name, 'beacon')
    this.now = opts.now ?? Date.now
    this.fetchFn = opts.fetch ?? ((i, init) => fetch(i, init))
    this.timeoutMs = opts.timeoutMs ?? 15_000
    this.maxLagSlots = opts.maxLagSlots ?? 64
  }

  /** One round (rounds never overlap: a call during a round waits for it and shares its result). */
  update(opts: AbortOptions = {}): Promise<AnchorHeads> {
    const signal = this.signalFor(opts)
    if (signal?.aborted) return Promise.reject(abortError(signal))
    if (this.running) return this.running
    const run = this.round(signal).finally(() => {
      this.running = null
    })
    this.running = run
    return run
  }

  heads(): AnchorHeads {
    const s = this.store
    if (!s) return { latest: null, finalized: null }
    return { latest: this.anchored(s.optimisticHeader, this.optimisticBasis), finalized: this.anchored(s.finalizedHeader, this.finalizedBasis) }
  }

  view(): L1AnchorView {
    const s = this.store
    const { latest, finalized } = this.heads()
    const state: L1AnchorView['state'] = this.error ? 'stalled' : s ? 'synced' : 'starting'
    const v: L1AnchorView = { kind: 'light-client', state, summary: this.summary(state), latest, finalized, error: this.error, updatedAt: this.updatedAt }
    v.lightClient = {
      url: this.url,
      checkpoint: this.checkpoint,
      period: s ? periodAtSlot(s.finalizedHeader.beacon.slot) : 0,
      participants: this.participants,
      committeeSize: SYNC_COMMITTEE_SIZE,
      finalizedSlot: s?.finalizedHeader.beacon.slot ?? 0,
      optimisticSlot: s?.optimisticHeader.beacon.slot ?? 0,
    }
    return v
  }

  // ---------------------------------------------------------------- one round

  private async round(signal: AbortSignal | undefined): Promise<AnchorHeads> {
    /** The first error of the round: the root cause (later ones usually follow from it). */
    let first: VigilError | null = null
    const note = (e: unknown): void => {
      if (signal?.aborted) throw abortError(signal)
      if (first === null) first = e instanceof VigilError ? e : new VigilError('INTERNAL', e instanceof Error ? e.message : String(e))
    }
    try {
      if (!this.store) await this.bootstrap(signal)
      if (this.store) {
        await this.syncPeriods(signal).catch(note)
        this.force()
        for (const kind of ['optimistic', 'finality'] as const) await this.latestUpdate(kind, signal).catch(note)
        this.force()
        if (first === null) first = this.lagError()
      }
    } catch (e) {
      note(e)
    }
    this.error = first === null ? null : toErrorRecord(first)
    this.updatedAt = this.now()
    return this.heads()
  }

  private async bootstrap(signal: AbortSignal | undefined): Promise<void> {
    const url = `${this.url}/eth/v1/beacon/light_client/bootstrap/${this.checkpoint}`
    const json = await this.get(url, 'bootstrap', 1 << 20, signal)
    if (json === null) {
      throw new VigilError('SOURCE_BAD_RESPONSE', `${this.name}: no light-client bootstrap for checkpoint ${this.checkpoint} (HTTP 404 from ${url}; the node may not keep one for this root)`, {
        severity: 'soft',
        details: { source: this.name, url, status: 404 },
      })
    }
    try {
      const b = decodeBootstrap(json)
      this.store = verifyBootstrap(this.network, hexToBytes(this.checkpoint), b)
      const period = periodAtSlot(b.header.beacon.slot)
      this.finalizedBasis = this.optimisticBasis = { line: `trusted checkpoint ${short(this.checkpoint)} (bootstrap, period ${period})`, period, participants: 0 }
      this.stats.verdict(true)
    } catch (e) {
      throw this.rejected(e, 'bootstrap', url, null)
    }
  }

  /** LightClientUpdates from the store's period (the next one when its committee is known) up to the clock's. */
  private async syncPeriods(signal: AbortSignal | undefined): Promise<void> {
    const nowPeriod = periodAtSlot(this.clockSlot())
    for (;;) {
      const s = this.store!
      const storePeriod = periodAtSlot(s.finalizedHeader.beacon.slot)
      const from = s.nextSyncCommittee === null ? storePeriod : storePeriod + 1
      if (from > nowPeriod) return
      const count = Math.min(MAX_UPDATES_PER_REQUEST, nowPeriod - from + 1)
      const url = `${this.url}/eth/v1/beacon/light_client/updates?start_period=${from}&count=${count}`
      const json = await this.get(url, `updates ${from}..${from + count - 1}`, count * 160 * 1024 + 64 * 1024, signal)
      const list = json === null ? [] : updatesArray(json)
      if (list === null) throw this.bad(url, 'the updates answer is not an array of { version, data }')
      if (list.length > count) throw this.bad(url, `${list.length} updates for count=${count}`)
      const before = storePeriod
      for (const [i, raw] of list.entries()) {
        let u: LightClientUpdate
        try {
          u = decodeUpdate(raw, `updates[${i}]`)
        } catch (e) {
          throw this.rejected(e, 'finalized', url, null)
        }
        // the store moves only by updates that verify; the first that does not ends the round here
        this.apply(u, processUpdate, 'finalized', url)
      }
      const after = periodAtSlot(this.store!.finalizedHeader.beacon.slot)
      // done when this request reached the clock's period, or it brought nothing (the node has no more yet)
      if (from + count - 1 >= nowPeriod || after === before) return
    }
  }

  /** The node's latest finality or optimistic update, verified only when it brings something newer. */
  private async latestUpdate(kind: 'optimistic' | 'finality', signal: AbortSignal | undefined): Promise<void> {
    const url = `${this.url}/eth/v1/beacon/light_client/${kind}_update`
    const json = await this.get(url, `${kind} update`, 256 * 1024, signal)
    if (json === null) return // 404: the node has none yet (the lag check says so when it lasts)
    let u: LightClientUpdate
    try {
      u = decodeUpdate(json, kind)
    } catch (e) {
      throw this.rejected(e, kind === 'optimistic' ? 'head' : 'finalized', url, null)
    }
    const s = this.store!
    const newerHead = u.attestedHeader.beacon.slot > s.optimisticHeader.beacon.slot
    const newerFinal = kind === 'finality' && u.finalizedHeader !== undefined && u.finalizedHeader.beacon.slot > s.finalizedHeader.beacon.slot
    if (!newerHead && !newerFinal) return // nothing new: no need to check the same aggregate again
    this.apply(u, kind === 'optimistic' ? processOptimisticUpdate : processFinalityUpdate, kind === 'optimistic' ? 'head' : 'finalized', url)
  }

  /** Verifies `u` against the store; on success the store (and the basis of each moved header) advances. */
  private apply(u: LightClientUpdate, run: typeof processUpdate, what: 'head' | 'finalized', url: string): void {
    const s = this.store!
    let r: UpdateOutcome
    try {
      r = run(this.network, s, u, { currentSlot: this.clockSlot() })
    } catch (e) {
      if (e instanceof VigilError && e.code === 'LC_IRRELEVANT_UPDATE') return // older than what the store holds: nothing to learn, nothing wrong
      throw this.rejected(e, what, url, u)
    }
    this.stats.verdict(true)
    this.participants = r.participants
    const basis: Basis = { line: `sync committee, period ${r.signaturePeriod}, ${r.participants} of ${SYNC_COMMITTEE_SIZE} signed`, period: r.signaturePeriod, participants: r.participants }
    if (r.store.finalizedHeader.beacon.slot !== s.finalizedHeader.beacon.slot) this.finalizedBasis = basis
    if (r.store.optimisticHeader.beacon.slot !== s.optimisticHeader.beacon.slot) {
      this.optimisticBasis = r.store.optimisticHeader === r.store.finalizedHeader ? this.finalizedBasis : basis
    }
    this.store = r.store
  }

  /** process_light_client_store_force_update: a period without finality adopts the best valid update. */
  private force(): void {
    const s = this.store!
    const best = s.bestValidUpdate
    if (!best) return
    const forced = forceUpdate(s, this.clockSlot())
    if (forced === s) return
    const n = participantCount(best.syncAggregate.bits)
    const period = periodAtSlot(best.signatureSlot)
    const basis: Basis = { line: `forced after ${UPDATE_TIMEOUT} slots without finality: sync committee, period ${period}, ${n} of ${SYNC_COMMITTEE_SIZE} signed (below 2/3 or no finality)`, period, participants: n }
    if (forced.finalizedHeader.beacon.slot !== s.finalizedHeader.beacon.slot) this.finalizedBasis = basis
    if (forced.optimisticHeader.beacon.slot !== s.optimisticHeader.beacon.slot) this.optimisticBasis = basis
    this.store = forced
  }

  /** A head that lags the clock too long: soft (the node is behind, or withholding), the anchor says it is stalled. */
  private lagError(): VigilError | null {
    const s = this.store
    if (!s) return null
    const now = this.clockSlot()
    const head = s.optimisticHeader.beacon.slot
    if (now - head <= this.maxLagSlots) return null
    return new VigilError('SOURCE_UNAVAILABLE', `${this.name}: serves no verified header newer than slot ${head}; the clock is at slot ${now} (${now - head} slots behind)`, {
      severity: 'soft',
      details: { source: this.name, url: this.url, headSlot: head, clockSlot: now },
    })
  }

  // ---------------------------------------------------------------- helpers

  private clockSlot(): number {
    return currentSlot(this.network, this.now())
  }

  private signalFor(opts: AbortOptions): AbortSignal | undefined {
    const a = this.opts.signal
    const b = opts.signal
    return a && b ? AbortSignal.any([a, b]) : (a ?? b)
  }

  private anchored(h: LightClientHeader, basis: Basis | null): AnchoredBlock | null {
    const e = h.execution
    if (!e) return null
    return {
      number: Number(e.blockNumber),
      hash: bytesToHex(e.blockHash),
      stateRoot: bytesToHex(e.stateRoot),
      receiptsRoot: bytesToHex(e.receiptsRoot),
      timestamp: Number(e.timestamp),
      anchor: 'light-client',
      basis: `${basis?.line ?? 'sync committee'}; beacon slot ${h.beacon.slot}`,
    }
  }

  private summary(state: L1AnchorView['state']): string {
    const s = this.store
    const at = `${this.name}, checkpoint ${short(this.checkpoint)}`
    if (!s) return state === 'stalled' ? `not bootstrapped (${at}): ${this.error!.message}` : `bootstrapping (${at})`
    const fin = s.finalizedHeader
    const opt = s.optimisticHeader
    const line = `${this.finalizedBasis?.line ?? 'sync committee'}; finalized slot ${fin.beacon.slot} (L1 block ${fin.execution?.blockNumber ?? '?'}), head slot ${opt.beacon.slot} (L1 block ${opt.execution?.blockNumber ?? '?'})`
    return state === 'stalled' ? `stalled at ${line}: ${this.error!.message}` : line
  }

  /** A bad object: counted against the node, reported as evidence when it is provably wrong; returned to be thrown. */
  private rejected(e: unknown, what: 'head' | 'finalized' | 'bootstrap', url: string, u: LightClientUpdate | null): VigilError {
    const err = e instanceof VigilError ? e : new VigilError('INTERNAL', e instanceof Error ? e.message : String(e))
    if (!err.details.source) err.details.source = this.name
    if (!err.details.url) err.details.url = url
    this.stats.verdict(false, err)
    if (this.opts.onDisagreement && !NOT_EVIDENCE.has(err.code)) {
      const h = u ? (what === 'head' ? u.attestedHeader : (u.finalizedHeader ?? u.attestedHeader)) : null
      const ex = h?.execution
      this.opts.onDisagreement({
        rpc: this.name,
        url: this.url,
        what: what === 'head' ? 'head' : 'finalized',
        l1Block: ex ? Number(ex.blockNumber) : null,
        claimed: h ? `${what === 'bootstrap' ? 'bootstrap' : 'update'} for beacon slot ${h.beacon.slot}${ex ? `, execution block ${ex.blockNumber} ${bytesToHex(ex.blockHash)}` : ''}` : `${what} from ${url}`,
        expected: '',
        code: err.code,
      })
    }
    return err
  }

  private bad(url: string, why: string): VigilError {
    const err = new VigilError('SOURCE_BAD_RESPONSE', `${this.name}: ${why} (${url})`, { severity: 'soft', details: { source: this.name, url } })
    this.stats.verdict(false, err)
    return err
  }

  /**
   * GET `url` as JSON. 404 → null (the caller decides what a miss means); other non-2xx,
   * bodies over `maxBytes` or not JSON → SOURCE_BAD_RESPONSE (5xx/429/408: SOURCE_UNAVAILABLE);
   * network errors → SOURCE_UNAVAILABLE, timeouts → SOURCE_TIMEOUT, all soft and naming the URL;
   * the owner's abort → ABORTED (not counted). Every request is one in the stats.
   */
  private async get(url: string, what: string, maxBytes: number, stop: AbortSignal | undefined): Promise<unknown> {
    if (stop?.aborted) throw abortError(stop)
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = stop ? AbortSignal.any([stop, timeout]) : timeout
    const t0 = performance.now()
    /** Errors already counted in the stats (thrown from inside the try below). */
    const made = new WeakSet<VigilError>()
    const fail = (code: 'SOURCE_UNAVAILABLE' | 'SOURCE_BAD_RESPONSE' | 'SOURCE_TIMEOUT', why: string, extra: Record<string, string | number> = {}, cause?: unknown): VigilError => {
      const err = new VigilError(code, `${this.name}: ${what}: ${why} (${url})`, { severity: 'soft', details: { source: this.name, url, ...extra }, ...(cause === undefined ? {} : { cause }) })
      this.stats.failure(err, performance.now() - t0)
      made.add(err)
      return err
    }
    let res: Response
    let text: string
    try {
      res = await this.fetchFn(url, { headers: { accept: 'application/json' }, signal })
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined)
        this.stats.success(0, performance.now() - t0)
        return null
      }
      if (!res.ok) {
        const body = (await res.text().catch(() => '')).slice(0, 200)
        const soft = res.status >= 500 || res.status === 429 || res.status === 408
        throw fail(soft ? 'SOURCE_UNAVAILABLE' : 'SOURCE_BAD_RESPONSE', `HTTP ${res.status}${body ? ` ${body}` : ''}`, { status: res.status })
      }
      const declared = Number(res.headers.get('content-length') ?? NaN)
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel().catch(() => undefined)
        throw fail('SOURCE_BAD_RESPONSE', `answer of ${declared} bytes, at most ${maxBytes} allowed`, { got: declared, max: maxBytes })
      }
      text = new TextDecoder().decode(
        await readCapped(res, maxBytes, signal, what).catch((e: unknown) => {
          throw e instanceof VigilError && e.code === 'SOURCE_BAD_RESPONSE' ? fail('SOURCE_BAD_RESPONSE', `answer exceeds ${maxBytes} bytes`, { max: maxBytes }) : e
        }),
      )
    } catch (e) {
      if (e instanceof VigilError && made.has(e)) throw e
      if (stop?.aborted) throw abortError(stop)
      if (timeout.aborted) throw fail('SOURCE_TIMEOUT', `no answer within ${this.timeoutMs} ms`, {}, e)
      throw fail('SOURCE_UNAVAILABLE', `unreachable (${e instanceof Error ? e.message : String(e)})`, {}, e)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw fail('SOURCE_BAD_RESPONSE', 'the answer is not JSON')
    }
    this.stats.success(text.length, performance.now() - t0)
    return json
  }
}

/** The `/updates` answer: the Beacon API's array of `{ version, data }`, or that array under `{ data: [...] }`. */
function updatesArray(json: unknown): unknown[] | null {
  if (Array.isArray(json)) return json
  if (typeof json === 'object' && json !== null && Array.isArray((json as { data?: unknown }).data)) return (json as { data: unknown[] }).data
  return null
}
