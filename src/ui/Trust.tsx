/**
 * The L1 trust panel (docs/trust.md): which anchor L1 facts are proven against and its state,
 * the latest and finalized anchored L1 blocks, every L1 RPC with its stats and anything it
 * claimed that was proven false, and the proof counters. Without an anchored head it says
 * plainly that nothing about L1 is verified.
 */
import type { AnchoredBlock, AnchorKind, L1AnchorView, L1Disagreement, L1TrustView, SourceStats } from '../client/shared/types'
import { formatCount } from './format'
import { Age, Hash, Section, TableScroll } from './parts'

export const ANCHOR_NAME: Record<AnchorKind, string> = {
  'light-client': 'Ethereum consensus light client',
  'rpc-quorum': 'Quorum of L1 RPCs',
}

/** The same, mid-sentence. */
const ANCHOR_NOUN: Record<AnchorKind, string> = {
  'light-client': 'Ethereum consensus light client',
  'rpc-quorum': 'quorum of L1 RPCs',
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`

/** The anchor L1 facts are proven against now, or null when none has verified a head. */
export function activeAnchor(trust: L1TrustView | undefined): L1AnchorView | null {
  if (!trust?.active) return null
  return trust.anchors.find((a) => a.kind === trust.active && a.latest !== null) ?? null
}

/** One anchor's own state in words: "Sync committee, period 867, 511 of 512 signed, finalized slot 7,654,304" / "2 of 3 RPCs agree at L1 block 120". */
export function anchorWords(a: L1AnchorView): string {
  if (a.kind === 'light-client' && a.lightClient) {
    const lc = a.lightClient
    return `Sync committee, period ${formatCount(lc.period)}, ${formatCount(lc.participants)} of ${formatCount(lc.committeeSize)} signed, finalized slot ${formatCount(lc.finalizedSlot)}`
  }
  if (a.kind === 'rpc-quorum' && a.quorum) {
    const q = a.quorum
    if (q.at === null) return `No round compared yet (${q.k} of ${q.n} RPCs must agree)`
    const agree = `${q.agreeing.length} of ${q.n} RPCs agree at L1 block ${formatCount(q.at)}`
    return q.agreeing.length >= q.k ? agree : `Only ${agree}: ${q.k} needed`
  }
  return a.summary
}

const STATE_WORD: Record<L1AnchorView['state'], string> = { starting: 'starting', synced: 'synced', stalled: 'stalled' }

/** A claimed or expected value: hashes short (full in the title, copyable), anything else as text. */
function Value({ v, label }: { v: string; label: string }) {
  if (/^0x[0-9a-fA-F]{17,}$/.test(v)) return <Hash value={v} label={label} />
  return <code className="claim-value">{v}</code>
}

function BlockLine({ name, b, testid }: { name: string; b: AnchoredBlock | null; testid: string }) {
  return (
    <div className="field" data-testid={testid} data-l1-block={b ? String(b.number) : ''}>
      <dt>{name}</dt>
      <dd>
        {b ? (
          <>
            L1 block <strong>{formatCount(b.number)}</strong> <Hash value={b.hash} label={`${name} L1 block hash`} /> <Age at={b.timestamp * 1000} />
            <span className="muted small basis"> — {b.basis}</span>
          </>
        ) : (
          <span className="muted">none yet</span>
        )}
      </dd>
    </div>
  )
}

function AnchorCard({ a, active }: { a: L1AnchorView; active: boolean }) {
  return (
    <article className={`anchor anchor-${a.state}`} data-testid={`trust-anchor-${a.kind}`} data-state={a.state} data-active={active ? 'true' : 'false'} aria-labelledby={`anchor-${a.kind}-name`}>
      <header className="anchor-head">
        <h3 id={`anchor-${a.kind}-name`}>{ANCHOR_NAME[a.kind]}</h3>
        <span className={`pill anchor-state anchor-state-${a.state}`}>{STATE_WORD[a.state]}</span>
        {active ? <span className="badge badge-active">proofs are checked against this one</span> : null}
      </header>
      <p className="anchor-words" data-testid={`trust-anchor-${a.kind}-words`}>
        {anchorWords(a)}
      </p>
      {a.state === 'starting' ? <p className="muted small">Nothing verified by this anchor yet.</p> : null}
      {a.error ? (
        <p className="error-line small" data-testid={`trust-anchor-${a.kind}-error`} data-code={a.error.code}>
          {a.state === 'stalled' ? 'Stalled: ' : 'Last error: '}
          <code className={`err-code sev-${a.error.severity}`}>{a.error.code}</code> {a.error.message}
        </p>
      ) : null}
      {a.lightClient ? (
        <p className="muted small">
          Bootstrapped from beacon block root <Hash value={a.lightClient.checkpoint} label="light client checkpoint" /> · optimistic slot {formatCount(a.lightClient.optimisticSlot)} · {a.lightClient.url}
        </p>
      ) : null}
      {a.quorum ? (
        <p className="muted small">
          {a.quorum.k} of {a.quorum.n} must agree on a block&rsquo;s hash, {a.quorum.depth} {a.quorum.depth === 1 ? 'block' : 'blocks'} below the {a.quorum.k === 1 ? 'highest' : `${ordinal(a.quorum.k)} highest`} head
          {a.quorum.dissenting.length ? <> · dissenting: <span className="bad">{a.quorum.dissenting.join(', ')}</span></> : null}
          {a.quorum.unavailable.length ? <> · unavailable: {a.quorum.unavailable.join(', ')}</> : null}
        </p>
      ) : null}
      <dl className="fields anchor-blocks">
        <BlockLine name="Latest" b={a.latest} testid={`trust-anchor-${a.kind}-latest`} />
        <BlockLine name="Finalized" b={a.finalized} testid={`trust-anchor-${a.kind}-finalized`} />
      </dl>
      <p className="muted small">
        Updated <Age at={a.updatedAt} />
      </p>
    </article>
  )
}

function Disagreement({ d }: { d: L1Disagreement }) {
  return (
    <li className="disagreement" data-testid="trust-disagreement" data-rpc={d.rpc} data-what={d.what} data-code={d.code} data-count={d.count} data-l1-block={d.l1Block === null ? '' : String(d.l1Block)}>
      <strong className="bad">disagrees</strong> on the {d.what}
      {d.l1Block !== null ? <> at L1 block {formatCount(d.l1Block)}</> : null}: claimed <Value v={d.claimed} label={`value ${d.rpc} claimed`} />,{' '}
      {d.expected ? (
        <>
          anchor says <Value v={d.expected} label="value the anchor proves" />
        </>
      ) : (
        <>proven false</>
      )}{' '}
      · <code className="err-code">{d.code}</code> · {formatCount(d.count)}× · last <Age at={d.lastAt} />
    </li>
  )
}

type QuorumRole = 'agrees' | 'dissents' | 'unavailable' | ''

function quorumRole(trust: L1TrustView, name: string, url: string): QuorumRole {
  const q = trust.anchors.find((a) => a.kind === 'rpc-quorum')?.quorum
  if (!q) return ''
  const is = (list: string[]) => list.includes(name) || (url !== '' && list.includes(url))
  if (is(q.dissenting)) return 'dissents'
  if (is(q.unavailable)) return 'unavailable'
  if (is(q.agreeing)) return 'agrees'
  return ''
}

/** Every L1 RPC: the configured ones, any `l1:` source with stats, any RPC named in a disagreement. */
function rpcRows(trust: L1TrustView | undefined, sources: Record<string, SourceStats>): { name: string; url: string }[] {
  const rows = new Map<string, string>()
  for (const r of trust?.rpcs ?? []) rows.set(r.name, r.url)
  for (const s of Object.values(sources)) if (s.kind === 'l1' && s.name.startsWith('l1:') && !rows.has(s.name)) rows.set(s.name, '')
  for (const d of trust?.disagreements ?? []) if (!rows.has(d.rpc)) rows.set(d.rpc, d.url)
  return [...rows].map(([name, url]) => ({ name, url }))
}

const MAX_PER_RPC = 5

function RpcTable({ trust, sources }: { trust: L1TrustView | undefined; sources: Record<string, SourceStats> }) {
  const rows = rpcRows(trust, sources)
  if (rows.length === 0) return <p className="empty">No L1 RPC configured.</p>
  return (
    <TableScroll label="L1 RPCs">
      <table className="data trust-rpcs">
        <thead>
          <tr>
            <th scope="col">L1 RPC</th>
            <th scope="col">Quorum</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Failures</th>
            <th scope="col" className="num">
              <abbr title="answers that failed a proof or contradicted the anchor">Rejected</abbr>
            </th>
            <th scope="col">Last error</th>
            <th scope="col">Last used</th>
          </tr>
        </thead>
        {rows.map(({ name, url }) => {
          const s = sources[name]
          const mine = (trust?.disagreements ?? []).filter((d) => d.rpc === name)
          const role = trust ? quorumRole(trust, name, url) : ''
          const liar = mine.length > 0
          return (
            <tbody key={name} data-testid={`trust-rpc-${name}`} data-rpc={name} data-disagrees={liar ? 'true' : 'false'} data-quorum={role} className={liar ? 'rpc-liar' : ''}>
              <tr>
                <th scope="row">
                  <span className="source-name">{name}</span>
                  {liar ? (
                    <>
                      {' '}
                      <span className="pill pill-invalid" data-testid="trust-liar">
                        disagrees
                      </span>
                    </>
                  ) : null}
                  {url ? <span className="kind rpc-url"> {url}</span> : null}
                </th>
                <td className={role === 'dissents' ? 'bad' : role === 'unavailable' ? 'warn' : ''}>{role === '' ? <span className="muted">–</span> : role}</td>
                <td className="num">{formatCount(s?.requests)}</td>
                <td className={`num ${s && s.failures > 0 ? 'warn' : ''}`}>{formatCount(s?.failures)}</td>
                <td className={`num ${s && s.rejected > 0 ? 'bad' : ''}`}>{formatCount(s?.rejected)}</td>
                <td>{s?.lastError ? <code className="err-code" title={`${s.lastError.severity}: ${s.lastError.message}`}>{s.lastError.code}</code> : <span className="muted">–</span>}</td>
                <td>
                  <Age at={s?.lastAt ?? null} />
                </td>
              </tr>
              {liar ? (
                <tr className="rpc-disagreements">
                  <td colSpan={7}>
                    <ul className="disagreements">
                      {mine.slice(0, MAX_PER_RPC).map((d, i) => (
                        <Disagreement key={`${d.what}-${d.l1Block}-${i}`} d={d} />
                      ))}
                      {mine.length > MAX_PER_RPC ? <li className="muted small">and {mine.length - MAX_PER_RPC} more</li> : null}
                    </ul>
                  </td>
                </tr>
              ) : null}
            </tbody>
          )
        })}
      </table>
    </TableScroll>
  )
}

export function Trust({ trust, sources }: { trust: L1TrustView | undefined; sources: Record<string, SourceStats> }) {
  const active = activeAnchor(trust)
  const proofs = trust?.proofs ?? { verified: 0, failed: 0 }
  const liars = new Set((trust?.disagreements ?? []).map((d) => d.rpc))
  return (
    <Section
      id="trust"
      title="L1 trust"
      data-testid="trust-panel"
      data-active={active ? active.kind : 'none'}
      data-anchored={active ? 'true' : 'false'}
      data-liars={[...liars].join(' ')}
      extra={
        <span className="muted small" data-testid="trust-proofs" data-verified={proofs.verified} data-failed={proofs.failed}>
          L1 proofs: {formatCount(proofs.verified)} passed, <span className={proofs.failed > 0 ? 'bad' : ''}>{formatCount(proofs.failed)} failed</span>
        </span>
      }
    >
      {active && active.latest ? (
        <p className="trust-summary trust-ok" data-testid="trust-summary" data-state="anchored" data-l1-block={active.latest.number}>
          L1 facts are proven against the <strong>{ANCHOR_NOUN[active.kind]}</strong>: {active.latest.basis}. Latest anchored L1 block {formatCount(active.latest.number)}, finalized{' '}
          {active.finalized ? formatCount(active.finalized.number) : 'none yet'}.
        </p>
      ) : (
        <p className="trust-summary trust-none" data-testid="trust-summary" data-state="none" role="note">
          <strong>Nothing about L1 is verified yet:</strong> no L1 anchor has a head it checked itself
          {trust ? '' : ' (this client reports no L1 anchor)'}. Until one does, no block is shown as proven mined or finalized, and what L1 RPCs say is not taken as fact.
        </p>
      )}
      {trust && trust.anchors.length > 0 ? (
        <div className="anchors">
          {trust.anchors.map((a) => (
            <AnchorCard key={a.kind} a={a} active={active?.kind === a.kind} />
          ))}
        </div>
      ) : null}
      {liars.size > 0 ? (
        <p className="banner banner-warn small" data-testid="trust-liars" role="note">
          Proven false: {[...liars].join(', ')} claimed what the anchor contradicts; answers that fail a proof are rejected (details below).
        </p>
      ) : null}
      <RpcTable trust={trust} sources={sources} />
    </Section>
  )
}
