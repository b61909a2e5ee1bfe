/** Node 20 polyfills for libp2p: Promise.withResolvers and a global WebSocket (from `ws`). */
import { WebSocket as WS } from 'ws'

const P = Promise as unknown as { withResolvers?: unknown }
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (v: T | PromiseLike<T>) => void
    let reject!: (e?: unknown) => void
    const promise = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}
const g = globalThis as unknown as { WebSocket?: unknown }
if (typeof g.WebSocket === 'undefined') g.WebSocket = WS
