/**
 * One transaction (`#/tx/<hash>`), as otterscan and etherscan have it: which block holds it
 * (every block: the same tx can sit in an orphaned and in a mined block, live first), its
 * position there, and whether that block's body — the tx's effects — verified against the
 * header's body commitment (and from where), with the effects when held.
 */
import { useEffect, useState } from 'react'
import type { VigilClient } from '../../client/page/remote'
import type { BlockView, SearchResult, TxEffectView } from '../../client/shared/types'
import type { VigilError } from '../../core/errors'
import { formatBytes, formatCount } from '../format'
import { Age, Empty, Hash, L1Link, Section, StatusPill } from '../parts'
import { href } from '../router'
import { l1CheckpointOf } from './BlockPage'

type TxHit = Extract<SearchResult, { kind: 'tx' }>
const LIVE_FIRST = ['finalized', 'mined', 'attested', 'proposed', 'orphaned', 'invalid']

export interface TxPlacement {
  hit: TxHit
  view: BlockView | null
  effect: TxEffectView | null
}

/** Whether the body holding the tx verified: the block's body check, and where the body is. */
export function bodyVerdict(view: BlockView | null): { verified: boolean | null; text: string } {
  if (!view) return { verified: null, text: 'the block is no longer held' }
  const checked = view.summary.checks.body
  const where = view.bodySource ? ` (from ${view.bodySource})` : ''
  if (checked === true) return { verified: true, text: `verified: the body hashes to the header’s bodyHash${where}${view.bodyState === 'verified-not-held' ? '; light mode keeps only the tx index' : ''}` }
  if (checked === false) return { verified: false, text: `FAILED: the body does not match the header’s bodyHash${where}` }
  return { verified: null, text: 'not verified yet: no body has been checked for this block' }
}

export function TxPlacements({ hash, placements, l1Explorer }: { hash: string; placements: TxPlacement[]; l1Explorer?: string | undefined }) {
  return (
    <>
      <header className="page-head" data-testid="tx-head" data-tx={hash}>
        <h1>Transaction</h1>
        <p className="muted">
          <Hash value={hash} label="transaction hash" head={12} tail={10} />
        </p>
      </header>
      {placements.map(({ hit, view, effect }) => {
        const body = bodyVerdict(view)
        const cp = view ? l1CheckpointOf(view) : null
        return (
          <Section key={hit.hash} id={`tx-in-${hit.hash.slice(2, 10)}`} title={`In block ${formatCount(hit.height)}`} data-testid="tx-placement" data-status={hit.status} data-block={hit.hash}>
            <dl className="fields">
              <div className="field">
                <dt>Block</dt>
                <dd>
                  <a href={href.block(hit.hash, hash)} data-testid="tx-block-link">
                    {formatCount(hit.height)}
                  </a>{' '}
                  <Hash value={hit.hash} label="block hash" /> <StatusPill status={hit.status} />
                </dd>
              </div>
              <div className="field">
                <dt>Position</dt>
                <dd data-testid="tx-position">
                  {hit.index}
                  {view ? ` of ${view.header.txCount}` : ''}
                </dd>
              </div>
              {view ? (
                <div className="field">
                  <dt>Time</dt>
                  <dd>
                    <Age at={view.header.timestamp} date />
                  </dd>
                </div>
              ) : null}
              <div className="field">
                <dt>Body</dt>
                <dd data-testid="tx-body" data-verified={body.verified === null ? 'unknown' : String(body.verified)}>
                  <span className={body.verified ? 'good-text' : body.verified === false ? 'bad-text' : 'muted'}>{body.verified ? '✓ ' : body.verified === false ? '✗ ' : '– '}</span>
                  {body.text}
                </dd>
              </div>
              {view ? (
                <div className="field">
                  <dt>Checkpoint</dt>
                  <dd>
                    <a href={href.checkpoint(view.header.checkpointNumber)}>{formatCount(view.header.checkpointNumber)}</a>
                    {cp?.l1 ? (
                      <>
                        {' '}
                        · on L1 in block{' '}
                        <L1Link kind="block" id={cp.l1.blockNumber} template={l1Explorer}>
                          {formatCount(cp.l1.blockNumber)}
                        </L1Link>
                        , tx <Hash value={cp.l1.txHash} label="L1 transaction hash" />
                        <L1Link kind="tx" id={cp.l1.txHash} template={l1Explorer} testid="l1-tx-link">
                          {' '}
                          ↗
                        </L1Link>
                      </>
                    ) : (
                      ' · not on L1 yet'
                    )}
                  </dd>
                </div>
              ) : null}
              {effect ? (
                <div className="field">
                  <dt>Effects</dt>
                  <dd data-testid="tx-effect">
                    fee {formatCount(effect.fee)} · {effect.noteHashes.length} note hashes · {effect.nullifiers.length} nullifiers · logs {formatBytes(effect.logBytes)}
                  </dd>
                </div>
              ) : null}
            </dl>
          </Section>
        )
      })}
    </>
  )
}

type TxClient = Pick<VigilClient, 'search' | 'getBlock' | 'config'>

export function TxPage({ client, hash, version }: { client: TxClient | null; hash: string; version: string }) {
  const [state, setState] = useState<{ placements: TxPlacement[] | null; error: VigilError | null }>({ placements: null, error: null })
  useEffect(() => {
    if (!client) return
    let live = true
    ;(async () => {
      const hits = (await client.search(hash)).filter((r): r is TxHit => r.kind === 'tx')
      hits.sort((a, b) => LIVE_FIRST.indexOf(a.status) - LIVE_FIRST.indexOf(b.status))
      return Promise.all(
        hits.map(async (hit) => {
          const view = await client.getBlock(hit.hash).catch(() => null)
          const effect = view?.txEffects?.find((e) => e.txHash.toLowerCase() === hit.txHash.toLowerCase()) ?? null
          return { hit, view, effect }
        }),
      )
    })().then(
      (placements) => live && setState({ placements, error: null }),
      (error: VigilError) => live && setState({ placements: null, error }),
    )
    return () => {
      live = false
    }
  }, [client, hash, version])
  if (state.error)
    return (
      <section className="panel state-error" role="alert" data-testid="tx-error" data-code={state.error.code}>
        <h1>Cannot show transaction</h1>
        <p className="error-line">
          <code className="err-code">{state.error.code}</code> {state.error.message}. A transaction hash is 0x and 64 hex digits.
        </p>
      </section>
    )
  if (state.placements === null)
    return (
      <p className="muted" role="status" data-testid="tx-loading">
        <span className="spinner spinner-inline" aria-hidden="true" /> Looking for the transaction…
      </p>
    )
  if (state.placements.length === 0)
    return (
      <section className="panel" data-testid="tx-not-found">
        <h1>Transaction not held by this client</h1>
        <Empty>
          No body this client verified contains <code>{hash}</code>. Only transactions of blocks synced into this browser are indexed: the explorer asks no server.
        </Empty>
      </section>
    )
  return <TxPlacements hash={hash} placements={state.placements} l1Explorer={client?.config.l1Explorer} />
}
