/** A scoped logger handed to each component (js-libp2p style); silent unless enabled. */
export interface Logger {
  (msg: string, ...args: unknown[]): void
  error(msg: string, ...args: unknown[]): void
  child(scope: string): Logger
}

export function createLogger(scope: string, enabled = false, sink: (line: string) => void = (l) => console.log(l)): Logger {
  const log = ((msg: string, ...args: unknown[]) => {
    if (enabled) sink(`[${scope}] ${msg}${args.length ? ' ' + args.map(fmt).join(' ') : ''}`)
  }) as Logger
  log.error = (msg: string, ...args: unknown[]) => {
    sink(`[${scope}] ERROR ${msg}${args.length ? ' ' + args.map(fmt).join(' ') : ''}`)
  }
  log.child = (sub: string) => createLogger(`${scope}:${sub}`, enabled, sink)
  return log
}

function fmt(a: unknown): string {
  if (a instanceof Error) return a.message
  if (typeof a === 'object') {
    try {
      return JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
    } catch {
      return String(a)
    }
  }
  return String(a)
}

export const silentLogger: Logger = createLogger('silent', false)
