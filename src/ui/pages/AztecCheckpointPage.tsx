/**
 * `#/aztec`: check an Aztec checkpoint from its L1 data, trusting no Aztec node. Paste a
 * transaction's input (the `propose` call itself or any wrapper, as hex), or a transaction hash
 * when an L1 RPC is given; the network adapter (src/networks) finds the call, decodes it and
 * runs every check the input alone decides, shown check by check like Verify now. The checks
 * that need L1 state (the committee commitment, the stored checkpoint, inclusion) are listed
 * as needing L1, never claimed. Runs on the page, offline: no light client needed.
 */
import { useState, type FormEvent } from 'react'
import type { CheckpointReport, NetworkCheck, NetworkCheckStatus } from '../../networks/adapter'
import { fetchTxInput, isTxHash } from '../../networks/l1-input'
import { networkAdapter, PRESETS } from '../../networks/presets'
import { VigilError, toErrorRecord, type ErrorRecord } from '../../core/errors'
import type { Hex } from '../../core/types'
import { formatMs } from '../format'
import { Hash, Section, TableScroll } from '../parts'
import { inputValue, readStored, writeStored } from '../platform'

const MARK: Record<NetworkCheckStatus, string> = { pass: '✓', fail: '✗', skipped: '–', 'needs-l1': '◌' }
const WORD: Record<NetworkCheckStatus, string> = { pass: 'passed', fail: 'failed', skipped: 'not run', 'needs-l1': 'needs L1' }
/** The look of a status (needs-l1 is drawn like a check not run: nothing is claimed either way). */
const LOOK: Record<NetworkCheckStatus, string> = { pass: 'pass', fail: 'fail', skipped: 'skipped', 'needs-l1': 'skipped' }
const RPC_KEY = 'vigil.aztec.l1Rpc'

export function CheckRow({ c }: { c: NetworkCheck }) {
  return (
    <li className={`vcheck vcheck-${LOOK[c.status]}`} data-testid={`net-check-${c.name}`} data-status={c.status} data-code={c.error?.code ?? ''}>
      <span className="vcheck-mark" aria-hidden="true">
        {MARK[c.status]}
      </span>
      <div className="vcheck-body">
        <div className="vcheck-head">
          <strong>{c.title}</strong> <span className="sr-only">{WORD[c.status]}</span>
          {c.status === 'needs-l1' ? <span className="kind">needs L1</span> : null}
          {c.error ? <code className={`err-code sev-${c.error.severity}`}>{c.error.code}</code> : null}
        </div>
        <p className="vcheck-detail">{c.detail}</p>
      </div>
    </li>
  )
}

