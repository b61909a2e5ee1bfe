import { toErrorRecord } from '../core/errors'
import type { SourceKind, SourceStats } from '../core/records'

/** Per-source fetch statistics: every adapter records each request through one of these. */
export class StatsRecorder {
  private s: SourceStats
  private latencySum = 0
  private latencyCount = 0
  private readonly listeners = new Set<() => void>()

  constructor(name: string, kind: SourceKind) {
    this.s = {
      name,
      kind,
      requests: 0,
      bytes: 0,
      failures: 0,
      rejected: 0,
      accepted: 0,
      latencyMs: { last: null, avg: null, max: null },
      lastError: null,
      lastAt: null,
    }
  }

  /** Calls `fn` after every recorded request or verdict; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => void this.listeners.delete(fn)
  }

  private changed(): void {
    for (const fn of this.listeners) fn()
  }

  get name(): string {
    return this.s.name
  }

  /** A completed request: `bytes` received, how long it took. */
  success(bytes: number, latencyMs: number | null): void {
    this.s.requests++
    this.s.bytes += bytes
    this.s.lastAt = Date.now()
    if (latencyMs !== null) this.latency(latencyMs)
    this.changed()
  }

  /** A failed request (transport error, timeout, bad response). */
  failure(error: unknown, latencyMs: number | null = null): void {
    this.s.requests++
    this.s.failures++
    this.s.lastError = toErrorRecord(error)
    this.s.lastAt = Date.now()
    if (latencyMs !== null) this.latency(latencyMs)
    this.changed()
  }

  /** An item this source delivered passed (accepted) or failed (rejected) verification. */
  verdict(ok: boolean, error?: unknown): void {
    if (ok) this.s.accepted++
    else {
      this.s.rejected++
      if (error !== undefined) this.s.lastError = toErrorRecord(error)
    }
    this.changed()
  }

  /** Times an async request, recording success (with the byte count `sizeOf` reports) or failure. */
  async time<T>(fn: () => Promise<T>, sizeOf: (v: T) => number): Promise<T> {
    const t0 = performance.now()
    try {
      const v = await fn()
      this.success(sizeOf(v), performance.now() - t0)
      return v
    } catch (e) {
      this.failure(e, performance.now() - t0)
      throw e
    }
  }

  private latency(ms: number): void {
    const l = Math.round(ms * 10) / 10
    this.latencySum += l
    this.latencyCount++
    this.s.latencyMs = {
      last: l,
      avg: Math.round((this.latencySum / this.latencyCount) * 10) / 10,
      max: Math.max(this.s.latencyMs.max ?? 0, l),
    }
  }

  snapshot(): SourceStats {
    return { ...this.s, latencyMs: { ...this.s.latencyMs } }
  }
}
