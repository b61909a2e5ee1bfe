/**
 * Fault knobs: `npm run devnet -- --fault NAME` (repeatable) and the admin endpoint. Each
 * name listed here is implemented by the devnet; unknown names are refused.
 */
export const FAULTS: Record<string, string> = {
  'corrupt-l2rpc': 'the trusted L2 RPC serves bodies with one byte flipped (headers stay valid)',
  'corrupt-filestore': 'the file store serves bodies and blobs with one byte flipped (they fail verification)',
  'filestore-down': 'the file store answers every request with 503',
  'beacon-down': "the gateway's beacon API route answers 503",
  'withhold-gossip-bodies': 'the proposer gossips proposals without bodies (header + signature + tx hashes only)',
  'pruned-only': 'no archival full node: only the pruned node (newest VIGIL_PRUNED_WINDOW heights, default 32) serves req/resp',
  'divergent-checkpoint': 'the proposer posts to L1 a checkpoint whose last 1..N blocks differ from the ones it gossiped (never gossiped, attested by the committee keys directly)',
  equivocate: 'the proposer gossips two different last blocks per slot (same slot and index) and two checkpoint proposals; validators attest both; the second is posted',
  'short-quorum': 'one-shot: the next checkpoint is posted with quorum − 1 attestations (invalid to clients), then pruned on L1 with the rollup\'s invalidate; the chain continues from the one before (with l1-reorg: reorged out and re-posted with its quorum)',
  'l1-reorg': 'after each checkpoint lands, an L1 reorg (anvil_reorg) drops its L1 block; the proposer re-posts it (never deeper than L1 finality)',
  'lying-l1-rpc':
    'L1 RPC 0 forges: a committee of its own keys, checkpoint tip+1 (log, propose tx, receipt, tip()) signed by it, finalized = latest, rollup storage values whose proofs do not verify, a latest header with a made-up state root',
  'l1-rpc-hides-checkpoint': 'L1 RPC 1 omits from eth_getLogs the CheckpointProposed log of every checkpoint whose number is 2 mod 3',
  'l1-rpc-down': 'L1 RPC 2 answers every request with 503',
  'refuse-ranges': 'full nodes answer headers-by-range and bodies-by-hash empty below VIGIL_REFUSE_BELOW (default: all heights); status unchanged',
}

export function checkFaults(names: string[]): string[] {
  return names.filter((n) => !(n in FAULTS))
}

/** One thing a fault made the devnet do (what tests compare the client's view with). */
export interface FaultAction {
  /** Increasing from 1: poll with `since` to get only new actions. */
  seq: number
  fault: string
  /** Unix ms. */
  at: number
  /** Plain JSON data describing the action (heights, hashes, L1 blocks, …). */
  detail: Record<string, unknown>
}

/** The devnet's record of fault actions (bounded); served by the admin endpoint (`GET /admin/faults`). */
export class FaultLog {
  private seq = 0
  private readonly items: FaultAction[] = []
  constructor(private readonly max = 1024) {}

  record(fault: string, detail: Record<string, unknown>): FaultAction {
    const a: FaultAction = { seq: ++this.seq, fault, at: Date.now(), detail }
    this.items.push(a)
    if (this.items.length > this.max) this.items.shift()
    return a
  }

  /** Actions after `since` (seq), optionally of one fault, oldest first. */
  list(opts: { fault?: string; since?: number } = {}): FaultAction[] {
    return this.items.filter((a) => a.seq > (opts.since ?? 0) && (opts.fault === undefined || a.fault === opts.fault))
  }
}
