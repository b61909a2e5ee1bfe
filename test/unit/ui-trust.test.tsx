/**
 * Every value on screen says what it rests on (issue 8, item 4): the dashboard's L1 trust panel,
 * a block's "proven against L1 block N", and Verify now's list of L1 proofs — rendered to HTML
 * (react-dom/server) from hand-written records, as test/unit/ui.test.tsx does.
 */
import type { ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Dashboard } from '../../src/ui/AppView'
import { ChainHeader } from '../../src/ui/Header'
import { BlockDetails, VerifyResults } from '../../src/ui/pages/BlockPage'
import { NowProvider } from '../../src/ui/useNow'
import { applySettings, chainKey } from '../../src/ui/settings'
import { parseClientConfig, type ClientConfig } from '../../src/client/shared/config'
import { blockView, checkpoint, failingReport, finalityProof, h, lcTrust, LIAR, minedProof, NOW, quorumSources, quorumTrust, report, RPC_A, RPC_B, snapshot, startingTrust } from './ui-trust.fixtures'

const render = (node: ReactNode) => renderToString(<NowProvider value={NOW}>{node}</NowProvider>)
/** React's text-node separators out, so sentences can be matched as read. */
const text = (html: string) => html.replace(/<!-- -->/g, '')

/** The element carrying data-testid=`id` (the n-th one), from its opening tag up to its matching close. */
function element(html: string, id: string, n = 0): string {
  let i = -1
  for (let k = 0; k <= n; k++) {
    i = html.indexOf(`data-testid="${id}"`, i + 1)
    expect(i, `data-testid="${id}" #${k} in the HTML`).toBeGreaterThanOrEqual(0)
  }
  const start = html.lastIndexOf('<', i)
  const tag = /^<([a-z0-9]+)/.exec(html.slice(start))![1]!
  let depth = 0
  const re = new RegExp(`<(/?)${tag}\\b[^>]*?(/?)>`, 'g')
  re.lastIndex = start
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[2] === '/') continue
    depth += m[1] === '/' ? -1 : 1
    if (depth === 0) return text(html.slice(start, re.lastIndex))
  }
  throw new Error(`unclosed <${tag}> for ${id}`)
}
const count = (html: string, needle: string) => html.split(needle).length - 1

