import type { Hex } from '../core/types'
import { Reader, Writer, checkVersion, tooLarge } from './bytes'
import { type BlockHeader, type DecodedHeader, headerBytesOf, readDecodedHeader, headerHash } from './header'
import { MAX_BODY_BYTES } from './body'
import { SIGNATURE_SIZE } from './signature'

export const PROPOSAL_VERSION = 1
export const MAX_TX_HASHES = 4096

/**
 * A block proposal, gossiped by the slot's proposer the moment it builds a block:
 * header, body (raw canonical bytes, so the receiver can hash exactly what was signed
 * over), the hashes of the block's transactions, and the proposer's signature over
 * BlockProposal(headerHash).
 */
export interface BlockProposal {
  version: number
  header: BlockHeader
  bodyBytes: Uint8Array
  txHashes: Hex[]
  signature: Uint8Array
}

export function encodeProposal(p: BlockProposal): Uint8Array {
  const w = new Writer(256 + p.bodyBytes.length).u8(p.version).bytes(headerBytesOf(p.header)).varBytes32(p.bodyBytes).u32(p.txHashes.length)
  for (const h of p.txHashes) w.hex(h, 32)
  return w.bytes(p.signature).finish()
}

/** A proposal as decoded: its header carries its bytes and hash (computed once). */
export interface DecodedProposal extends BlockProposal {
  header: DecodedHeader
}

export function decodeProposal(bytes: Uint8Array): DecodedProposal {
  const r = new Reader(bytes, 'proposal')
  const version = r.u8('proposal.version')
  checkVersion('proposal', version, PROPOSAL_VERSION)
  const header = readDecodedHeader(r)
  const bodyBytes = r.varBytes32(MAX_BODY_BYTES, 'proposal.body')
  const n = r.u32('proposal.txHashes.length')
  if (n > MAX_TX_HASHES) throw tooLarge('proposal', 'txHashes', n, MAX_TX_HASHES)
  const txHashes = Array.from({ length: n }, () => r.hex(32, 'proposal.txHash'))
  const signature = r.bytesN(SIGNATURE_SIZE, 'proposal.signature').slice()
  r.end()
  return { version, header, bodyBytes: bodyBytes.slice(), txHashes, signature }
}

export { headerHash }
