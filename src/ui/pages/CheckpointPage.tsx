/**
 * One checkpoint (`#/checkpoint/<n>`), as beaconcha.in shows an epoch: its status, digest, slot
 * and epoch, every block it commits to, the L1 transaction that carried it (linked to the L1
 * explorer when the config names one), the committee quorum and the L1 proofs it rests on.
 */
import { useEffect, useState } from 'react'
import type { VigilClient } from '../../client/page/remote'
import type { VigilError } from '../../core/errors'
import { formatCount } from '../format'
import { findCheckpoint, type CheckpointLookup, type LookupClient } from '../lookup'
import { Empty, Hash, Section } from '../parts'
import { href } from '../router'
import { Attestations } from './BlockPage'

export function CheckpointView({ found, l1Explorer }: { found: CheckpointLookup; l1Explorer?: string | undefined }) {
  const cp = found.checkpoint
  // a checkpoint's blocks are consecutive: the first one's height less its index, plus i
  const firstHeight = found.block.header.height - found.block.header.indexInCheckpoint
  return (
    <>
      <header className="page-head" data-testid="checkpoint-head" data-number={cp.checkpointNumber} data-status={cp.status}>
        <h1>
          Checkpoint {formatCount(cp.checkpointNumber)} <span className={`pill pill-${cp.status}`}>{cp.status}</span>
        </h1>
        <p className="muted">
          slot {formatCount(cp.slot)}
          {cp.epoch !== null ? ` · epoch ${formatCount(cp.epoch)}` : ''} · digest <Hash value={cp.digest} label="checkpoint digest" head={10} tail={8} /> · {cp.headerHashes.length} blocks
        </p>
        <nav className="height-nav" aria-label="Checkpoints by number">
          {cp.checkpointNumber > 0 ? <a href={href.checkpoint(cp.checkpointNumber - 1)}>← Checkpoint {formatCount(cp.checkpointNumber - 1)}</a> : <span className="muted">← Previous</span>}
          <a href={href.checkpoint(cp.checkpointNumber + 1)}>Checkpoint {formatCount(cp.checkpointNumber + 1)} →</a>
        </nav>
      </header>
      <Section id="cp-blocks" title="Blocks" data-testid="checkpoint-blocks">
        <ol className="results">
          {cp.headerHashes.map((h, i) => (
            <li key={h} data-testid="checkpoint-block" data-height={firstHeight + i}>
              #{i}: <a href={href.block(h)}>block {formatCount(firstHeight + i)}</a> <Hash value={h} label={`block ${i} hash`} />
            </li>
          ))}
        </ol>
      </Section>
      <Section id="cp-quorum" title="L1, quorum and proofs" data-testid="checkpoint-details">
        <Attestations cp={cp} l1Explorer={l1Explorer} />
      </Section>
    </>
  )
}

export function CheckpointPage({ client, n, version }: { client: (LookupClient & Pick<VigilClient, 'config'>) | null; n: number; version: string }) {
  const [state, setState] = useState<{ found: CheckpointLookup | null | undefined; error: VigilError | null }>({ found: undefined, error: null })
  useEffect(() => {
    if (!client) return
    let live = true
    findCheckpoint(client, n).then(
      (found) => live && setState({ found, error: null }),
      (error: VigilError) => live && setState({ found: null, error }),
    )
    return () => {
      live = false
    }
  }, [client, n, version])
  if (state.error)
    return (
      <section className="panel state-error" role="alert" data-testid="checkpoint-error">
        <h1>Cannot show checkpoint {n}</h1>
        <p className="error-line">
          <code className="err-code">{state.error.code}</code> {state.error.message}
        </p>
      </section>
    )
  if (state.found === undefined)
    return (
      <p className="muted" role="status" data-testid="checkpoint-loading">
        <span className="spinner spinner-inline" aria-hidden="true" /> Looking for checkpoint {n}…
      </p>
    )
  if (state.found === null)
    return (
      <section className="panel" data-testid="checkpoint-not-found">
        <h1>Checkpoint {formatCount(n)} is not held by this client</h1>
        <Empty>No block this client holds belongs to it: it may not exist yet, or it is below what this client has synced. This page updates as blocks arrive.</Empty>
      </section>
    )
  return <CheckpointView found={state.found} l1Explorer={client?.config.l1Explorer} />
}