describe('L1 trust panel', () => {
  it('quorum: the active anchor in words, anchored blocks, each RPC with its stats, the liar marked with what it claimed', () => {
    const html = render(<Dashboard snapshot={snapshot(quorumTrust)} samples={[]} />)
    const panel = element(html, 'trust-panel')
    expect(panel).toContain('data-active="rpc-quorum"')
    expect(panel).toContain('data-anchored="true"')
    expect(panel).toContain(`data-liars="${LIAR}"`)
    // placed right after the tips
    expect(html.indexOf('data-testid="tips"')).toBeLessThan(html.indexOf('data-testid="trust-panel"'))
    expect(html.indexOf('data-testid="trust-panel"')).toBeLessThan(html.indexOf('data-testid="sources"'))

    const summary = element(html, 'trust-summary')
    expect(summary).toContain('data-state="anchored"')
    expect(summary).toContain('2 of 3 RPCs agree at L1 block 118')
    expect(summary).toContain('finalized 96')
    expect(element(html, 'trust-anchor-rpc-quorum-words')).toContain('2 of 3 RPCs agree at L1 block 118')
    const anchor = element(html, 'trust-anchor-rpc-quorum')
    expect(anchor).toContain('data-state="synced"')
    expect(anchor).toContain('proofs are checked against this one')
    expect(anchor).toContain('2 of 3 must agree on a block’s hash, 2 blocks below the 2nd highest head')
    expect(element(html, 'trust-anchor-rpc-quorum-latest')).toContain('data-l1-block="118"')
    expect(element(html, 'trust-anchor-rpc-quorum-finalized')).toContain('data-l1-block="96"')
    const proofs = element(html, 'trust-proofs')
    expect(proofs).toContain('data-verified="412"')
    expect(proofs).toContain('data-failed="9"')
    expect(proofs).toContain('412 passed')

    // every RPC its own row with its stats
    for (const name of [RPC_A, RPC_B, LIAR]) expect(html).toContain(`data-testid="trust-rpc-${name}"`)
    const a = element(html, `trust-rpc-${RPC_A}`)
    expect(a).toContain('data-disagrees="false"')
    expect(a).toContain('data-quorum="agrees"')
    expect(a).toContain('1,234')
    expect(a).toContain('http://127.0.0.1:8545')
    expect(a).not.toContain('trust-disagreement')
    expect(element(html, `trust-rpc-${RPC_B}`)).toContain('SOURCE_TIMEOUT')

    const liar = element(html, `trust-rpc-${LIAR}`)
    expect(liar).toContain('data-disagrees="true"')
    expect(liar).toContain('data-quorum="dissents"')
    expect(liar).toContain('data-testid="trust-liar"')
    expect(liar).toContain('PROOF_INVALID')
    expect(count(liar, 'data-testid="trust-disagreement"')).toBe(2)
    const head = element(liar, 'trust-disagreement')
    expect(head).toContain(`data-rpc="${LIAR}"`)
    expect(head).toContain('data-code="L1_RPC_DISAGREES"')
    expect(head).toContain('data-count="7"')
    expect(head).toMatch(/disagrees<\/strong> on the head at L1 block 118: claimed/)
    expect(head).toContain(`title="${h(0xee)}"`) // what it claimed, in full
    expect(head).toContain(`anchor says`)
    expect(head).toContain(`title="${h(118)}"`) // what the anchor says
    expect(head).toContain('7×')
    const committee = element(liar, 'trust-disagreement', 1)
    expect(committee).toContain('data-code="PROOF_INVALID"')
    expect(committee).toContain('committee of 48 keys')
    expect(committee).toContain('proven false')
    expect(element(html, 'trust-liars')).toContain(LIAR)
  })

  it('light client: sync committee, period, participation, finalized slot; a stalled quorum with its error', () => {
    const html = render(<Dashboard snapshot={snapshot(lcTrust)} samples={[]} />)
    const panel = element(html, 'trust-panel')
    expect(panel).toContain('data-active="light-client"')
    expect(panel).toContain('data-liars=""')
    expect(element(html, 'trust-anchor-light-client-words')).toContain('Sync committee, period 867, 511 of 512 signed, finalized slot 7,104,608')
    const lc = element(html, 'trust-anchor-light-client')
    expect(lc).toContain('data-active="true"')
    expect(lc).toContain(`title="${h(0x5a)}"`) // the checkpoint root it bootstrapped from
    expect(lc).toContain('optimistic slot 7,104,672')
    expect(element(html, 'trust-anchor-light-client-latest')).toContain('17,923,040')
    expect(element(html, 'trust-anchor-light-client-finalized')).toContain('data-l1-block="17923026"')
    expect(element(html, 'trust-summary')).toContain('proven against the <strong>Ethereum consensus light client</strong>')

    const q = element(html, 'trust-anchor-rpc-quorum')
    expect(q).toContain('data-state="stalled"')
    expect(q).toContain('data-active="false"')
    expect(element(html, 'trust-anchor-rpc-quorum-words')).toContain('Only 1 of 3 RPCs agree at L1 block 120: 2 needed')
    const err = element(html, 'trust-anchor-rpc-quorum-error')
    expect(err).toContain('data-code="L1_QUORUM_NOT_REACHED"')
    expect(err).toContain('Stalled: ')
    expect(err).toContain('only 1 of 3 L1 RPCs answered for block 120; 2 needed')
    expect(element(html, `trust-rpc-${RPC_B}`)).toContain('data-quorum="unavailable"')
    expect(count(html, 'data-testid="trust-disagreement"')).toBe(0)
  })

  it('no trust at all, or an anchor still starting: says plainly that nothing about L1 is verified', () => {
    for (const trust of [undefined, startingTrust, { ...quorumTrust, active: null }]) {
      const html = render(<Dashboard snapshot={snapshot(trust)} samples={[]} />)
      const panel = element(html, 'trust-panel')
      expect(panel).toContain('data-anchored="false"')
      expect(panel).toContain('data-active="none"')
      const summary = element(html, 'trust-summary')
      expect(summary).toContain('data-state="none"')
      expect(summary).toContain('Nothing about L1 is verified yet')
      expect(panel).not.toContain('trust-ok')
      expect(panel).not.toContain('proofs are checked against this one')
      // the L1 RPCs (stats from `sources`) are still listed
      for (const name of [RPC_A, RPC_B, LIAR]) expect(panel).toContain(`data-testid="trust-rpc-${name}"`)
      // the top bar's L1 numbers say they are not verified
      const bar = render(<ChainHeader snapshot={snapshot(trust)} />)
      expect(element(bar, 'l1-basis')).toContain('data-anchored="false"')
      expect(element(bar, 'l1-basis')).toContain('>unverified<')
    }
    expect(element(render(<Dashboard snapshot={snapshot(startingTrust)} samples={[]} />), 'trust-anchor-rpc-quorum')).toContain('Nothing verified by this anchor yet')
    expect(element(render(<Dashboard snapshot={snapshot(undefined, {})} samples={[]} />), 'trust-panel')).toContain('No L1 RPC configured.')
    const bar = render(<ChainHeader snapshot={snapshot(quorumTrust)} />)
    expect(element(bar, 'l1-basis')).toContain('anchored: 2 of 3 RPCs agree at L1 block 118')
  })

  it('an RPC known only from its source stats or a disagreement still gets its row', () => {
    const trust = { ...quorumTrust, rpcs: [] }
    const html = render(<Dashboard snapshot={snapshot(trust, { ...quorumSources, 'l1:10.0.0.9:8545': { ...quorumSources[RPC_A]!, name: 'l1:10.0.0.9:8545' } })} samples={[]} />)
    expect(html).toContain('data-testid="trust-rpc-l1:10.0.0.9:8545"')
    expect(element(html, `trust-rpc-${LIAR}`)).toContain('data-disagrees="true"')
    expect(html).not.toContain('data-testid="trust-rpc-gossip"')
  })
})

