/**
 * The worker's view of a libp2p node that lives on the page (docs/decisions/browser-peers.md).
 *
 * In a browser tab the one libp2p node (one identity) runs on the main thread, because only
 * the page has RTCPeerConnection; the worker keeps sync, verification and storage. The
 * req/resp client (src/sources/reqresp.ts) and the syncer run in the worker unchanged: they
 * are attached to a `RemoteNode`, which implements the few members of `Libp2p` they use
 * (peer events, `getPeers`, `peerStore.get`) and carries requests to the page
 * (`request()` in stream.ts delegates to `remoteRequest` when a node has one). The page
 * feeds it identify / disconnect events and does the network I/O; it never sees data other
 * than bytes.
 */
import type { IdentifyResult, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { abortError } from '../core/abort'
import { VigilError, isVigilError, type ErrorRecord } from '../core/errors'

/** What the page does for the worker: one req/resp exchange on its node. Rejects with an ErrorRecord. */
export interface PageNet {
  request(peer: string, protocol: string, payload: Uint8Array, opts: { timeoutMs: number; maxResponseBytes: number }): Promise<Uint8Array>
}

/** A peer event the page forwards: identify finished (with the protocols the peer speaks), or it disconnected. */
export type PeerEvent = { kind: 'identify'; peer: string; protocols: string[] } | { kind: 'disconnect'; peer: string }

/** The hook `request()` (stream.ts) looks for. */
export interface RemoteRequester {
  remoteRequest(peer: string, protocol: string, payload: Uint8Array, opts: { timeoutMs: number; maxResponseBytes: number; signal?: AbortSignal }): Promise<Uint8Array>
}

function isRecord(v: unknown): v is ErrorRecord {
  return typeof v === 'object' && v !== null && typeof (v as ErrorRecord).code === 'string' && typeof (v as ErrorRecord).message === 'string'
}

/**
 * The Libp2p subset the req/resp source uses, backed by the page's node. Cast it to `Libp2p`
 * only for `ReqRespSource.attach`; nothing else may use it as a node.
 */
export class RemoteNode extends EventTarget implements RemoteRequester {
  private readonly protocols = new Map<string, string[]>()
  private readonly ids = new Map<string, PeerId>()
  private net: PageNet | null = null

  /** Connects (or replaces) the page side. */
  setNet(net: PageNet | null): void {
    this.net = net
  }

  /** Feeds one event from the page's node. */
  peerEvent(ev: PeerEvent): void {
    if (ev.kind === 'disconnect') {
      const id = this.ids.get(ev.peer)
      this.protocols.delete(ev.peer)
      this.ids.delete(ev.peer)
      if (id) this.dispatchEvent(new CustomEvent<PeerId>('peer:disconnect', { detail: id }))
      return
    }
    let id: PeerId
    try {
      id = this.ids.get(ev.peer) ?? peerIdFromString(ev.peer)
    } catch {
      return // not a peer id: ignore
    }
    this.ids.set(ev.peer, id)
    this.protocols.set(ev.peer, ev.protocols.slice(0, 256))
    this.dispatchEvent(new CustomEvent<IdentifyResult>('peer:identify', { detail: { peerId: id, protocols: ev.protocols } as unknown as IdentifyResult }))
  }

  getPeers(): PeerId[] {
    return [...this.ids.values()]
  }

  readonly peerStore = {
    get: async (peer: PeerId): Promise<{ protocols: string[] }> => {
      const p = this.protocols.get(peer.toString())
      if (!p) throw new VigilError('NOT_FOUND', `peer ${peer.toString()} is not known to the page`, { severity: 'soft' })
      return { protocols: p }
    },
  }

  async remoteRequest(peer: string, protocol: string, payload: Uint8Array, opts: { timeoutMs: number; maxResponseBytes: number; signal?: AbortSignal }): Promise<Uint8Array> {
    const net = this.net
    if (!net) throw new VigilError('SOURCE_UNAVAILABLE', 'the page network is not attached', { severity: 'soft', details: { peer, protocol } })
    const signal = opts.signal
    if (signal?.aborted) throw abortError(signal)
    let onAbort: (() => void) | undefined
    // the page bounds the exchange by timeoutMs; the signal only stops us waiting for it
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal!))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    aborted.catch(() => {})
    try {
      const res = await Promise.race([net.request(peer, protocol, payload, { timeoutMs: opts.timeoutMs, maxResponseBytes: opts.maxResponseBytes }), aborted])
      if (!(res instanceof Uint8Array) || res.length > opts.maxResponseBytes)
        throw new VigilError('DECODE_TOO_LARGE', `${protocol} response over ${opts.maxResponseBytes} bytes`, { details: { peer, protocol } })
      return res
    } catch (e) {
      if (isVigilError(e)) throw e
      if (isRecord(e)) throw VigilError.fromRecord(e)
      throw new VigilError('SOURCE_UNAVAILABLE', `${protocol} to ${peer} through the page failed: ${e instanceof Error ? e.message : String(e)}`, { severity: 'soft', details: { peer, protocol } })
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
  }
}

export function isRemoteRequester(node: unknown): node is RemoteRequester {
  return typeof (node as Partial<RemoteRequester> | null)?.remoteRequest === 'function'
}
