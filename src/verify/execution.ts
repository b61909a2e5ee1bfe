/**
 * Execution-layer facts checked against a block header: the header's own hash, an
 * `eth_getProof` answer against its state root, receipts against its receipts root. Pure
 * functions; each failure is a coded VigilError (HEADER_HASH_MISMATCH, PROOF_INVALID,
 * PROOF_VALUE_MISMATCH, ROOT_MISMATCH, RECEIPT_MISMATCH).
 */
import { VigilError } from '../core/errors'
import type { Hex } from '../core/types'
import { ZERO_HASH } from '../protocol/bytes'
import { headerHash, type ExecutionHeader } from '../protocol/eth/header'
import type { GetProofAnswer } from '../protocol/eth/proof'
import type { ReceiptPlacement } from '../protocol/eth/receipt'
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, orderedTrieRoot, verifyAccountProof, verifyStorageProof, type Account } from './mpt'

/** The header hashes (keccak256 of its RLP) to `expected`; returns the hash. */
export function verifyHeaderHash(header: ExecutionHeader, expected: Hex): Hex {
  const got = headerHash(header)
  if (got !== expected.toLowerCase()) {
    throw new VigilError('HEADER_HASH_MISMATCH', `execution block ${header.number}: the header hashes to ${got}, not ${expected}`, { details: { number: header.number.toString(), expected, got } })
  }
  return got
}

export interface ProvenAccount {
  address: Hex
  /** null: the proof shows no account at this address (the RPC's answer must then be the empty account). */
  account: Account | null
  storage: { key: Hex; value: bigint }[]
}

function mismatch(what: string, claimed: string, proven: string, details: Record<string, string | number | boolean | null> = {}): VigilError {
  return new VigilError('PROOF_VALUE_MISMATCH', `eth_getProof: the answer claims ${what} ${claimed}, the proof gives ${proven}`, { details: { what, claimed, proven, ...details } })
}

/**
 * Every proof of an `eth_getProof` answer against `stateRoot`, and every value it claims
 * compared with what the proofs prove. Returns the proven values.
 */
export function verifyGetProof(stateRoot: Hex, answer: GetProofAnswer): ProvenAccount {
  const account = verifyAccountProof(stateRoot, answer.address, answer.accountProof)
  const a = account ?? { nonce: 0n, balance: 0n, storageRoot: EMPTY_TRIE_ROOT, codeHash: EMPTY_CODE_HASH }
  // an absent account: servers report the empty root / empty code hash, or (geth) zero hashes
  const sameHash = (claimed: Hex, proven: Hex) => claimed === proven || (account === null && claimed === ZERO_HASH)
  if (a.nonce !== answer.nonce) throw mismatch('nonce', answer.nonce.toString(), a.nonce.toString())
  if (a.balance !== answer.balance) throw mismatch('balance', answer.balance.toString(), a.balance.toString())
  if (!sameHash(answer.storageHash, a.storageRoot)) throw mismatch('storageHash', answer.storageHash, a.storageRoot)
  if (!sameHash(answer.codeHash, a.codeHash)) throw mismatch('codeHash', answer.codeHash, a.codeHash)
  const storage = answer.storageProof.map((s, i) => {
    const value = verifyStorageProof(a.storageRoot, s.key, s.proof)
    if (value !== s.value) throw mismatch(`storage[${s.key}]`, s.value.toString(), value.toString(), { index: i })
    return { key: s.key, value }
  })
  return { address: answer.address, account, storage }
}

/** The receipts (their trie values, src/protocol/eth/receipt.ts) rebuild the header's receipts root. */
export function verifyReceiptsRoot(header: ExecutionHeader, receipts: readonly Uint8Array[]): Hex {
  const got = orderedTrieRoot(receipts)
  if (got !== header.receiptsRoot) {
    throw new VigilError('ROOT_MISMATCH', `execution block ${header.number}: ${receipts.length} receipts build root ${got}, the header's receiptsRoot is ${header.receiptsRoot}`, { details: { number: header.number.toString(), expected: header.receiptsRoot, got } })
  }
  return got
}

/**
 * The fields of a block's receipts that the receipts root does not cover, checked against the
 * verified header and each other (as Helios does): each receipt and log names this block (hash
 * and number), receipts are numbered 0…n-1, gasUsed is the step of cumulativeGasUsed, log
 * indices run 0…m-1 across the block, no log is `removed`. A field an RPC leaves out is not
 * judged. Transaction hashes are NOT proven by this (that needs the transactions trie).
 */
export function verifyReceiptPlacement(header: ExecutionHeader, blockHash: Hex, receipts: readonly ReceiptPlacement[]): void {
  const hash = blockHash.toLowerCase()
  const fail = (i: number, what: string, claimed: string, expected: string): never => {
    throw new VigilError('RECEIPT_MISMATCH', `execution block ${header.number}: receipt ${i} ${what} is ${claimed}, expected ${expected}`, { details: { number: header.number.toString(), receipt: i, what, claimed, expected } })
  }
  let cumulative = 0n
  let logIndex = 0n
  receipts.forEach((r, i) => {
    if (r.blockHash !== null && r.blockHash !== hash) fail(i, 'blockHash', r.blockHash, hash)
    if (r.blockNumber !== null && r.blockNumber !== header.number) fail(i, 'blockNumber', String(r.blockNumber), String(header.number))
    if (r.transactionIndex !== null && r.transactionIndex !== BigInt(i)) fail(i, 'transactionIndex', String(r.transactionIndex), String(i))
    if (r.cumulativeGasUsed < cumulative) fail(i, 'cumulativeGasUsed', String(r.cumulativeGasUsed), `at least ${cumulative}`)
    if (r.gasUsed !== null && r.gasUsed !== r.cumulativeGasUsed - cumulative) fail(i, 'gasUsed', String(r.gasUsed), String(r.cumulativeGasUsed - cumulative))
    cumulative = r.cumulativeGasUsed
    r.logs.forEach((l, j) => {
      if (l.blockHash !== null && l.blockHash !== hash) fail(i, `logs[${j}].blockHash`, l.blockHash, hash)
      if (l.blockNumber !== null && l.blockNumber !== header.number) fail(i, `logs[${j}].blockNumber`, String(l.blockNumber), String(header.number))
      if (l.transactionIndex !== null && l.transactionIndex !== BigInt(i)) fail(i, `logs[${j}].transactionIndex`, String(l.transactionIndex), String(i))
      if (l.transactionHash !== null && r.transactionHash !== null && l.transactionHash !== r.transactionHash) fail(i, `logs[${j}].transactionHash`, l.transactionHash, r.transactionHash)
      if (l.logIndex !== null && l.logIndex !== logIndex) fail(i, `logs[${j}].logIndex`, String(l.logIndex), String(logIndex))
      if (l.removed) fail(i, `logs[${j}].removed`, 'true', 'false')
      logIndex++
    })
  })
  if (receipts.length > 0 && cumulative !== header.gasUsed) fail(receipts.length - 1, 'cumulativeGasUsed', String(cumulative), `the block's gasUsed ${header.gasUsed}`)
}
