/**
 * What the widget's badge and footer may claim for one verified block, as a pure function of
 * what was checked (no DOM: unit-tested in test/unit/ui-widget.test.tsx, against the explorer's
 * Verify now on the same reports so "Verified" means the same thing on both).
 *
 * The rule, shared with the explorer (src/ui/pages/BlockPage.tsx `verifyVerdict`):
 *  - **verified**: no check failed, no L1 proof failed, and the block is not stored invalid;
 *  - **L1 proven**: verified, an L1 anchor is active, Verify now checked its proofs against an
 *    anchored L1 block (`provenAgainst`), and — for a mined or finalized block — its checkpoint
 *    carries the proof that "mined" rests on. Otherwise nothing is said about L1 beyond "not verified".
 */
import type { AnchorKind, BlockView, CheckpointView, VerifyReport } from '../client/shared/types'

export interface WidgetClaim {
  verified: boolean
  /** The anchored L1 block the block's L1 facts were proven against; null: no L1 claim. */
  l1: { blockNumber: number; basis: string; proofs: number; finalizedAt: number | null } | null
  /** Why there is no L1 claim (when verified and `l1` is null). */
  l1Missing: string
  /** Codes of what failed (checks, then proofs), for an invalid badge. */
  failed: string[]
  /** The badge's title: "Verified · block 12 (mined)", "Verified · block 12 (mined, not proven on L1)", "Invalid · block 12". */
  title: string
  /** The footer: exactly what was checked. */
  footer: string
}

const fmt = (n: number) => n.toLocaleString('en-US')

/** The checkpoint that put this block on L1 (mined or finalized), if one names it. */
export function l1Checkpoint(view: Pick<BlockView, 'checkpoints'> | null | undefined): CheckpointView | null {
  return view?.checkpoints.find((c) => c.status === 'finalized') ?? view?.checkpoints.find((c) => c.status === 'mined') ?? null
}

/** What the block's signatures were checked for, in words: the strongest check that passed. */
function signedBy(report: VerifyReport): string {
  const passed = new Set(report.checks.filter((c) => c.status === 'pass').map((c) => c.name))
  if (passed.has('quorum')) return 'committee quorum'
  if (passed.has('proposerSignature')) return 'proposer signature'
  return `${passed.size} checks`
}

export function widgetClaim(report: VerifyReport, status: string, checkpoint: CheckpointView | null, trustActive: AnchorKind | null | undefined, storedError: string | null = null): WidgetClaim {
  const failedChecks = report.checks.filter((c) => c.status === 'fail')
  const proofs = report.proofs ?? []
  const failedProofs = proofs.filter((p) => p.status === 'fail')
  const verified = report.ok && failedChecks.length === 0 && failedProofs.length === 0 && status !== 'invalid'
  const onL1 = status === 'mined' || status === 'finalized'
  const against = report.provenAgainst ?? null
  let l1Missing = ''
  if (!trustActive) l1Missing = 'no L1 anchor has verified a head yet'
  else if (!against) l1Missing = 'no L1 proof was checked'
  else if (proofs.length === 0) l1Missing = 'no L1 proof was checked'
  else if (onL1 && !checkpoint?.proof) l1Missing = 'its checkpoint is not proven against L1 yet'
  const l1 =
    verified && l1Missing === '' && against
      ? { blockNumber: against.blockNumber, basis: against.basis, proofs: proofs.length, finalizedAt: status === 'finalized' && checkpoint?.finality ? checkpoint.finality.blockNumber : null }
      : null
  if (!verified) {
    const failed: string[] = [...failedChecks.map((c) => c.error?.code ?? c.name), ...failedProofs.map((p) => p.error?.code ?? p.kind)]
    if (failed.length === 0 && storedError) failed.push(storedError)
    return { verified, l1: null, l1Missing, failed, title: `Invalid · block ${fmt(report.height)}`, footer: 'Checked in your browser, not by a server' }
  }
  // a mined/finalized status is itself an L1 claim: only said plainly when proven
  const shown = !onL1 ? status : !l1 ? `${status}, not proven on L1` : status === 'finalized' && l1.finalizedAt === null ? 'finalized, finality not proven on L1' : status
  const what = signedBy(report)
  const footer = l1
    ? `Verified in your browser: ${what} + ${fmt(l1.proofs)} L1 ${l1.proofs === 1 ? 'proof' : 'proofs'} against L1 block ${fmt(l1.blockNumber)} (${l1.basis})${l1.finalizedAt !== null ? `, final at L1 block ${fmt(l1.finalizedAt)}` : ''}`
    : `Verified in your browser: ${what}; L1 not verified (${l1Missing})`
  return { verified, l1, l1Missing, failed: [], title: `Verified · block ${fmt(report.height)} (${shown})`, footer }
}
