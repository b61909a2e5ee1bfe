/**
 * One block: header fields, its state and the history of its transitions, provenance (which
 * source delivered the header and the body, when, latency, retries), attestations (signers
 * against the committee, quorum), tx effects, and **Verify now**, which re-runs every check
 * on demand and shows each result.
 */
import { useEffect, useState, type ReactNode } from 'react'
import type { VigilClient } from '../../client/page/remote'
import { useBlock, useVerifyBlock } from '../../client/page/react-core'
import type { AnchorKind, BlockRef, BlockView, CheckResult, CheckpointView, L1Proof, ProofCheck, TxEffectView, VerifyReport } from '../../client/shared/types'
import type { VigilError } from '../../core/errors'
import { formatClock, formatCount, formatMs, shortHash } from '../format'
import { Age, Empty, Hash, L1Link, Section, StatusPill, TableScroll } from '../parts'
import { href } from '../router'

const CHECK_MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skipped: '–' }
const CHECK_WORD: Record<CheckResult['status'], string> = { pass: 'passed', fail: 'failed', skipped: 'not run' }
const PROOF_KIND: Record<ProofCheck['kind'], string> = { anchor: 'anchor', header: 'header hash', account: 'account proof', storage: 'storage proof', receipts: 'receipts root' }
const ANCHOR_WORD: Record<AnchorKind, string> = { 'light-client': 'consensus light client', 'rpc-quorum': 'RPC quorum' }

/** The checkpoint that put this block on L1 (finalized first, then mined), if one names it. */
export function l1CheckpointOf(view: Pick<BlockView, 'checkpoints'>): CheckpointView | null {
  return view.checkpoints.find((c) => c.status === 'finalized') ?? view.checkpoints.find((c) => c.status === 'mined') ?? null
}

export interface VerifyVerdict {
  /** No check failed, no L1 proof failed, the block is not stored invalid. */
  ok: boolean
  /** The anchored L1 block this block's L1 facts were proven against; null: nothing about L1 is claimed. */
  l1: { blockNumber: number; basis: string; proofs: number } | null
  /** Why there is no L1 claim. */
  l1Missing: string
  failedChecks: CheckResult[]
  failedProofs: ProofCheck[]
}

/**
 * What Verify now may claim — the same rule as the widget's badge (src/widget/claim.ts): valid
 * when nothing failed (checks and L1 proofs); "proven against L1" only with an active anchor
 * (`trustActive`; undefined: not known here, the report decides), proofs checked against an
 * anchored block, and for a mined or finalized block a checkpoint that carries its proof.
 */
export function verifyVerdict(report: VerifyReport, status?: string, checkpoint?: CheckpointView | null, trustActive?: AnchorKind | null): VerifyVerdict {
  const failedChecks = report.checks.filter((c) => c.status === 'fail')
  const proofs = report.proofs ?? []
  const failedProofs = proofs.filter((p) => p.status === 'fail')
  const ok = report.ok && failedChecks.length === 0 && failedProofs.length === 0 && status !== 'invalid'
  const against = report.provenAgainst ?? null
  const onL1 = status === 'mined' || status === 'finalized'
  let l1Missing = ''
  if (trustActive === null) l1Missing = 'no L1 anchor has verified a head yet'
  else if (!against || proofs.length === 0) l1Missing = 'no L1 proof was checked'
  else if (onL1 && !checkpoint?.proof) l1Missing = 'its checkpoint is not proven against L1 yet'
  const l1 = ok && l1Missing === '' && against ? { blockNumber: against.blockNumber, basis: against.basis, proofs: proofs.length } : null
  return { ok, l1, l1Missing, failedChecks, failedProofs }
}

