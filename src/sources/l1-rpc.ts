/**
 * One L1 JSON-RPC endpoint, as a source like any other: every HTTP request is counted in its
 * own stats (`l1:<host>`), JSON-RPC batches go out as one POST, and nothing it answers is
 * believed here. What it says is checked by the anchor (src/sources/l1-anchor-quorum.ts) and the
 * proofs (src/sources/l1-proven.ts). No viem: a batch, a timeout and the stats are all it needs.
 */
import { VigilError } from '../core/errors'
import { StatsRecorder } from './stats'
import { transportReason } from './http'

export interface RpcCall {
  method: string
  params: unknown[]
}

export interface L1RpcOptions {
  name?: string
  timeoutMs?: number
  /** The owner stopping: every request in flight or to come is aborted with it (not counted as a failure). */
  signal?: AbortSignal
  fetch?: typeof fetch
}

/** `l1:<host[:port][/path]>`: how an RPC is named in stats, failures and the trust panel. */
export function rpcName(url: string): string {
  try {
    const u = new URL(url)
    const path = u.pathname.replace(/\/+$/, '')
    return `l1:${u.host}${path}`
  } catch {
    return `l1:${url}`
  }
}

export class L1Rpc {
  readonly name: string
  readonly stats: StatsRecorder
  private id = 0
  private readonly timeoutMs: number
  private readonly fetchFn: typeof fetch

  constructor(
    readonly url: string,
    private readonly opts: L1RpcOptions = {},
  ) {
    this.name = opts.name ?? rpcName(url)
    this.stats = new StatsRecorder(this.name, 'l1')
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.fetchFn = opts.fetch ?? ((i, init) => fetch(i, init))
  }

  /** One call; a JSON-RPC error or a transport failure throws a soft coded error naming this RPC. */
  async request(method: string, params: unknown[] = []): Promise<unknown> {
    const [r] = await this.send([{ method, params }])
    if (r instanceof VigilError) throw r
    return r
  }

  /**
   * Several calls in one POST (JSON-RPC batch). Results come back in call order; a call the
   * RPC answered with an error is a `VigilError` in its place (the others still count). A
   * transport failure, or an answer that is not a batch of the calls sent, throws.
   */
  async batch(calls: RpcCall[]): Promise<(unknown | VigilError)[]> {
    if (calls.length === 0) return []
    return this.send(calls)
  }

  private async send(calls: RpcCall[]): Promise<(unknown | VigilError)[]> {
    const stop = this.opts.signal
    stop?.throwIfAborted()
    const first = this.id + 1
    const body = calls.map((c) => ({ jsonrpc: '2.0', id: ++this.id, method: c.method, params: c.params }))
    const t0 = performance.now()
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = stop ? AbortSignal.any([stop, timeout]) : timeout
    let text: string
    let status: number
    try {
      const res = await this.fetchFn(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls.length === 1 ? body[0] : body), signal })
      status = res.status
      text = await res.text()
    } catch (e) {
      if (stop?.aborted) throw e
      const timedOut = timeout.aborted
      const err = new VigilError(timedOut ? 'SOURCE_TIMEOUT' : 'SOURCE_UNAVAILABLE', `${this.name}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : `unreachable (${transportReason(e)})`}`, {
        severity: 'soft',
        cause: e,
        details: { source: this.name, method: calls[0]!.method },
      })
      this.stats.failure(err, performance.now() - t0)
      throw err
    }
    const ms = performance.now() - t0
    const bad = (why: string): VigilError => {
      const err = new VigilError('SOURCE_BAD_RESPONSE', `${this.name}: ${why}`, { severity: 'soft', details: { source: this.name, method: calls[0]!.method, calls: calls.length } })
      this.stats.failure(err, ms)
      return err
    }
    if (status < 200 || status >= 300) throw bad(`HTTP ${status} for ${calls[0]!.method}${calls.length > 1 ? ` (+${calls.length - 1} batched)` : ''}`)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw bad(`answer to ${calls[0]!.method} is not JSON`)
    }
    const answers = Array.isArray(json) ? json : [json]
    const byId = new Map<number, { result?: unknown; error?: { code?: number; message?: string } }>()
    for (const a of answers) if (a && typeof a === 'object' && typeof (a as { id?: unknown }).id === 'number') byId.set((a as { id: number }).id, a as never)
    const out: (unknown | VigilError)[] = []
    for (let i = 0; i < calls.length; i++) {
      const a = byId.get(first + i)
      if (!a) throw bad(`no answer to call ${i} (${calls[i]!.method}) of a batch of ${calls.length}`)
      if (a.error) {
        out.push(
          new VigilError('SOURCE_BAD_RESPONSE', `${this.name}: ${calls[i]!.method} failed: ${String(a.error.message ?? 'error').slice(0, 200)}`, {
            severity: 'soft',
            details: { source: this.name, method: calls[i]!.method, rpcCode: typeof a.error.code === 'number' ? a.error.code : null },
          }),
        )
      } else out.push(a.result === undefined ? null : a.result)
    }
    this.stats.success(text.length, ms)
    return out
  }
}

export const toQuantity = (n: number | bigint): string => `0x${BigInt(n).toString(16)}`
