/**
 * One reorg drawn as two chains side by side from the fork point: the provisional blocks
 * that were replaced (top lane, struck through) and the chain that replaced them (bottom
 * lane; for a checkpoint mismatch, the mined one). Each block links to its page. An L1
 * reorg has no new blocks: its lane says the blocks fell back to attested.
 */
import type { ReorgRecord } from '../client/shared/types'
import { shortHash } from './format'
import { href } from './router'

const BOX_W = 86
const BOX_H = 34
const GAP = 16
const LABEL_W = 112
const PAD = 6

const LANE_TEXT: Record<ReorgRecord['cause'], [string, string]> = {
  'checkpoint-mismatch': ['provisional (gossip)', 'mined (L1)'],
  'l1-reorg': ['mined, then dropped', 'after the L1 reorg'],
  equivocation: ['first proposal', 'adopted'],
  'gossip-fork': ['replaced', 'adopted'],
}

function Box({ x, y, height, hash, kind }: { x: number; y: number; height: number; hash: string; kind: 'old' | 'new' | 'base' }) {
  const label = `block ${height} ${kind === 'old' ? 'replaced' : kind === 'new' ? 'adopted' : 'fork point'} ${hash}`
  return (
    <a href={href.block(hash)} aria-label={label} className={`rt-link rt-${kind}`}>
      <title>{label}</title>
      <rect x={x} y={y} width={BOX_W} height={BOX_H} rx="6" className={`rt-box rt-box-${kind}`} />
      <text x={x + 8} y={y + 14} className="rt-height">
        {height}
      </text>
      <text x={x + 8} y={y + 27} className={`rt-hash ${kind === 'old' ? 'rt-struck' : ''}`}>
        {shortHash(hash, 3, 3)}
      </text>
    </a>
  )
}

export function ReorgTimeline({ r, parentHash }: { r: ReorgRecord; parentHash?: string | null }) {
  const lanes = LANE_TEXT[r.cause]
  const n = Math.max(r.oldHashes.length, r.newHashes.length, 1)
  const x0 = LABEL_W + BOX_W + GAP // first replaced height; the fork point sits before it
  const width = x0 + n * (BOX_W + GAP) + PAD
  const yOld = PAD
  const yNew = PAD + BOX_H + 22
  const height = yNew + BOX_H + PAD
  const xOf = (i: number) => x0 + i * (BOX_W + GAP)
  const yMid = (yOld + yNew + BOX_H) / 2
  return (
    <div className="rt-scroll" data-testid="reorg-timeline">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="group" aria-label={`Reorg at height ${r.fromHeight}: ${r.oldHashes.length} ${lanes[0]} block(s) replaced by ${r.newHashes.length} ${lanes[1]} block(s)`}>
        <text x={0} y={yOld + 21} className="rt-lane rt-lane-old">
          {lanes[0]}
        </text>
        <text x={0} y={yNew + 21} className="rt-lane rt-lane-new">
          {lanes[1]}
        </text>
        {/* the fork point: the last block both chains share */}
        <g aria-hidden={parentHash ? undefined : true}>
          {parentHash ? (
            <Box x={LABEL_W} y={(yOld + yNew) / 2} height={r.fromHeight - 1} hash={parentHash} kind="base" />
          ) : (
            <>
              <rect x={LABEL_W} y={(yOld + yNew) / 2} width={BOX_W} height={BOX_H} rx="6" className="rt-box rt-box-base" />
              <text x={LABEL_W + 8} y={(yOld + yNew) / 2 + 21} className="rt-height">
                {r.fromHeight - 1}
              </text>
            </>
          )}
        </g>
        <path d={`M ${LABEL_W + BOX_W} ${yMid} C ${x0 - GAP / 2} ${yMid}, ${x0 - GAP / 2} ${yOld + BOX_H / 2}, ${x0} ${yOld + BOX_H / 2}`} className="rt-edge rt-edge-old" />
        {r.newHashes.length > 0 ? <path d={`M ${LABEL_W + BOX_W} ${yMid} C ${x0 - GAP / 2} ${yMid}, ${x0 - GAP / 2} ${yNew + BOX_H / 2}, ${x0} ${yNew + BOX_H / 2}`} className="rt-edge rt-edge-new" /> : null}
        {r.oldHashes.map((h, i) => (
          <g key={`o${i}`}>
            {i > 0 ? <line x1={xOf(i) - GAP} x2={xOf(i)} y1={yOld + BOX_H / 2} y2={yOld + BOX_H / 2} className="rt-edge rt-edge-old" /> : null}
            <Box x={xOf(i)} y={yOld} height={r.fromHeight + i} hash={h} kind="old" />
          </g>
        ))}
        {r.newHashes.length === 0 ? (
          <text x={x0} y={yNew + 21} className="rt-note">
            {r.cause === 'l1-reorg' ? 'no new blocks: they fell back to attested until re-mined' : 'no replacement yet'}
          </text>
        ) : (
          r.newHashes.map((h, i) => (
            <g key={`n${i}`}>
              {i > 0 ? <line x1={xOf(i) - GAP} x2={xOf(i)} y1={yNew + BOX_H / 2} y2={yNew + BOX_H / 2} className="rt-edge rt-edge-new" /> : null}
              <Box x={xOf(i)} y={yNew} height={r.fromHeight + i} hash={h} kind="new" />
            </g>
          ))
        )}
      </svg>
    </div>
  )
}