/** "proven against L1 block N (anchor: basis)" with the facts, or why a mined checkpoint is not. */
export function ProofLine({ proof, what, testid }: { proof: L1Proof | null | undefined; what: 'mined' | 'finalized'; testid: string }) {
  if (!proof)
    return (
      <p className="small proof-line proof-missing" data-testid={testid} data-proven="false">
        <span className="warn">{what === 'mined' ? 'Not proven against L1 yet' : 'Finality not proven against L1 yet'}</span>
        {what === 'mined'
          ? ': this checkpoint’s L1 facts have not been proven against an anchored L1 block, so being on L1 rests on what an RPC said.'
          : ': no finalized L1 block from the anchor covers this checkpoint yet.'}
      </p>
    )
  return (
    <div className="proof-line proof-ok" data-testid={testid} data-proven="true" data-l1-block={proof.blockNumber} data-anchor={proof.anchor}>
      <p className="small">
        <span className="good-text">{what === 'mined' ? 'Proven against' : 'Final at'} L1 block {formatCount(proof.blockNumber)}</span> <Hash value={proof.blockHash} label="anchored L1 block hash" /> (anchor: {proof.basis}) ·{' '}
        <span className="muted">
          {ANCHOR_WORD[proof.anchor]}, answers from <span className="source-name">{proof.rpc}</span>, {formatClock(proof.at)}
        </span>
      </p>
      {proof.facts.length > 0 ? (
        <details className="proof-facts">
          <summary>
            {proof.facts.length} {proof.facts.length === 1 ? 'fact' : 'facts'} proven
          </summary>
          <ol data-testid={`${testid}-facts`}>
            {proof.facts.map((f, i) => (
              <li key={i}>{f}</li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  )
}

function ProofList({ report }: { report: VerifyReport }) {
  const proofs = report.proofs ?? []
  const against = report.provenAgainst ?? null
  return (
    <div className="verify-proofs" data-testid="verify-proofs" data-count={proofs.length}>
      <h3 className="verify-proofs-title">L1 proofs</h3>
      {against ? (
        <p className="small" data-testid="verify-proven-against" data-checked="true" data-l1-block={against.blockNumber} data-anchor={against.anchor}>
          Proven against L1 block <strong>{formatCount(against.blockNumber)}</strong> <Hash value={against.blockHash} label="anchored L1 block hash" /> (anchor: {against.basis})
        </p>
      ) : (
        <p className="small warn-box" data-testid="verify-proven-against" data-checked="false">
          <strong>L1 not checked:</strong> no L1 anchor had a verified head, so nothing about L1 was proven for this block.
        </p>
      )}
      {proofs.length > 0 ? (
        <ol className="verify-list">
          {proofs.map((p, i) => (
            <li key={`${p.kind}-${i}`} className={`vcheck vcheck-${p.status}`} data-testid="verify-proof" data-kind={p.kind} data-status={p.status} data-code={p.error?.code ?? ''}>
              <span className="vcheck-mark" aria-hidden="true">
                {CHECK_MARK[p.status]}
              </span>
              <div className="vcheck-body">
                <div className="vcheck-head">
                  <strong>{p.title}</strong> <span className="kind">{PROOF_KIND[p.kind]}</span> <span className="sr-only">{CHECK_WORD[p.status]}</span>
                  {p.error ? <code className={`err-code sev-${p.error.severity}`}>{p.error.code}</code> : null}
                </div>
                <p className="vcheck-detail">{p.detail}</p>
                {p.error && p.error.message !== p.detail ? <p className="vcheck-detail">{p.error.message}</p> : null}
              </div>
            </li>
          ))}
        </ol>
      ) : against ? (
        <p className="muted small">No proof was listed for this block.</p>
      ) : null}
    </div>
  )
}

function BlockLink({ b }: { b: BlockRef }) {
  return (
    <a href={href.block(b.hash)} className="block-link">
      {formatCount(b.height)} <code>{shortHash(b.hash)}</code> <span className={`pill pill-${b.status}`}>{b.status}</span>
    </a>
  )
}

export function VerifyResults({ report, status, checkpoint, trustActive }: { report: VerifyReport; status?: string; checkpoint?: CheckpointView | null; trustActive?: AnchorKind | null }) {
  const v = verifyVerdict(report, status, checkpoint, trustActive)
  const passed = report.checks.filter((c) => c.status === 'pass').length
  const skipped = report.checks.filter((c) => c.status === 'skipped').length
  const failed = [...v.failedChecks.map((c) => `${c.title} (${c.error?.code ?? 'failed'})`), ...v.failedProofs.map((p) => `${p.title} (${p.error?.code ?? 'proof failed'})`)]
  return (
    <div className="verify-results" data-testid="verify-results" data-ok={v.ok ? 'true' : 'false'} data-l1={v.l1 ? 'proven' : 'unproven'}>
      <p className={`verify-summary ${v.ok ? 'verify-ok' : 'verify-bad'}`} data-testid="verify-summary">
        {v.ok ? (
          <>
            <strong>Valid:</strong> {passed} checks passed{skipped ? `, ${skipped} not run` : ''}
            {v.l1 ? `, ${v.l1.proofs} L1 ${v.l1.proofs === 1 ? 'proof' : 'proofs'} against L1 block ${formatCount(v.l1.blockNumber)} (${v.l1.basis})` : `; L1 not verified (${v.l1Missing})`} in {formatMs(report.ms)}, at{' '}
            {formatClock(report.startedAt)}.
          </>
        ) : (
          <>
            <strong>Invalid:</strong> {failed.length > 0 ? failed.join(', ') : `stored as ${status ?? 'invalid'}`}.
          </>
        )}
      </p>
      <ol className="verify-list">
        {report.checks.map((c) => (
          <li key={c.name} className={`vcheck vcheck-${c.status}`} data-testid={`verify-check-${c.name}`} data-status={c.status} data-code={c.error?.code ?? ''}>
            <span className="vcheck-mark" aria-hidden="true">
              {CHECK_MARK[c.status]}
            </span>
            <div className="vcheck-body">
              <div className="vcheck-head">
                <strong>{c.title}</strong> <span className="sr-only">{CHECK_WORD[c.status]}</span>
                {c.error ? <code className={`err-code sev-${c.error.severity}`}>{c.error.code}</code> : null}
                <span className="muted small">{formatMs(c.ms)}</span>
              </div>
              <p className="vcheck-detail">{c.detail}</p>
            </div>
          </li>
        ))}
      </ol>
      <ProofList report={report} />
    </div>
  )
}

function VerifyPanel({ client, q, view }: { client: VigilClient | null; q: string; view: BlockView }) {
  const v = useVerifyBlock(q, client)
  const trustActive = client ? (client.snapshot().trust?.active ?? null) : undefined
  return (
    <Section
      id="verify"
      title="Verify now"
      data-testid="verify-panel"
      extra={
        <button type="button" className="button" onClick={() => v.mutate()} disabled={v.isPending || !client} data-testid="verify-button" aria-describedby="verify-help">
          {v.isPending ? 'Verifying…' : v.data ? 'Verify again' : 'Verify now'}
        </button>
      }
    >
      <p id="verify-help" className="muted small">
        Re-runs every check on this block now: header, linkage to the stored parent, the slot’s proposer and its signature, the checkpoint commitment, the committee quorum (every signature
        re-verified), L1 inclusion, the blobs (KZG) and the body — and every L1 fact they use (header hash, rollup account, each storage slot, receipts) proven again against the anchored L1 block.
        Each proof is listed below the checks.
      </p>
      <div aria-live="polite" aria-busy={v.isPending}>
        {v.isPending ? (
          <p className="muted" role="status">
            <span className="spinner spinner-inline" aria-hidden="true" /> Running every check…
          </p>
        ) : null}
        {v.error ? <ErrorLine e={v.error} /> : null}
        {v.data ? <VerifyResults report={v.data} status={view.summary.status} checkpoint={l1CheckpointOf(view)} {...(trustActive !== undefined ? { trustActive } : {})} /> : null}
      </div>
    </Section>
  )
}

function ErrorLine({ e }: { e: VigilError }) {
  return (
    <p className="error-line" role="alert">
      <code className={`err-code sev-${e.severity}`}>{e.code}</code> {e.message}
    </p>
  )
}

function Field({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div className="field">
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  )
}

/** One checkpoint naming a block: quorum, committee, L1 transaction (linked to the L1 explorer when the config names one), proofs, blobs. */
export function Attestations({ cp, l1Explorer }: { cp: CheckpointView; l1Explorer?: string | undefined }) {
  const signed = new Set(cp.signers.map((s) => s.toLowerCase()))
  const reached = cp.signers.length >= cp.quorum && cp.quorum > 0
  const pct = cp.committeeSize > 0 ? (cp.signers.length / cp.committeeSize) * 100 : 0
  const qpct = cp.committeeSize > 0 ? (cp.quorum / cp.committeeSize) * 100 : 0
  return (
    <div className="checkpoint" data-testid="checkpoint" data-status={cp.status}>
      <div className="checkpoint-head">
        <strong>
          <a href={href.checkpoint(cp.checkpointNumber)} data-testid="checkpoint-link">
            Checkpoint {formatCount(cp.checkpointNumber)}
          </a>
        </strong>{' '}
        <span className={`pill pill-${cp.status === 'proposed' ? 'proposed' : cp.status}`}>{cp.status}</span>
        {cp.error ? <code className="err-code">{cp.error.code}</code> : null}
        <span className="muted small">
          slot {formatCount(cp.slot)}
          {cp.epoch !== null ? `, epoch ${cp.epoch}` : ''} · {cp.headerHashes.length} blocks · digest <Hash value={cp.digest} label="checkpoint digest" />
        </span>
      </div>
      {cp.error ? <p className="small bad-text">{cp.error.message}</p> : null}
      <div className="quorum" data-testid="quorum" data-signers={cp.signers.length} data-quorum={cp.quorum} data-committee={cp.committeeSize}>
        <div className="quorum-text">
          <span>
            <strong>{cp.signers.length}</strong> of {cp.committeeSize} committee members signed; quorum is {cp.quorum} —{' '}
            <span className={reached ? 'good-text' : 'bad-text'}>{reached ? 'reached' : 'not reached'}</span>
          </span>
          <span className="muted small">{cp.attestationCount} signatures kept for re-verification</span>
        </div>
        <div className="quorum-bar" role="img" aria-label={`${cp.signers.length} of ${cp.committeeSize} signed, quorum ${cp.quorum}`}>
          <div className={`quorum-fill ${reached ? 'quorum-ok' : 'quorum-short'}`} style={{ width: `${pct}%` }} />
          <div className="quorum-mark" style={{ left: `${qpct}%` }} />
        </div>
      </div>
      {cp.committee ? (
        <details className="committee">
          <summary>
            Committee: {cp.committee.length} members, {cp.committee.filter((a) => signed.has(a.toLowerCase())).length} signed
          </summary>
          <ul className="committee-grid" aria-label="Committee members">
            {cp.committee.map((a, i) => {
              const did = signed.has(a.toLowerCase())
              return (
                <li key={`${a}-${i}`} className={did ? 'member member-signed' : 'member member-missing'} title={`${a}: ${did ? 'signed' : 'did not sign (or its signature was not counted)'}`}>
                  <span aria-hidden="true">{did ? '✓' : '·'}</span> <code>{shortHash(a, 4, 4)}</code>
                  <span className="sr-only">{did ? 'signed' : 'did not sign'}</span>
                </li>
              )
            })}
          </ul>
        </details>
      ) : null}
      {cp.l1 ? (
        <p className="small">
          On L1: block <L1Link kind="block" id={cp.l1.blockNumber} template={l1Explorer}>{formatCount(cp.l1.blockNumber)}</L1Link> <Hash value={cp.l1.blockHash} label="L1 block hash" />, transaction{' '}
          <Hash value={cp.l1.txHash} label="L1 transaction hash" />
          <L1Link kind="tx" id={cp.l1.txHash} template={l1Explorer} testid="l1-tx-link">
            {' '}
            on the L1 explorer ↗
          </L1Link>
        </p>
      ) : (
        <p className="small muted">Not on L1 (yet): attested over gossip.</p>
      )}
      {cp.status === 'mined' || cp.status === 'finalized' || cp.proof ? <ProofLine proof={cp.proof} what="mined" testid="checkpoint-proof" /> : null}
      {cp.status === 'finalized' || cp.finality ? <ProofLine proof={cp.finality} what="finalized" testid="checkpoint-finality" /> : null}
      {cp.blobVersionedHashes.length > 0 ? (
        <p className="small">
          Blobs:{' '}
          {cp.blobVersionedHashes.map((b) => (
            <Hash key={b} value={b} label="blob versioned hash" />
          ))}
        </p>
      ) : null}
    </div>
  )
}

function TxEffects({ effects, highlight }: { effects: TxEffectView[]; highlight: string | null }) {
  if (effects.length === 0) return <Empty>This block has no transactions.</Empty>
  return (
    <TableScroll label="Transaction effects">
      <table className="data txs">
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">Tx hash</th>
            <th scope="col" className="num">Fee</th>
            <th scope="col" className="num">Note hashes</th>
            <th scope="col" className="num">Nullifiers</th>
            <th scope="col" className="num">Log bytes</th>
          </tr>
        </thead>
        <tbody>
          {effects.map((e) => (
            <tr key={e.index} data-testid="tx-row" data-tx={e.txHash} className={highlight && highlight.toLowerCase() === e.txHash.toLowerCase() ? 'row-highlight' : ''}>
              <th scope="row" className="num">
                {e.index}
              </th>
              <td>
                <Hash value={e.txHash} label={`transaction ${e.index} hash`} />{' '}
                <a href={href.tx(e.txHash)} className="small" data-testid="tx-page-link">
                  details
                </a>
              </td>
              <td className="num">{formatCount(e.fee)}</td>
              <td className="num" title={e.noteHashes.join('\n')}>
                {e.noteHashes.length}
              </td>
              <td className="num" title={e.nullifiers.join('\n')}>
                {e.nullifiers.length}
              </td>
              <td className="num" title={e.logsHead}>
                {formatCount(e.logBytes)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  )
}

function TxSection({ client, view, highlight }: { client: VigilClient | null; view: BlockView; highlight: string | null }) {
  const [fetched, setFetched] = useState<{ source: string; txEffects: TxEffectView[] } | null | 'none'>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<VigilError | null>(null)
  const hash = view.summary.hash
  useEffect(() => {
    setFetched(null)
    setError(null)
  }, [hash])
  const fetchNow = () => {
    if (!client || busy) return
    setBusy(true)
    setError(null)
    client.fetchTxEffects(hash).then(
      (r) => setFetched(r ?? 'none'),
      (e: VigilError) => setError(e),
    ).finally(() => setBusy(false))
  }
  // arriving from a tx search: fetch the body at once so the tx can be shown
  const wantTx = highlight !== null && view.txEffects === null
  useEffect(() => {
    if (wantTx) fetchNow()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hash, wantTx])
  const effects = view.txEffects ?? (fetched && fetched !== 'none' ? fetched.txEffects : null)
  const source = view.txEffects ? view.bodySource : fetched && fetched !== 'none' ? fetched.source : null
  return (
    <Section id="txs" title={`Transactions (${formatCount(view.header.txCount)})`} data-testid="tx-effects" extra={source ? <span className="muted small">body from {source}, verified against the header</span> : null}>
      {effects ? (
        <TxEffects effects={effects} highlight={highlight} />
      ) : (
        <div className="tx-missing">
          <p className="muted">
            {view.bodyState === 'verified-not-held'
              ? `A body from ${view.bodySource} verified against this header, but light mode keeps headers only.`
              : 'This client holds no body for this block.'}
          </p>
          <button type="button" className="button button-secondary" onClick={fetchNow} disabled={busy || !client} data-testid="fetch-body">
            {busy ? 'Fetching…' : 'Fetch and verify the body'}
          </button>
          {fetched === 'none' ? <p className="muted small">No source had the body.</p> : null}
          {error ? <ErrorLine e={error} /> : null}
        </div>
      )}
    </Section>
  )
}

/** Previous / next / latest by height (the canonical block at each), as block explorers have them. */
export function HeightNav({ height, latest }: { height: number; latest: number | null }) {
  const prev = height > 1 ? height - 1 : null
  const next = latest !== null && height < latest ? height + 1 : null
  return (
    <nav className="height-nav" aria-label="Blocks by height" data-testid="height-nav">
      {prev !== null ? (
        <a href={href.block(prev)} rel="prev" data-testid="nav-prev">
          ← Previous ({formatCount(prev)})
        </a>
      ) : (
        <span className="muted">← Previous</span>
      )}
      {next !== null ? (
        <a href={href.block(next)} rel="next" data-testid="nav-next">
          Next ({formatCount(next)}) →
        </a>
      ) : (
        <span className="muted">Next →</span>
      )}
      {latest !== null && latest !== height ? (
        <a href={href.block(latest)} data-testid="nav-latest">
          Latest ({formatCount(latest)}) ⇥
        </a>
      ) : (
        <span className="muted" data-testid="nav-latest-current">
          Latest
        </span>
      )}
    </nav>
  )
}

/** Under the title: what the block's status rests on (its checkpoint's L1 proof, or that there is none). */
function RestsOn({ view }: { view: BlockView }) {
  const status = view.summary.status
  if (status !== 'mined' && status !== 'finalized') return null
  const cp = l1CheckpointOf(view)
  const proof = status === 'finalized' ? (cp?.finality ?? null) : (cp?.proof ?? null)
  const mined = cp?.proof ?? null
  return (
    <p className={`rests-on small ${proof ? '' : 'banner banner-warn'}`.trim()} data-testid="block-rests-on" data-proven={proof ? 'true' : 'false'} data-l1-block={proof ? proof.blockNumber : ''}>
      {proof ? (
        <>
          {status === 'finalized' ? 'Finalized' : 'Mined'}: proven against L1 block <strong>{formatCount(proof.blockNumber)}</strong> (anchor: {proof.basis}).
        </>
      ) : mined ? (
        <>
          Mined: proven against L1 block <strong>{formatCount(mined.blockNumber)}</strong> (anchor: {mined.basis}); finality not proven by the anchor yet.
        </>
      ) : (
        <>
          <strong>{status === 'finalized' ? 'Finalized' : 'Mined'}, but not proven against L1:</strong> no anchored L1 block backs its checkpoint yet.
        </>
      )}
    </p>
  )
}

export function BlockDetails({ view, client, highlightTx }: { view: BlockView; client: VigilClient | null; highlightTx: string | null }) {
  const s = view.summary
  const h = view.header
  return (
    <>
      <header className="page-head" data-testid="block-head" data-status={s.status} data-height={s.height}>
        <h1>
          Block {formatCount(s.height)} <StatusPill status={s.status} error={s.error} />
        </h1>
        <p className="muted">
          <Hash value={s.hash} label="block hash" head={10} tail={10} /> · slot {formatCount(h.slot)} · checkpoint {formatCount(h.checkpointNumber)}/{h.indexInCheckpoint} · <Age at={h.timestamp} />
        </p>
        {s.error ? (
          <p className="banner" role="note" data-testid="block-error">
            <strong>{s.status === 'invalid' ? 'Invalid' : 'Problem'}:</strong> <code className="err-code">{s.error.code}</code> {s.error.message}
          </p>
        ) : null}
        {!view.canonical && s.status === 'orphaned' ? <p className="banner banner-warn">Orphaned: another block replaced this one at height {formatCount(s.height)}.</p> : null}
        <HeightNav height={s.height} latest={client?.snapshot().tips.proposed?.height ?? null} />
        <nav className="block-nav" aria-label="Neighbouring blocks">
          {view.parent ? (
            <span>
              Parent: <BlockLink b={view.parent} />
            </span>
          ) : h.height > 1 ? (
            <span className="muted">Parent {formatCount(h.height - 1)} not held</span>
          ) : (
            <span className="muted">Genesis parent</span>
          )}
          {view.children.map((c) => (
            <span key={c.hash}>
              Child: <BlockLink b={c} />
            </span>
          ))}
          {view.siblings.map((c) => (
            <span key={c.hash}>
              Also at this height: <BlockLink b={c} />
            </span>
          ))}
        </nav>
      </header>

      <RestsOn view={view} />

      <VerifyPanel client={client} q={s.hash} view={view} />

      <div className="two-col">
        <Section id="header" title="Header" data-testid="header-fields">
          <dl className="fields">
            <Field name="Hash">
              <Hash value={s.hash} label="block hash" head={10} tail={8} />
            </Field>
            <Field name="Height">{formatCount(h.height)}</Field>
            <Field name="Parent hash">
              <Hash value={h.parentHash} label="parent hash" head={10} tail={8} />
            </Field>
            <Field name="Slot">{formatCount(h.slot)}</Field>
            <Field name="Checkpoint / index">
              <a href={href.checkpoint(h.checkpointNumber)}>{formatCount(h.checkpointNumber)}</a> / {h.indexInCheckpoint}
            </Field>
            <Field name="Timestamp">
              <Age at={h.timestamp} date /> <span className="muted small">({new Date(h.timestamp).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')})</span>
            </Field>
            <Field name="Proposer">
              <Hash value={h.proposer} label="proposer" head={8} tail={6} />
            </Field>
            <Field name="Body hash">
              <Hash value={h.bodyHash} label="body hash" head={10} tail={8} />
            </Field>
            <Field name="State root">
              <Hash value={h.stateRoot} label="state root" head={10} tail={8} />
            </Field>
            <Field name="Transactions">{formatCount(h.txCount)}</Field>
            <Field name="Chain / version">
              L2 {h.chainId} · v{h.version}
            </Field>
            <Field name="Proposal signature">{view.proposalSignature ? <Hash value={view.proposalSignature} label="proposal signature" head={8} tail={6} /> : <span className="muted">none (learned from its checkpoint)</span>}</Field>
          </dl>
        </Section>

        <Section id="state" title="State and history" data-testid="status-history">
          <ol className="history">
            {view.history.map(([status, at], i) => (
              <li key={`${status}-${at}-${i}`} data-status={status}>
                <span className={`pill pill-${status}`}>{status}</span> <Age at={at} date />
              </li>
            ))}
          </ol>
        </Section>
      </div>

      <Section id="provenance" title="Provenance" data-testid="provenance">
        <TableScroll label="Where this block's data came from">
          <table className="data provenance">
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Source</th>
                <th scope="col">When</th>
                <th scope="col" className="num">
                  <abbr title="from the block's timestamp to its arrival here">Latency</abbr>
                </th>
                <th scope="col" className="num">
                  <abbr title="fetch attempts (retries + 1)">Attempts</abbr>
                </th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              {view.provenance.map((p, i) => (
                <tr key={`${p.what}-${i}`} data-testid="provenance-row" data-what={p.what} data-source={p.source}>
                  <th scope="row">{p.what}</th>
                  <td>
                    <span className="source-name">{p.source}</span>
                  </td>
                  <td className="nowrap">
                    <Age at={p.at} date />
                  </td>
                  <td className="num">{p.latencyMs === undefined || p.latencyMs === null ? '–' : formatMs(p.latencyMs)}</td>
                  <td className="num">{p.attempts ?? '–'}</td>
                  <td className="small">{p.ref ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </Section>

      <Section id="attestations" title="Attestations" data-testid="attestations">
        {view.checkpoints.length === 0 ? <Empty>No checkpoint naming this block has been seen yet: it is provisional (proposer-signed only).</Empty> : view.checkpoints.map((cp) => <Attestations key={cp.id} cp={cp} l1Explorer={client?.config.l1Explorer} />)}
      </Section>

      <TxSection client={client} view={view} highlight={highlightTx} />
    </>
  )
}

export function BlockPage({ client, q, tx }: { client: VigilClient | null; q: string; tx: string | null }) {
  const { data: block, error } = useBlock(q, client)
  if (error && block === undefined)
    return (
      <section className="panel state-error" role="alert" data-testid="block-error-state">
        <h1>Cannot show block {q}</h1>
        <ErrorLine e={error} />
      </section>
    )
  if (block === undefined)
    return (
      <p className="muted" role="status" data-testid="block-loading">
        <span className="spinner spinner-inline" aria-hidden="true" /> Loading block {q}…
      </p>
    )
  if (block === null)
    return (
      <section className="panel" data-testid="block-not-found">
        <h1>Block {q} is not held by this client</h1>
        <p className="muted">It may not exist yet, or it is below what this client has synced. This page updates when it arrives.</p>
      </section>
    )
  return <BlockDetails view={block} client={client} highlightTx={tx} />
}
