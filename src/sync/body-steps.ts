/**
 * The body pipeline's steps: asking one source for bodies, or for a mined checkpoint's blobs
 * (judged by `verify/blobs.ts`, one verdict per blob in the source's stats). A step only
 * fetches and judges; what it returns is handed to the engine by `BodyPipeline` (bodies.ts).
 */
import { toErrorRecord } from '../core/errors'
import type { Hex } from '../core/types'
import type { Logger } from '../core/logger'
import type { BlockHeader } from '../protocol/header'
import { judgeBlobs, type BlobKzg } from '../verify/blobs'
import type { BlobSource, BodyRef, BodySource } from '../ports/bodies'
import type { CheckpointRow } from '../ports/store'

export type BodyStep = { kind: 'bodies'; source: BodySource } | { kind: 'blobs'; source: BlobSource }

/** What a step got: bodies by block hash (unverified), or why it got none. */
export type StepResult =
  | { ok: true; bodies: Map<Hex, Uint8Array> }
  /** `failed`: the source failed (the reason replaces an earlier note); else it served nothing usable (noted unless noted already). */
  | { ok: false; reason: string; failed: boolean }

/** Bodies by hash from a body source (what it served, unverified: the engine judges each). */
export async function bodiesFrom(source: BodySource, refs: BodyRef[], signal: AbortSignal): Promise<StepResult> {
  try {
    return { ok: true, bodies: await source.fetchBodies(refs, { signal }) }
  } catch (e) {
    return { ok: false, reason: toErrorRecord(e).code, failed: true }
  }
}

export interface BlobStepContext {
  kzg: BlobKzg
  /** The checkpoint's headers when all are stored (each unpacked body must match its header). */
  headers: BlockHeader[] | null
  signal: AbortSignal
  log: Logger
  /** Counts each blob verdict (the pipeline's progress). */
  counted: (ok: boolean) => void
}

/**
 * A mined checkpoint's blobs from a blob source, judged against its versioned hashes and
 * headers, unpacked into bodies keyed by block hash. Every served blob gets a verdict in the
 * source's stats.
 */
export async function blobBodiesFrom(source: BlobSource, cp: CheckpointRow, ctx: BlobStepContext): Promise<StepResult> {
  let blobs: (Uint8Array | null)[]
  try {
    blobs = await source.fetchBlobs({ l1BlockNumber: cp.l1!.blockNumber, versionedHashes: cp.blobVersionedHashes }, { signal: ctx.signal })
  } catch (e) {
    return { ok: false, reason: toErrorRecord(e).code, failed: true }
  }
  const j = await judgeBlobs(
    {
      blobs,
      versionedHashes: cp.blobVersionedHashes,
      blockCount: cp.headerHashes.length,
      headers: ctx.headers,
      // yield between blobs: a commitment takes ~0.3–0.6 s of CPU
      pause: () => new Promise((r) => setTimeout(r, 0)),
    },
    ctx.kzg,
  )
  for (const v of j.verdicts) {
    if (v.ok) source.stats.verdict(true)
    else {
      source.stats.verdict(false, v.error)
      ctx.log(`${source.name}: blob ${v.index} of checkpoint ${cp.checkpointNumber} rejected: ${v.error!.message}`)
    }
    ctx.counted(v.ok)
  }
  if (!j.bodies) {
    // every blob is the one L1 committed to, yet they do not carry the headers' bodies: the proposer's fault, not the source's
    if (j.fault === 'proposer') ctx.log.error(`blobs of checkpoint ${cp.checkpointNumber} match L1 but not its headers`, j.error)
    return { ok: false, reason: 'blobs unavailable or rejected', failed: false }
  }
  const bodies = new Map<Hex, Uint8Array>()
  cp.headerHashes.forEach((h, i) => bodies.set(h, j.bodies![i]!))
  return { ok: true, bodies }
}
