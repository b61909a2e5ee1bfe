/**
 * The seen-cache (docs/verification.md § Gossip validation): the verdict on every gossip
 * message already judged, by content id, so a replay costs one hash and a map lookup — no
 * decode, no signature recovery, no store read, no failure recorded again. gossipsub keeps its
 * own seen-cache for its `seenTTL` (2 min); this one also covers messages the page's node hands
 * over (`deliverGossip`) and replays after that TTL. Bounded: the oldest entries are forgotten
 * first.
 *
 * Only final verdicts are remembered: `accept` and `reject`, and `ignore` for what will never
 * change (an equivocation, an already-known block). Soft failures that may pass later (committee
 * not known yet, a slot that has not started) are not, so the same bytes are judged again.
 */
import { bytesToHex } from '../protocol/bytes'
import { sha256 } from '../protocol/hash'
import type { GossipVerdict } from '../ports/stats'

export const SEEN_CACHE_DEFAULT_SIZE = 16_384

export class SeenCache {
  private readonly verdicts = new Map<string, GossipVerdict>()
  /** Replays answered from the cache (for the tests and the bench). */
  hits = 0

  constructor(private readonly maxEntries = SEEN_CACHE_DEFAULT_SIZE) {}

  /** The message's content id (sha256, as gossipsub's message id). */
  static idOf(topic: string, data: Uint8Array): string {
    return `${topic}:${bytesToHex(sha256(data))}`
  }

  /** The verdict a replay of `id` gets: a cached `accept` becomes `ignore` (nothing new), the rest as judged. */
  replay(id: string): GossipVerdict | undefined {
    const v = this.verdicts.get(id)
    if (v === undefined) return undefined
    this.hits++
    return v === 'accept' ? 'ignore' : v
  }

  remember(id: string, verdict: GossipVerdict): void {
    this.verdicts.delete(id)
    this.verdicts.set(id, verdict)
    if (this.verdicts.size > this.maxEntries) this.verdicts.delete(this.verdicts.keys().next().value!)
  }

  get size(): number {
    return this.verdicts.size
  }
}
