/**
 * JSON-RPC plumbing for the devnet's L1 RPCs (src/devnet/services/l1-rpcs.ts): one call
 * forwarded to anvil as is (its answer, error included, under the caller's id), and a call
 * whose result the devnet needs itself (an error throws).
 */

export interface RpcCall {
  jsonrpc?: string
  id?: unknown
  method: string
  params: unknown[]
}

export interface RpcAnswer {
  jsonrpc: '2.0'
  id: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** Bound on one call to anvil. */
const UPSTREAM_TIMEOUT_MS = 15_000

export function rpcError(id: unknown, code: number, message: string): RpcAnswer {
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message } }
}

/** A well-formed call object (`method` a string, `params` absent or an array), else null. */
export function asCall(v: unknown): RpcCall | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  if (typeof o.method !== 'string' || (o.params !== undefined && !Array.isArray(o.params))) return null
  return { jsonrpc: '2.0', id: o.id ?? null, method: o.method, params: (o.params as unknown[] | undefined) ?? [] }
}

/** `call` sent to `url`; a transport failure is a JSON-RPC error (-32603) naming it. */
export async function forward(url: string, call: RpcCall, signal?: AbortSignal): Promise<RpcAnswer> {
  const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: call.id, method: call.method, params: call.params }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })
    const a = (await res.json()) as RpcAnswer
    return { ...a, id: call.id }
  } catch (e) {
    return rpcError(call.id, -32603, `upstream L1 unreachable: ${(e as Error).message}`)
  }
}

/** The result of `method(params)` at `url`; a JSON-RPC error or a transport failure throws. */
export async function rpcResult<T>(url: string, method: string, params: unknown[], signal?: AbortSignal): Promise<T> {
  const a = await forward(url, { jsonrpc: '2.0', id: 1, method, params }, signal)
  if (a.error) throw new Error(`${method}: ${a.error.message}`)
  return a.result as T
}
