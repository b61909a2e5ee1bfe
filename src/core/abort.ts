import { VigilError } from './errors'

/** A signal that aborts after `ms`, or when `parent` aborts, whichever comes first. */
export function timeoutSignal(ms: number, parent?: AbortSignal): AbortSignal {
  const t = AbortSignal.timeout(ms)
  return parent ? AbortSignal.any([parent, t]) : t
}

/** Resolves after `ms`, rejects with ABORTED when the signal fires first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal))
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal!))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export function abortError(signal: AbortSignal): VigilError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted'
  const timedOut = signal.reason instanceof Error && signal.reason.name === 'TimeoutError'
  return new VigilError(timedOut ? 'SOURCE_TIMEOUT' : 'ABORTED', reason, { severity: 'soft' })
}

/** Exponential backoff with full jitter, capped. attempt counts from 0. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
