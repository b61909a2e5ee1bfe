/**
 * Where the sync engine's time goes (for `npm run bench`, docs/bench.md): every engine step is
 * timed, and inside it the time spent waiting on L1 (fetch) and on the store (store); the rest
 * is verification and bookkeeping (decode, signature and quorum checks, linkage, tips).
 */
import type { L1Port } from '../ports/l1'

export interface EngineTimings {
  /** Engine steps run (each one serial step: a proposal, an attestation, one L1 pass …). */
  steps: number
  /** Wall time inside steps (ms). */
  busyMs: number
  /** Waiting on the L1 port inside steps (ms). */
  fetchMs: number
  /** Waiting on the store (writes and reads) inside steps (ms). */
  storeMs: number
  /** busy − fetch − store: decoding, verification, bookkeeping (ms). */
  verifyMs: number
}

export class StepTimer {
  private steps = 0
  private busyMs = 0
  fetchMs = 0
  private storeMs = 0

  async step<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      this.steps++
      this.busyMs += performance.now() - t0
    }
  }

  async store<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      this.storeMs += performance.now() - t0
    }
  }

  snapshot(): EngineTimings {
    const r = (x: number) => Math.round(x * 10) / 10
    return { steps: this.steps, busyMs: r(this.busyMs), fetchMs: r(this.fetchMs), storeMs: r(this.storeMs), verifyMs: r(Math.max(0, this.busyMs - this.fetchMs - this.storeMs)) }
  }
}

/** The same L1 port (every method, whatever it grows), with the time its promises take added to `timer.fetchMs`. */
export function timedL1Port<P extends L1Port>(port: P, timer: StepTimer): P {
  return new Proxy(port, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        const t0 = performance.now()
        const out = (v as (...a: unknown[]) => unknown).apply(target, args)
        if (!(out instanceof Promise)) return out
        return out.finally(() => {
          timer.fetchMs += performance.now() - t0
        })
      }
    },
  })
}
