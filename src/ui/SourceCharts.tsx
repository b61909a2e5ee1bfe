/**
 * Live charts of every source over the last minute: latency, throughput, failures and
 * rejections (items that failed verification), one line per source. Hand-written SVG, no
 * chart library. `useSourceSeries` samples the per-source counters once a second (the
 * counters only grow; each point is the difference to the previous sample).
 */
import { useRef } from 'react'
import type { SourceStats } from '../client/shared/types'
import { formatBytes, formatCount, formatMs } from './format'
import { Section } from './parts'
import { useNow } from './useNow'

export interface SourceSample {
  t: number
  sources: Record<string, { requests: number; bytes: number; failures: number; rejected: number; latency: number | null }>
}

const MAX_SAMPLES = 61

/** Appends a sample of `sources` at most once a second; keeps the last minute. */
export function useSourceSeries(sources: Record<string, SourceStats>): SourceSample[] {
  const now = useNow()
  const ref = useRef<SourceSample[]>([])
  const list = ref.current
  const last = list.at(-1)
  if (!last || now - last.t >= 1000) {
    const s: SourceSample['sources'] = {}
    for (const [k, v] of Object.entries(sources)) s[k] = { requests: v.requests, bytes: v.bytes, failures: v.failures, rejected: v.rejected, latency: v.latencyMs.last }
    list.push({ t: now, sources: s })
    while (list.length > MAX_SAMPLES) list.shift()
  }
  return list
}

export type Metric = 'latency' | 'throughput' | 'failures' | 'rejected'

/** Points [t, value] of one source and metric: rates per second for counters, the last latency for latency. */
export function seriesOf(samples: SourceSample[], source: string, metric: Metric): [number, number][] {
  const out: [number, number][] = []
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!.sources[source]
    const b = samples[i]!.sources[source]
    if (!b) continue
    const dt = Math.max(0.001, (samples[i]!.t - samples[i - 1]!.t) / 1000)
    if (metric === 'latency') {
      if (b.latency !== null) out.push([samples[i]!.t, b.latency])
      continue
    }
    const key = metric === 'throughput' ? 'bytes' : metric
    const prev = a ? a[key] : b[key]
    out.push([samples[i]!.t, Math.max(0, (b[key] - prev) / dt)])
  }
  return out
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `v`. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

const W = 320
const H = 96

function Chart({ id, title, metric, samples, names, format }: { id: string; title: string; metric: Metric; samples: SourceSample[]; names: string[]; format: (v: number) => string }) {
  const series = names.map((name, i) => ({ name, i, points: seriesOf(samples, name, metric) }))
  const t1 = samples.at(-1)?.t ?? 0
  const t0 = t1 - (MAX_SAMPLES - 1) * 1000
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))))
  const x = (t: number) => ((t - t0) / (t1 - t0 || 1)) * W
  const y = (v: number) => H - (v / max) * (H - 4) - 2
  const latest = series.map((s) => ({ name: s.name, i: s.i, v: s.points.at(-1)?.[1] ?? null }))
  const summary = `${title}, last minute: ${latest.map((l) => `${l.name} ${l.v === null ? 'no data' : format(l.v)}`).join('; ')}`
  return (
    <figure className="chart" data-testid={`chart-${metric}`} aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`} className="chart-title">
        {title} <span className="muted small">max {format(max)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="chart-svg" role="img" aria-label={summary}>
        <line x1="0" x2={W} y1={H - 1} y2={H - 1} className="chart-axis" />
        <line x1="0" x2={W} y1={H / 2} y2={H / 2} className="chart-grid" />
        {series.map((s) =>
          s.points.length === 0 ? null : (
            <polyline
              key={s.name}
              className={`chart-line series-${s.i % 8}`}
              points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
              data-source={s.name}
            />
          ),
        )}
      </svg>
      <ul className="chart-legend" aria-hidden="true">
        {latest.map((l) => (
          <li key={l.name}>
            <span className={`swatch series-${l.i % 8}`} /> {l.name} <span className="muted">{l.v === null ? '–' : format(l.v)}</span>
          </li>
        ))}
      </ul>
    </figure>
  )
}

export function SourceCharts({ samples }: { samples: SourceSample[] }) {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.sources)))].sort()
  const rate = (v: number) => `${v < 10 && v > 0 ? v.toFixed(1) : formatCount(v)}/s`
  return (
    <Section id="source-charts" title="Sources, last minute" data-testid="source-charts" extra={<span className="muted small">one line per source, sampled every second</span>}>
      {names.length === 0 ? (
        <p className="empty">No source has been asked anything yet.</p>
      ) : (
        <div className="chart-grid">
          <Chart id="chart-latency" title="Latency" metric="latency" samples={samples} names={names} format={(v) => formatMs(v)} />
          <Chart id="chart-throughput" title="Throughput" metric="throughput" samples={samples} names={names} format={(v) => `${formatBytes(v)}/s`} />
          <Chart id="chart-failures" title="Failures" metric="failures" samples={samples} names={names} format={rate} />
          <Chart id="chart-rejected" title="Rejected by verification" metric="rejected" samples={samples} names={names} format={rate} />
        </div>
      )}
    </Section>
  )
}
