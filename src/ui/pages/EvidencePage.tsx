/**
 * Evidence: equivocations (two conflicting signed messages by one key, re-checkable by anyone)
 * and data that failed verification (invalid checkpoints with their attestation signatures,
 * invalid blocks, rejected deliveries), newest first, with an export as JSON.
 */
import { useEffect, useState } from 'react'
import type { ClientConfig } from '../../client/shared/config'
import type { EvidenceItem } from '../../client/shared/types'
import type { VigilError } from '../../core/errors'
import { formatClock, formatCount } from '../format'
import { Age, Empty, Section } from '../parts'
import { downloadText, inputValue } from '../platform'
import { href } from '../router'

interface EvidenceClient {
  evidence(): Promise<EvidenceItem[]>
  readonly config: ClientConfig
}

const KIND_TEXT: Record<EvidenceItem['kind'], string> = {
  equivocation: 'Equivocation',
  'invalid-checkpoint': 'Invalid checkpoint',
  'invalid-block': 'Invalid block',
  'invalid-data': 'Rejected data',
}

export function evidenceExport(items: EvidenceItem[], config: Pick<ClientConfig, 'l2ChainId' | 'l1'>, now = Date.now()): string {
  return JSON.stringify(
    {
      format: 'vigil-evidence/1',
      exportedAt: new Date(now).toISOString(),
      chain: { l2ChainId: config.l2ChainId, l1ChainId: config.l1.chainId, rollup: config.l1.rollup },
      note: 'Equivocations carry both signed items and signatures (EIP-712 digests, docs/protocol.md); invalid checkpoints carry their attestation signatures; anyone can re-check them.',
      items,
    },
    null,
    2,
  )
}

export function EvidencePage({ client, version }: { client: EvidenceClient | null; version: string }) {
  const [items, setItems] = useState<EvidenceItem[] | null>(null)
  const [error, setError] = useState<VigilError | null>(null)
  const [kind, setKind] = useState<'all' | EvidenceItem['kind']>('all')
  useEffect(() => {
    if (!client) return
    let live = true
    client.evidence().then(
      (list) => live && (setItems(list), setError(null)),
      (e: VigilError) => live && setError(e),
    )
    return () => {
      live = false
    }
  }, [client, version])
  const shown = (items ?? []).filter((i) => kind === 'all' || i.kind === kind)
  const counts = (items ?? []).reduce<Record<string, number>>((m, i) => ((m[i.kind] = (m[i.kind] ?? 0) + 1), m), {})
  const exportNow = () => {
    if (!client || !items) return
    const day = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')
    downloadText(`vigil-evidence-${client.config.l2ChainId}-${day}.json`, evidenceExport(kind === 'all' ? items : shown, client.config))
  }
  return (
    <Section
      id="evidence"
      title="Evidence"
      data-testid="evidence-page"
      extra={
        <div className="toolbar">
          <label htmlFor="evidence-kind" className="small">
            Show
          </label>
          <select id="evidence-kind" value={kind} onChange={(e) => setKind(inputValue(e) as typeof kind)}>
            <option value="all">everything ({formatCount(items?.length ?? 0)})</option>
            {(Object.keys(KIND_TEXT) as EvidenceItem['kind'][]).map((k) => (
              <option key={k} value={k}>
                {KIND_TEXT[k]} ({formatCount(counts[k] ?? 0)})
              </option>
            ))}
          </select>
          <button type="button" className="button button-small" onClick={exportNow} disabled={!items || items.length === 0} data-testid="evidence-export">
            Export JSON
          </button>
        </div>
      }
    >
      <p className="muted small">Nothing here was taken on trust: each item failed a check this browser ran itself, or is a pair of conflicting signatures it recovered.</p>
      {error ? (
        <p className="error-line" role="alert">
          <code className="err-code">{error.code}</code> {error.message}
        </p>
      ) : items === null ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : shown.length === 0 ? (
        <Empty>No evidence: nothing has failed verification and no one equivocated.</Empty>
      ) : (
        <ol className="evidence">
          {shown.map((i) => (
            <li key={i.id} className={`evidence-item ev-${i.kind}`} data-testid="evidence-item" data-kind={i.kind} data-code={i.error?.code ?? ''}>
              <div className="ev-head">
                <span className="ev-kind">{KIND_TEXT[i.kind]}</span>
                {i.error ? <code className={`err-code sev-${i.error.severity}`}>{i.error.code}</code> : null}
                <span className="muted small">
                  from {i.source} · {formatClock(i.at)} <Age at={i.at} />
                </span>
              </div>
              <p className="ev-summary">
                {i.summary}
                {i.height !== null && i.hashes[0] ? (
                  <>
                    {' '}
                    · <a href={href.block(i.kind === 'invalid-block' ? i.hashes[0] : i.height)}>block {formatCount(i.height)}</a>
                  </>
                ) : null}
                {i.kind === 'invalid-checkpoint' && i.hashes[1] ? (
                  <>
                    {' '}
                    · <a href={href.block(i.hashes[1])}>its first block</a>
                  </>
                ) : null}
              </p>
              {i.kind === 'equivocation' && (i.data as { kind?: string }).kind === 'double-proposal' ? (
                <p className="small">
                  The two proposals:{' '}
                  {i.hashes.map((h, k) => (
                    <span key={h}>
                      {k > 0 ? ' · ' : ''}
                      <a href={href.block(h)}>{k === 0 ? 'first seen' : 'second'}</a>
                    </span>
                  ))}
                </p>
              ) : null}
              {i.error ? <p className="small muted">{i.error.message}</p> : null}
              <details>
                <summary>Raw evidence</summary>
                <pre className="raw">{JSON.stringify(i.data, null, 2)}</pre>
              </details>
            </li>
          ))}
        </ol>
      )}
    </Section>
  )
}