describe('block page: what mined and finalized rest on', () => {
  it('a mined block whose checkpoint carries its proof: "proven against L1 block N (anchor: …)" with the facts', () => {
    const html = render(<BlockDetails view={blockView('mined', [checkpoint('mined', { proof: minedProof })])} client={null} highlightTx={null} />)
    const rests = element(html, 'block-rests-on')
    expect(rests).toContain('data-proven="true"')
    expect(rests).toContain('Mined: proven against L1 block <strong>118</strong> (anchor: 2 of 3 RPCs agree at L1 block 118)')
    const line = element(html, 'checkpoint-proof')
    expect(line).toContain('data-proven="true"')
    expect(line).toContain('data-l1-block="118"')
    expect(line).toContain('Proven against L1 block 118')
    expect(line).toContain('(anchor: 2 of 3 RPCs agree at L1 block 118)')
    expect(line).toContain(RPC_A)
    const facts = element(html, 'checkpoint-proof-facts')
    expect(count(facts, '<li>')).toBe(4)
    expect(facts).toContain('storage checkpointLog[5].attestationsHash')
    expect(html).not.toContain('data-testid="checkpoint-finality"')
  })

  it('a mined checkpoint without a proof does not claim proven', () => {
    const html = render(<BlockDetails view={blockView('mined', [checkpoint('mined', { proof: null })])} client={null} highlightTx={null} />)
    expect(element(html, 'block-rests-on')).toContain('data-proven="false"')
    expect(element(html, 'block-rests-on')).toContain('not proven against L1')
    const line = element(html, 'checkpoint-proof')
    expect(line).toContain('data-proven="false"')
    expect(line).toContain('Not proven against L1 yet')
    expect(html).not.toMatch(/Proven against L1 block/)
    // proof absent (an older worker) reads the same
    const old = render(<BlockDetails view={blockView('mined', [checkpoint('mined')])} client={null} highlightTx={null} />)
    expect(element(old, 'checkpoint-proof')).toContain('data-proven="false"')
  })

  it('finalized: the finality proof, or that finality is not proven', () => {
    const fin = render(<BlockDetails view={blockView('finalized', [checkpoint('finalized', { proof: minedProof, finality: finalityProof })])} client={null} highlightTx={null} />)
    expect(element(fin, 'block-rests-on')).toContain('Finalized: proven against L1 block <strong>96</strong>')
    expect(element(fin, 'checkpoint-finality')).toContain('data-proven="true"')
    expect(element(fin, 'checkpoint-finality')).toContain('Final at L1 block 96')
    expect(element(fin, 'checkpoint-proof')).toContain('data-l1-block="118"')
    const unfin = render(<BlockDetails view={blockView('finalized', [checkpoint('finalized', { proof: minedProof, finality: null })])} client={null} highlightTx={null} />)
    expect(element(unfin, 'block-rests-on')).toContain('data-proven="false"')
    expect(element(unfin, 'block-rests-on')).toContain('finality not proven by the anchor yet')
    expect(element(unfin, 'checkpoint-finality')).toContain('Finality not proven against L1 yet')
  })

  it('a proposed or attested block says nothing about L1 proofs', () => {
    const html = render(<BlockDetails view={blockView('attested', [checkpoint('attested')])} client={null} highlightTx={null} />)
    expect(html).not.toContain('data-testid="block-rests-on"')
    expect(html).not.toContain('data-testid="checkpoint-proof"')
  })
})

