/** Reorgs as they were detected: how deep, from where, what replaced what, and why. */
import type { ReorgRecord } from '../client/shared/types'
import { formatCount } from './format'
import { Age, Empty, Hash, Section } from './parts'
import { ReorgTimeline } from './ReorgTimeline'

const CAUSE_TEXT: Record<ReorgRecord['cause'], string> = {
  'checkpoint-mismatch': 'checkpoint on L1 differs from gossip',
  'l1-reorg': 'L1 reorg',
  equivocation: 'proposer equivocation',
  'gossip-fork': 'gossip fork',
}

function HashList({ hashes, label }: { hashes: string[]; label: string }) {
  if (hashes.length === 0) return <span className="muted">none</span>
  return (
    <ul className="hash-list" aria-label={label}>
      {hashes.map((h, i) => (
        <li key={`${h}-${i}`}>
          <Hash value={h} label={label} />
        </li>
      ))}
    </ul>
  )
}

/** Reorgs, newest first; the newest `timelines` are also drawn as two chains side by side. */
export function Reorgs({ reorgs, timelines = 5 }: { reorgs: ReorgRecord[]; timelines?: number }) {
  return (
    <Section id="reorgs" title="Reorgs" extra={<span className="muted small">{reorgs.length === 0 ? '' : `${reorgs.length} shown`}</span>} data-testid="reorgs">
      {reorgs.length === 0 ? (
        <Empty>No reorgs seen.</Empty>
      ) : (
        <ol className="reorgs">
          {reorgs.map((r, i) => (
            <li key={r.id} className="reorg" data-testid="reorg-row" data-cause={r.cause} data-depth={r.depth}>
              <div className="reorg-head">
                <strong>
                  depth {r.depth} from height {formatCount(r.fromHeight)}
                </strong>
                <span className={`cause cause-${r.cause}`} title={r.cause}>
                  {CAUSE_TEXT[r.cause]}
                </span>
                <Age at={r.at} />
              </div>
              <details className="reorg-details" open={i >= timelines}>
                <summary>Full hashes</summary>
                <div className="reorg-hashes">
                  <div>
                    <span className="muted small">old</span>
                    <HashList hashes={r.oldHashes} label="replaced block hash" />
                  </div>
                  <span className="arrow" aria-label="replaced by">
                    →
                  </span>
                  <div>
                    <span className="muted small">new</span>
                    <HashList hashes={r.newHashes} label="new block hash" />
                  </div>
                </div>
              </details>
              {i < timelines ? <ReorgTimeline r={r} /> : null}
            </li>
          ))}
        </ol>
      )}
    </Section>
  )
}
