/** Pure formatting for the page. No DOM, no clock: callers pass `now`. */

const DASH = '–'

/**
 * "now", "3 s ago", "4 min ago", "2 h ago", "3 d ago"; "in 2 s" for a time ahead of `now` (clock
 * skew). With a `locale`, the same units through `Intl.RelativeTimeFormat` ("vor 3 Sek.",
 * "il y a 4 min", "3 sec. ago").
 */
export function formatAge(at: number | null | undefined, now: number, locale?: string): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return DASH
  const delta = now - at
  const s = Math.floor(Math.abs(delta) / 1000)
  if (locale !== undefined) {
    const rtf = relativeFormat(locale)
    if (rtf) {
      const sign = delta >= 0 ? -1 : 1
      if (s < 1) return rtf.format(0, 'second')
      if (s < 60) return rtf.format(sign * s, 'second')
      if (s < 3600) return rtf.format(sign * Math.floor(s / 60), 'minute')
      if (s < 86_400) return rtf.format(sign * Math.floor(s / 3600), 'hour')
      return rtf.format(sign * Math.floor(s / 86_400), 'day')
    }
  }
  if (s < 1) return 'now'
  let text: string
  if (s < 60) text = `${s} s`
  else if (s < 3600) text = `${Math.floor(s / 60)} min`
  else if (s < 86_400) text = `${Math.floor(s / 3600)} h`
  else text = `${Math.floor(s / 86_400)} d`
  return delta >= 0 ? `${text} ago` : `in ${text}`
}

/** Binary units, as blobs are sized (128 KiB): "0 B", "512 B", "1.5 KiB", "128 KiB", "3.2 MiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return DASH
  if (n < 1024) return `${Math.round(n)} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const digits = v < 10 ? 1 : 0
  const text = v.toFixed(digits).replace(/\.0$/, '')
  return `${text} ${units[i]}`
}

/** "0x1234…abcd" (head and tail hex digits after the 0x); short input is returned as is. */
export function shortHash(hash: string | null | undefined, head = 4, tail = 4): string {
  if (!hash) return DASH
  const body = hash.startsWith('0x') ? hash.slice(2) : hash
  const prefix = hash.startsWith('0x') ? '0x' : ''
  if (body.length <= head + tail + 1) return hash
  return `${prefix}${body.slice(0, head)}…${body.slice(-tail)}`
}

/** Grouped integer ("12,345"); "–" for null. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  return Math.round(n).toLocaleString('en-US')
}

/** "12 ms", "1.2 s"; "–" for null. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
}

/** Latency triple as one cell: "12 / 15 / 80 ms". */
export function formatLatency(l: { last: number | null; avg: number | null; max: number | null }): string {
  const parts = [l.last, l.avg, l.max]
  if (parts.every((p) => p === null)) return DASH
  if (parts.every((p) => p === null || p < 1000)) return `${parts.map((p) => (p === null ? DASH : String(Math.round(p)))).join(' / ')} ms`
  return parts.map((p) => formatMs(p)).join(' / ')
}

/** Local wall-clock time with seconds, e.g. "14:03:07" (stable text for screen readers). */
export function formatClock(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return DASH
  const d = new Date(at)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** ISO string for `<time dateTime>`; empty for no time. */
export function isoTime(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return ''
  return new Date(at).toISOString()
}

const rtfCache = new Map<string, Intl.RelativeTimeFormat | null>()
function relativeFormat(locale: string): Intl.RelativeTimeFormat | null {
  if (!rtfCache.has(locale)) {
    try {
      rtfCache.set(locale, new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' }))
    } catch {
      rtfCache.set(locale, null) // not a valid BCP 47 tag
    }
  }
  return rtfCache.get(locale) ?? null
}

/**
 * A date and time in the reader's locale (`Intl.DateTimeFormat`, medium date, time with
 * seconds, the time zone's short name), e.g. "4 Dec 2026, 18:33:40 UTC" (en-GB) or
 * "Dec 4, 2026, 6:33:40 PM UTC" (en-US). `timeZone` pins it (tests); default: the reader's.
 */
export function formatDate(at: number | null | undefined, opts: { locale?: string | undefined; timeZone?: string | undefined } = {}): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return DASH
  const o: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'long' }
  if (opts.timeZone) o.timeZone = opts.timeZone
  try {
    return new Intl.DateTimeFormat(opts.locale, o).format(at)
  } catch {
    return new Date(at).toISOString()
  }
}
