import { Reader, Writer, checkVersion } from './bytes'
import { type BlockHeader, encodeHeader, readHeader, HEADER_SIZE } from './header'
import { SIGNATURE_SIZE } from './signature'

export const SIGNED_HEADER_VERSION = 1
export const SIGNED_HEADER_SIZE = 1 + HEADER_SIZE + SIGNATURE_SIZE

/**
 * A header with its proposer's signature over BlockProposal(headerHash): what req/resp,
 * file stores and the backup RPC hand out for provisional blocks, so a synced header goes
 * through exactly the same check as a gossiped proposal.
 */
export interface SignedHeader {
  version: number
  header: BlockHeader
  signature: Uint8Array
}

export function encodeSignedHeader(s: SignedHeader): Uint8Array {
  return new Writer(SIGNED_HEADER_SIZE).u8(s.version).bytes(encodeHeader(s.header)).bytes(s.signature).finish()
}

export function readSignedHeader(r: Reader): SignedHeader {
  const version = r.u8('signedHeader.version')
  checkVersion('signedHeader', version, SIGNED_HEADER_VERSION)
  const header = readHeader(r)
  const signature = r.bytesN(SIGNATURE_SIZE, 'signedHeader.signature').slice()
  return { version, header, signature }
}

export function decodeSignedHeader(bytes: Uint8Array): SignedHeader {
  const r = new Reader(bytes, 'signedHeader')
  const s = readSignedHeader(r)
  r.end()
  return s
}