/** A network's checkpoint report: the verdict, every check in order, the decoded facts, the committee. */
export function CheckpointReportView({ report, origin }: { report: CheckpointReport; origin: string }) {
  const count = (s: NetworkCheckStatus) => report.checks.filter((c) => c.status === s).length
  const failed = report.checks.filter((c) => c.status === 'fail')
  return (
    <div className="verify-results" data-testid="net-report" data-ok={report.ok ? 'true' : 'false'} data-network={report.network}>
      <p className={`verify-summary ${report.ok ? 'verify-ok' : 'verify-bad'}`} data-testid="net-summary">
        {report.ok ? (
          <>
            <strong>Every offline check passed:</strong> {count('pass')} checks passed, {count('needs-l1')} need L1{count('skipped') ? `, ${count('skipped')} not run` : ''}; checked from {origin} in {formatMs(report.ms)}. Nothing
            about L1 is claimed until those are proven.
          </>
        ) : (
          <>
            <strong>Invalid:</strong> {failed.map((c) => `${c.title} (${c.error?.code ?? 'failed'})`).join(', ')}.
          </>
        )}
      </p>
      <ol className="verify-list">
        {report.checks.map((c) => (
          <CheckRow key={c.name} c={c} />
        ))}
      </ol>
      {report.fields.length > 0 ? (
        <dl className="fields" data-testid="net-fields">
          {report.fields.map((f, i) => (
            <div key={`${f.name}-${i}`} className="field" data-field={f.name} data-value={f.value}>
              <dt>{f.name}</dt>
              <dd>{/^0x[0-9a-fA-F]{40,}$/.test(f.value) ? <Hash value={f.value} label={f.name} /> : <code>{f.value}</code>}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {report.committee.length > 0 ? (
        <TableScroll label="Committee">
          <table className="table" data-testid="net-committee" data-size={report.committee.length}>
            <caption className="small">
              Committee of {report.committee.length}
              {report.quorum ? `: ${report.quorum.signed} signed, quorum ${report.quorum.required}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">address</th>
                <th scope="col">signed</th>
              </tr>
            </thead>
            <tbody>
              {report.committee.map((m) => (
                <tr key={m.index} data-signed={m.signed ? 'true' : 'false'}>
                  <td>{m.index}</td>
                  <td>
                    <Hash value={m.address} label="committee member" />
                  </td>
                  <td>{m.signed ? '✓' : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </div>
  )
}

export function AztecCheckpointPage({ network = 'aztec-ignition' }: { network?: string }) {
  const [text, setText] = useState('')
  const [rpc, setRpc] = useState(() => readStored(RPC_KEY) ?? '')
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ report: CheckpointReport; origin: string } | null>(null)
  const [error, setError] = useState<ErrorRecord | null>(null)
  const preset = PRESETS[network as keyof typeof PRESETS] ?? PRESETS['aztec-ignition']

  const run = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setResult(null)
    setBusy(true)
    try {
      const adapter = networkAdapter(preset.id)
      const v = text.trim()
      let input: Hex = v as Hex
      let origin = `the pasted input (${Math.max(0, (v.replace(/^0x/, '').length / 2) | 0)} bytes)`
      if (isTxHash(v)) {
        if (!rpc.trim()) throw new VigilError('CONFIG_INVALID', 'a transaction hash needs an L1 RPC URL (or paste the transaction input instead)')
        writeStored(RPC_KEY, rpc.trim())
        const tx = await fetchTxInput(rpc.trim(), v as Hex)
        input = tx.input
        origin = `transaction ${v.slice(0, 10)}… as ${tx.rpc} returned it (not proven)`
      }
      setResult({ report: adapter.checkInput({ input }), origin })
    } catch (err) {
      setError(toErrorRecord(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section id="aztec" title={`Check an ${preset.title} checkpoint`} data-testid="aztec-page" data-network={preset.id}>
      <p className="muted small">
        Paste the input of the L1 transaction that posted the checkpoint — the rollup’s <code>propose</code> call itself, or any wrapper around it (a smart account, Multicall3) — as hex,
        or its transaction hash with an L1 RPC. Every signature is recovered and every digest recomputed here, in this page; nothing is asked of an Aztec node. Rollup{' '}
        <code>{preset.l1?.rollup}</code> on L1 chain {preset.l1?.chainId}, signatures: <code>{preset.schemes.attestation}</code>.
      </p>
      <form onSubmit={run} className="aztec-form" data-testid="aztec-form">
        <label htmlFor="aztec-input">Transaction input (hex) or transaction hash</label>
        <textarea id="aztec-input" data-testid="aztec-input" rows={6} spellCheck={false} value={text} onChange={(e) => setText(inputValue(e))} placeholder="0x48aeda19… or 0x<64 hex digits>" />
        <label htmlFor="aztec-rpc">L1 RPC URL (only for a transaction hash; optional)</label>
        <input id="aztec-rpc" data-testid="aztec-rpc" type="url" value={rpc} onChange={(e) => setRpc(inputValue(e))} placeholder="https://…" autoComplete="off" />
        <p>
          <button type="submit" className="button" disabled={busy || text.trim() === ''} data-testid="aztec-check">
            {busy ? 'Checking…' : 'Check'}
          </button>
        </p>
      </form>
      <div aria-live="polite" aria-busy={busy}>
        {error ? (
          <p className="error-line" data-testid="aztec-error" data-code={error.code}>
            <code className="err-code">{error.code}</code> {error.message}
          </p>
        ) : null}
        {result ? <CheckpointReportView report={result.report} origin={result.origin} /> : null}
      </div>
    </Section>
  )
}
