/** The newest blocks: status, and which verification checks passed for each. */
import type { BlockChecks, BlockSummary } from '../client/shared/types'
import type { BlockStatus } from '../core/types'
import { formatCount } from './format'
import { Age, Empty, Hash, Section, StatusPill, TableScroll } from './parts'
import { href } from './router'

export const CHECKS: { key: keyof BlockChecks; short: string; name: string }[] = [
  { key: 'proposerSignature', short: 'sig', name: 'proposer signature' },
  { key: 'linkage', short: 'link', name: 'parent linkage' },
  { key: 'quorum', short: 'quorum', name: 'committee quorum' },
  { key: 'body', short: 'body', name: 'body commitment' },
  { key: 'l1Inclusion', short: 'L1', name: 'L1 inclusion' },
]

export function Checks({ checks }: { checks: BlockChecks }) {
  return (
    <ul className="checks">
      {CHECKS.map(({ key, short, name }) => {
        const v = checks[key]
        const state = v === true ? 'pass' : v === false ? 'fail' : 'none'
        const word = v === true ? 'passed' : v === false ? 'failed' : 'not run yet'
        return (
          <li key={key} className={`check check-${state}`} data-check={key} data-state={state} title={`${name}: ${word}`}>
            <span aria-hidden="true">{state === 'pass' ? '✓' : state === 'fail' ? '✗' : '·'}</span>
            <span aria-hidden="true">{short}</span>
            <span className="sr-only">
              {name} {word}
            </span>
          </li>
        )
      })}
    </ul>
  )
}

const COUNT_ORDER: BlockStatus[] = ['proposed', 'attested', 'mined', 'finalized', 'orphaned', 'invalid']

export function StatusCounts({ counts }: { counts: Record<BlockStatus, number> }) {
  return (
    <dl className="counts" aria-label="Blocks by status">
      {COUNT_ORDER.map((s) => (
        <div key={s} className={`count count-${s}`}>
          <dt>{s}</dt>
          <dd data-testid={`count-${s}`}>{formatCount(counts[s] ?? 0)}</dd>
        </div>
      ))}
    </dl>
  )
}

export function LatestBlocks({ blocks, counts }: { blocks: BlockSummary[]; counts?: Record<BlockStatus, number> }) {
  return (
    <Section
      id="latest"
      title="Latest blocks"
      extra={
        <>
          {counts ? <StatusCounts counts={counts} /> : null}
          <a className="small" href={href.blocks()}>
            All blocks →
          </a>
        </>
      }
      data-testid="latest-blocks"
    >
      {blocks.length === 0 ? (
        <Empty>No blocks yet: waiting for the first proposal or checkpoint.</Empty>
      ) : (
        <TableScroll label="Latest blocks">
          <table className="data blocks">
            <thead>
              <tr>
                <th scope="col" className="num">Height</th>
                <th scope="col">Status</th>
                <th scope="col">Checks</th>
                <th scope="col">Hash</th>
                <th scope="col" className="num">
                  <abbr title="L2 slot · checkpoint number / index of the block in its checkpoint">Slot · ckpt/idx</abbr>
                </th>
                <th scope="col" className="num">Txs</th>
                <th scope="col">Source</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {blocks.map((b) => (
                <tr key={b.hash} data-testid="block-row" data-hash={b.hash} data-status={b.status} data-height={b.height} className={`row-${b.status}`}>
                  <th scope="row" className="num">
                    <a href={href.block(b.hash)} aria-label={`block ${b.height}, ${b.status}`}>
                      {formatCount(b.height)}
                    </a>
                  </th>
                  <td>
                    <StatusPill status={b.status} error={b.error} />
                  </td>
                  <td>
                    <Checks checks={b.checks} />
                  </td>
                  <td>
                    <Hash value={b.hash} label={`block ${b.height} hash`} />
                  </td>
                  <td className="num">
                    {formatCount(b.slot)} · {formatCount(b.checkpointNumber)}/{b.indexInCheckpoint}
                  </td>
                  <td className="num">{formatCount(b.txCount)}</td>
                  <td>
                    <span className="source-name">{b.source}</span>
                  </td>
                  <td>
                    <Age at={b.receivedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Section>
  )
}
