/**
 * The widget's badge and footer (src/widget/claim.ts, what <vigil-widget> renders): the footer
 * says exactly what was checked, names L1 only when the block's L1 facts were proven against an
 * anchored block, and "Verified" means what the explorer's Verify now means (same reports, same
 * verdict). The custom element itself runs in Chromium: test/e2e/widget.test.ts.
 */
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import type { AnchorKind, CheckpointView, VerifyReport } from '../../src/client/shared/types'
import { verifyVerdict, VerifyResults } from '../../src/ui/pages/BlockPage'
import { l1Checkpoint, widgetClaim } from '../../src/widget/claim'
import { blockView, checkpoint, failingReport, finalityProof, minedProof, report } from './ui-trust.fixtures'

describe('widget footer and badge', () => {
  it('proven: "Verified in your browser: committee quorum + L1 proofs against L1 block N (2 of 3 RPCs agree …)"', () => {
    const c = widgetClaim(report(), 'mined', checkpoint('mined', { proof: minedProof }), 'rpc-quorum')
    expect(c.verified).toBe(true)
    expect(c.l1).toEqual({ blockNumber: 118, basis: '2 of 3 RPCs agree at L1 block 118', proofs: 4, finalizedAt: null })
    expect(c.title).toBe('Verified · block 30 (mined)')
    expect(c.footer).toBe('Verified in your browser: committee quorum + 4 L1 proofs against L1 block 118 (2 of 3 RPCs agree at L1 block 118)')
    const fin = widgetClaim(report(), 'finalized', checkpoint('finalized', { proof: minedProof, finality: finalityProof }), 'rpc-quorum')
    expect(fin.title).toBe('Verified · block 30 (finalized)')
    expect(fin.footer).toMatch(/against L1 block 118 \(2 of 3 RPCs agree at L1 block 118\), final at L1 block 96$/)
  })

  it('no active anchor: verified signatures, no L1 claim, and the title does not say mined plainly', () => {
    for (const active of [null, undefined]) {
      const c = widgetClaim(report(), 'mined', checkpoint('mined', { proof: minedProof }), active)
      expect(c.verified).toBe(true)
      expect(c.l1).toBeNull()
      expect(c.footer).toBe('Verified in your browser: committee quorum; L1 not verified (no L1 anchor has verified a head yet)')
      expect(c.footer).not.toMatch(/L1 proofs? against/)
      expect(c.title).toBe('Verified · block 30 (mined, not proven on L1)')
    }
  })

  it('a mined checkpoint without a proof, or a report that checked no L1 proof: no L1 claim', () => {
    for (const cp of [checkpoint('mined'), checkpoint('mined', { proof: null }), null]) {
      const c = widgetClaim(report(), 'mined', cp, 'rpc-quorum')
      expect(c.l1).toBeNull()
      expect(c.footer).toBe('Verified in your browser: committee quorum; L1 not verified (its checkpoint is not proven against L1 yet)')
    }
    const none = widgetClaim(report({ provenAgainst: null, proofs: [] }), 'mined', checkpoint('mined', { proof: minedProof }), 'rpc-quorum')
    expect(none.l1).toBeNull()
    expect(none.footer).toContain('L1 not verified (no L1 proof was checked)')
    const fin = widgetClaim(report(), 'finalized', checkpoint('finalized', { proof: minedProof, finality: null }), 'rpc-quorum')
    expect(fin.title).toBe('Verified · block 30 (finalized, finality not proven on L1)')
  })

  it('a proposed block: its proposer signature, and what L1 proofs (the committee) were checked', () => {
    const r = report({ checks: report().checks.filter((c) => c.name !== 'quorum' && c.name !== 'l1Inclusion') })
    const c = widgetClaim(r, 'proposed', null, 'rpc-quorum')
    expect(c.title).toBe('Verified · block 30 (proposed)')
    expect(c.footer).toBe('Verified in your browser: proposer signature + 4 L1 proofs against L1 block 118 (2 of 3 RPCs agree at L1 block 118)')
  })

  it('a failing proof: Invalid with its code, and the footer claims nothing', () => {
    for (const okFlag of [false, true]) {
      const c = widgetClaim(failingReport(okFlag), 'mined', checkpoint('mined', { proof: minedProof }), 'rpc-quorum')
      expect(c.verified).toBe(false)
      expect(c.l1).toBeNull()
      expect(c.failed).toEqual(['PROOF_INVALID'])
      expect(c.title).toBe('Invalid · block 30')
      expect(c.footer).not.toMatch(/^Verified/)
    }
    const stored = widgetClaim(report(), 'invalid', null, 'rpc-quorum', 'BAD_SIGNATURE')
    expect(stored.verified).toBe(false)
    expect(stored.failed).toEqual(['BAD_SIGNATURE'])
  })

  it('picks the checkpoint that put the block on L1', () => {
    const view = blockView('mined', [checkpoint('attested', { id: 'a' }), checkpoint('mined', { id: 'm', proof: minedProof })])
    expect(l1Checkpoint(view)?.id).toBe('m')
    expect(l1Checkpoint(blockView('attested', [checkpoint('attested')]))).toBeNull()
  })
})

describe('"Verified" means the same in the widget and in the explorer', () => {
  const reports: [string, VerifyReport][] = [
    ['all pass', report()],
    ['proof fails', failingReport(false)],
    ['proof fails, ok flag set', failingReport(true)],
    ['no anchor', report({ provenAgainst: null, proofs: [] })],
    ['check fails', report({ ok: false, checks: report().checks.map((c) => (c.name === 'quorum' ? { ...c, status: 'fail' as const, error: { code: 'QUORUM_NOT_REACHED' as const, severity: 'hard' as const, message: '2 of 4' } } : c)) })],
  ]
  const statuses = ['proposed', 'attested', 'mined', 'finalized', 'invalid']
  const cps: [string, CheckpointView | null][] = [
    ['none', null],
    ['unproven', checkpoint('mined')],
    ['proven', checkpoint('mined', { proof: minedProof })],
  ]
  const actives: (AnchorKind | null)[] = ['rpc-quorum', 'light-client', null]
  it('on every combination: the same verdict, the same L1 claim, and the explorer renders it', () => {
    let n = 0
    for (const [rname, r] of reports)
      for (const status of statuses)
        for (const [cname, cp] of cps)
          for (const active of actives) {
            const label = `${rname} / ${status} / ${cname} / ${active}`
            const w = widgetClaim(r, status, cp, active)
            const e = verifyVerdict(r, status, cp, active)
            expect(w.verified, label).toBe(e.ok)
            expect(w.l1?.blockNumber ?? null, label).toBe(e.l1?.blockNumber ?? null)
            expect(w.l1Missing, label).toBe(e.l1Missing)
            const html = renderToString(<VerifyResults report={r} status={status} checkpoint={cp} trustActive={active} />)
            expect(html, label).toContain(`data-ok="${w.verified}"`)
            expect(html, label).toContain(`data-l1="${w.l1 ? 'proven' : 'unproven'}"`)
            expect(w.footer.startsWith('Verified'), label).toBe(w.verified)
            if (w.l1 === null) expect(w.footer, label).not.toMatch(/proofs? against L1 block/)
            n++
          }
    expect(n).toBe(reports.length * statuses.length * cps.length * actives.length)
  })
})