describe('Verify now: every L1 proof it checked', () => {
  it('lists each proof (kind, title, detail) under the checks, and the anchored block they were checked against', () => {
    const r = report()
    const html = render(<VerifyResults report={r} status="mined" checkpoint={checkpoint('mined', { proof: minedProof })} trustActive="rpc-quorum" />)
    const results = element(html, 'verify-results')
    expect(results).toContain('data-ok="true"')
    expect(results).toContain('data-l1="proven"')
    expect(element(html, 'verify-summary')).toMatch(/^<p[^>]*><strong>Valid:<\/strong> 4 checks passed, 4 L1 proofs against L1 block 118 \(2 of 3 RPCs agree at L1 block 118\)/)
    expect(html.indexOf('data-testid="verify-check-l1Inclusion"')).toBeLessThan(html.indexOf('data-testid="verify-proofs"'))
    const against = element(html, 'verify-proven-against')
    expect(against).toContain('data-checked="true"')
    expect(against).toContain('data-l1-block="118"')
    expect(against).toContain('Proven against L1 block <strong>118</strong>')
    expect(against).toContain('(anchor: 2 of 3 RPCs agree at L1 block 118)')
    expect(count(html, 'data-testid="verify-proof"')).toBe(4)
    for (const [i, kind] of ['anchor', 'header', 'account', 'storage'].entries()) {
      const p = element(html, 'verify-proof', i)
      expect(p).toContain(`data-kind="${kind}"`)
      expect(p).toContain('data-status="pass"')
      expect(p).toContain(r.proofs![i]!.title)
    }
    expect(element(html, 'verify-proof', 1)).toContain('header hash')
    expect(element(html, 'verify-proof', 1)).toContain(`keccak(rlp(header)) = ${h(118)}`)
  })

  it('a failing proof: listed with its code and message, the summary says Invalid and names it', () => {
    for (const okFlag of [false, true]) {
      // even if a report said ok while a proof failed, the page does not say Valid
      const html = render(<VerifyResults report={failingReport(okFlag)} status="mined" checkpoint={checkpoint('mined', { proof: minedProof })} trustActive="rpc-quorum" />)
      expect(element(html, 'verify-results')).toContain('data-ok="false"')
      expect(element(html, 'verify-results')).toContain('data-l1="unproven"')
      const summary = element(html, 'verify-summary')
      expect(summary).toContain('Invalid:')
      expect(summary).toContain('checkpointLog[5].digest (slot 0x05) (PROOF_INVALID)')
      const bad = element(html, 'verify-proof', 3)
      expect(bad).toContain('data-status="fail"')
      expect(bad).toContain('data-code="PROOF_INVALID"')
      expect(bad).toContain('vcheck-fail')
      expect(bad).toContain('does not lead to the account’s storage root')
      expect(bad).toContain('storage proof node 2 does not hash to its reference')
      expect(element(html, 'verify-proof', 2)).toContain('data-status="pass"')
    }
  })

  it('provenAgainst null (or absent): "L1 not checked", and the summary claims nothing about L1', () => {
    for (const r of [report({ provenAgainst: null, proofs: [] }), (({ provenAgainst: _p, proofs: _q, ...rest }) => rest)(report())]) {
      const html = render(<VerifyResults report={r} status="attested" />)
      const against = element(html, 'verify-proven-against')
      expect(against).toContain('data-checked="false"')
      expect(against).toContain('L1 not checked')
      expect(count(html, 'data-testid="verify-proof"')).toBe(0)
      expect(element(html, 'verify-results')).toContain('data-l1="unproven"')
      expect(element(html, 'verify-summary')).toContain('Valid:')
      expect(element(html, 'verify-summary')).toContain('L1 not verified (no L1 proof was checked)')
      expect(html).not.toMatch(/proofs? against L1 block/)
    }
  })

  it('a mined block whose checkpoint has no proof, or no active anchor: valid, but no L1 claim', () => {
    const noProof = render(<VerifyResults report={report()} status="mined" checkpoint={checkpoint('mined')} trustActive="rpc-quorum" />)
    expect(element(noProof, 'verify-results')).toContain('data-l1="unproven"')
    expect(element(noProof, 'verify-summary')).toContain('its checkpoint is not proven against L1 yet')
    const noAnchor = render(<VerifyResults report={report()} status="mined" checkpoint={checkpoint('mined', { proof: minedProof })} trustActive={null} />)
    expect(element(noAnchor, 'verify-summary')).toContain('no L1 anchor has verified a head yet')
  })
})

describe('settings: the L1 RPC quorum (k of n)', () => {
  const config: ClientConfig = parseClientConfig({
    l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:8545', 'http://127.0.0.1:8546', 'http://127.0.0.1:8547'], rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3', deployBlock: 0 }, bootstrap: [], mode: 'light',
  })
  const withQuorum = (q: string | number) => applySettings(config, { chains: { [chainKey(config)]: { l1Quorum: q } } })
  it('k becomes config.l1.quorum and validates; empty keeps the config’s', () => {
    expect(parseClientConfig(withQuorum('2')).l1.quorum).toBe(2)
    expect(parseClientConfig(withQuorum(3)).l1.quorum).toBe(3)
    expect(withQuorum('').l1.quorum).toBeUndefined()
    expect(applySettings(config, {}).l1.quorum).toBeUndefined()
  })
  it('a k above n, zero or not a number is named by the config check (what the Settings page shows)', () => {
    for (const bad of ['4', '0', 'two', '1.5']) expect(() => parseClientConfig(withQuorum(bad)), bad).toThrow(/l1\.quorum/)
  })
})
