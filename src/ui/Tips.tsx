/** The four heads a client tracks, strongest last, with the other seeds' names for them. */
import { LIVE_STATUSES, STATUS_ALIASES, type LiveStatus, type Tips as TipsT } from '../core/types'
import { formatCount } from './format'
import { Age, Hash } from './parts'

const TIP_HELP: Record<LiveStatus, string> = {
  proposed: 'Highest block with a valid proposer signature (gossip).',
  attested: 'Highest block whose checkpoint reached committee quorum.',
  mined: 'Highest block whose checkpoint is on L1, proven against an anchored L1 block (see L1 trust).',
  finalized: 'Highest block whose L1 block is finalized by the L1 anchor.',
}

export function TipCard({ status, tip }: { status: LiveStatus; tip: TipsT[LiveStatus] }) {
  return (
    <article className={`tip tip-${status}`} data-testid={`tip-${status}`} aria-labelledby={`tip-${status}-name`}>
      <header className="tip-head">
        <h3 id={`tip-${status}-name`} className="tip-name" title={TIP_HELP[status]}>
          {status}
        </h3>
        <span className="tip-alias">{STATUS_ALIASES[status]}</span>
      </header>
      {tip ? (
        <>
          <p className="tip-height">
            <span className="sr-only">height </span>
            <span data-testid={`tip-${status}-height`}>{formatCount(tip.height)}</span>
          </p>
          <p className="tip-meta">
            <Hash value={tip.hash} label={`${status} tip hash`} />
            <Age at={tip.timestamp} />
          </p>
        </>
      ) : (
        <>
          <p className="tip-height tip-none">
            <span data-testid={`tip-${status}-height`}>–</span>
          </p>
          <p className="tip-meta muted">none yet</p>
        </>
      )}
    </article>
  )
}

export function Tips({ tips, restoredFromStore }: { tips: TipsT; restoredFromStore: boolean }) {
  return (
    <section className="panel tips" aria-labelledby="tips-title" data-testid="tips" data-restored={restoredFromStore ? 'true' : 'false'}>
      <div className="panel-head">
        <h2 id="tips-title">Tips</h2>
        {restoredFromStore ? (
          <span className="badge badge-restored" data-testid="restored-badge" title="These tips were read from this browser’s store (IndexedDB) before anything new arrived.">
            restored from store
          </span>
        ) : null}
      </div>
      <div className="tip-grid" aria-live="polite" aria-atomic="false">
        {LIVE_STATUSES.map((s) => (
          <TipCard key={s} status={s} tip={tips[s]} />
        ))}
      </div>
    </section>
  )
}
