/**
 * History sync as progress bars with an ETA: the L1 scan for mined checkpoints, the header
 * syncer (req/resp gaps) and, in full mode, the bodies still missing. The ETA comes from the
 * rate seen over the last ~30 s (useRate), so it settles after a few seconds.
 */
import { useRef } from 'react'
import type { ClientSnapshot } from '../client/shared/types'
import { formatCount } from './format'
import { Section } from './parts'
import { useNow } from './useNow'

interface Sample {
  t: number
  v: number
}

/** Units per second of a growing value over the last `windowMs`; null until two samples span ≥ 2 s. */
export function rateOf(samples: Sample[], windowMs = 30_000): number | null {
  const last = samples.at(-1)
  if (!last) return null
  const first = samples.find((s) => s.t >= last.t - windowMs)
  if (!first || last.t - first.t < 2_000) return null
  return (last.v - first.v) / ((last.t - first.t) / 1000)
}

function useRate(value: number | null, now: number): number | null {
  const samples = useRef<Sample[]>([])
  if (value !== null) {
    const s = samples.current
    const prev = s.at(-1)
    if (!prev || now - prev.t >= 500) {
      s.push({ t: now, v: value })
      while (s.length > 120) s.shift()
    } else if (prev.v !== value) prev.v = value
  }
  return rateOf(samples.current)
}

/** "12 s", "4 min", "2 h 5 min"; null for an unknown or infinite time. */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return null
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  const h = Math.floor(seconds / 3600)
  return `${h} h ${Math.round((seconds - h * 3600) / 60)} min`
}

function Bar({ id, label, done, total, detail, eta, state }: { id: string; label: string; done: number; total: number; detail: string; eta: string | null; state: 'syncing' | 'synced' | 'waiting' }) {
  const pct = total > 0 ? Math.min(100, Math.max(0, (done / total) * 100)) : 0
  const text = state === 'synced' ? 'in sync' : state === 'waiting' ? 'waiting for data' : `${pct.toFixed(pct < 10 ? 1 : 0)}%${eta ? `, about ${eta} left` : ''}`
  return (
    <div className="progress-row" data-testid={`progress-${id}`} data-state={state} data-pct={pct.toFixed(1)}>
      <div className="progress-label">
        <span id={`progress-${id}-label`}>{label}</span>
        <span className="muted small">
          {detail}
          {eta && state === 'syncing' ? <span data-testid={`eta-${id}`}> · ETA {eta}</span> : null}
        </span>
      </div>
      <div className={`progress progress-${state}`} role="progressbar" aria-labelledby={`progress-${id}-label`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-valuetext={text}>
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  )
}

export function SyncProgress({ snapshot }: { snapshot: ClientSnapshot }) {
  const now = useNow()
  const h = snapshot.history
  const l1Done = h && h.l1.cursor !== null ? h.l1.cursor - h.l1.from : null
  const l1Total = h && h.l1.head !== null ? Math.max(1, h.l1.head - h.l1.from) : null
  const l1Rate = useRate(h?.l1.cursor ?? null, now)
  const sync = snapshot.sync
  const syncRate = useRate(sync ? sync.base : null, now)
  const bodies = snapshot.bodies
  const bodyRate = useRate(bodies ? -bodies.missing : null, now)
  const held = h?.blocks.held ?? null
  const tip = h?.blocks.tipHeight ?? snapshot.tips.proposed?.height ?? null

  const l1Left = h && h.l1.head !== null && h.l1.cursor !== null ? h.l1.head - h.l1.cursor : null
  const l1State = l1Done === null || l1Total === null ? 'waiting' : l1Left !== null && l1Left <= 2 ? 'synced' : 'syncing'
  const eta = (left: number | null, rate: number | null) => (left !== null && rate !== null && rate > 0 ? formatEta(left / rate) : null)

  return (
    <Section id="history" title="History sync" data-testid="history-sync">
      {snapshot.snapshotStart ? (
        <p className="muted small snapshot-start" data-testid="snapshot-start" data-height={snapshot.snapshotStart.height}>
          Started from snapshot <code>{snapshot.snapshotStart.name}</code>: {formatCount(snapshot.snapshotStart.blocks)} blocks in {formatCount(snapshot.snapshotStart.checkpoints)} checkpoints up to
          height {formatCount(snapshot.snapshotStart.height)}, checked against L1 and stored in {formatCount(snapshot.snapshotStart.ms)} ms.
        </p>
      ) : null}
      {sync?.trusted ? (
        <p className="muted small snapshot-start" data-testid="trusted-start" data-state={sync.trusted.state}>
          History starts at the trusted header {formatCount(sync.trusted.height)} <code>{sync.trusted.hash.slice(0, 10)}…</code>:{' '}
          {sync.trusted.state === 'anchored'
            ? `found${sync.trusted.peer ? ` on ${sync.trusted.peer.slice(0, 12)}…` : ''} and verified; nothing below it is fetched from peers.`
            : sync.trusted.state === 'searching'
              ? 'asking peers for it…'
              : sync.trusted.state === 'conflict'
                ? 'L1 mined another block at that height, so it is not on the chain L1 holds: following L1 instead (see Recent failures).'
                : 'no peer has served it yet (still asking).'}
        </p>
      ) : null}
      <div className="progress-list">
        <Bar
          id="l1"
          label="L1 history scanned"
          done={l1Done ?? 0}
          total={l1Total ?? 1}
          state={l1State}
          detail={h && h.l1.cursor !== null ? `L1 block ${formatCount(h.l1.cursor)} of ${formatCount(h.l1.head)}` : 'not started'}
          eta={eta(l1Left, l1Rate)}
        />
        {sync && sync.target !== null ? (
          <Bar
            id="headers"
            label="Headers (peers, req/resp)"
            done={sync.base}
            total={Math.max(1, sync.target)}
            state={sync.target - sync.base <= 1 ? 'synced' : 'syncing'}
            detail={`contiguous to ${formatCount(sync.base)} of ${formatCount(sync.target)} verified${sync.pending ? ` · ${sync.pending} pending` : ''}${sync.announced && sync.announced > sync.target ? ` · peers announce ${formatCount(sync.announced)} (not verified)` : ''}`}
            eta={eta(sync.target - sync.base, syncRate)}
          />
        ) : null}
        <Bar
          id="blocks"
          label="Blocks held"
          done={held ?? 0}
          total={Math.max(1, tip ?? 1)}
          state={tip === null ? 'waiting' : held !== null && held >= tip ? 'synced' : 'syncing'}
          detail={tip === null ? 'no blocks yet' : `${formatCount(held)} live blocks for ${formatCount(tip)} heights`}
          eta={null}
        />
        {bodies && bodies.mode === 'full' ? (
          <Bar
            id="bodies"
            label="Bodies verified"
            done={Math.max(0, (held ?? 0) - bodies.missing)}
            total={Math.max(1, held ?? 1)}
            state={bodies.missing === 0 ? 'synced' : 'syncing'}
            detail={`${formatCount(bodies.missing)} missing${bodies.lowestMissing !== null ? ` (lowest ${formatCount(bodies.lowestMissing)})` : ''}`}
            eta={eta(bodies.missing, bodyRate)}
          />
        ) : null}
      </div>
    </Section>
  )
}
