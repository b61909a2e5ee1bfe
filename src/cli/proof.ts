/**
 * `vigil proof verify --block FILE --proof FILE [--receipts FILE] [--json]`: offline check of
 * real execution-layer data. The block file is an `eth_getBlockByNumber` answer, the proof file
 * an `eth_getProof` answer, the receipts file (optional) an `eth_getBlockReceipts` answer.
 *
 * Checks, each reported: the header's RLP hashes to the block's `hash`; the account proof and
 * every storage proof verify against the header's state root and prove the values the answer
 * claims; the receipts rebuild the header's receipts root and their placement fields agree
 * with the block. Exit 0 only when every check passed,
 * 1 when one failed (coded error), 2 on bad usage.
 *
 * What this does NOT establish: that the block is on the canonical Ethereum chain. The block
 * hash is taken from the file; an anchor (a verified L1 head) must vouch for it.
 */
import { readFile } from 'node:fs/promises'
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import type { Hex } from '../core/types'
import { headerFromRpc, type ExecutionHeader } from '../protocol/eth/header'
import { parseGetProof, type GetProofAnswer } from '../protocol/eth/proof'
import { encodeReceipt, receiptPlacement } from '../protocol/eth/receipt'
import { verifyGetProof, verifyHeaderHash, verifyReceiptPlacement, verifyReceiptsRoot, type ProvenAccount } from '../verify/execution'
import { flagBool, flagStr, type ParsedArgs } from '../node/args'
import { jsonLine } from './output'

interface Check {
  name: string
  ok: boolean
  detail: string
  error?: ErrorRecord
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new VigilError('DECODE_INVALID_FIELD', `${what} ${path} is not JSON: ${(e as Error).message}`)
  }
}

function unwrapResult(json: unknown): unknown {
  if (json && typeof json === 'object' && 'result' in json && 'jsonrpc' in json) return (json as { result: unknown }).result
  return json
}

function check(checks: Check[], name: string, fn: () => string): boolean {
  try {
    checks.push({ name, ok: true, detail: fn() })
    return true
  } catch (e) {
    const error = toErrorRecord(e)
    checks.push({ name, ok: false, detail: `${error.code}: ${error.message}`, error })
    return false
  }
}

export async function proofCommand(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0]
  if (sub !== 'verify' || args.positionals.length > 1) throw new VigilError('CONFIG_INVALID', `usage: vigil proof verify --block FILE --proof FILE [--receipts FILE] [--json]${sub && sub !== 'verify' ? ` (unknown subcommand "${sub}")` : sub ? ` (unexpected ${args.positionals.slice(1).join(' ')})` : ''}`)
  const blockPath = flagStr(args, 'block')
  const proofPath = flagStr(args, 'proof')
  if (!blockPath) throw new VigilError('CONFIG_INVALID', '--block is required')
  if (!proofPath) throw new VigilError('CONFIG_INVALID', '--proof is required')
  const receiptsPath = flagStr(args, 'receipts')
  const json = flagBool(args, 'json')
  const blockJson = unwrapResult(await readJson(blockPath, 'block file'))
  const proofJson = await readJson(proofPath, 'proof file')
  const receiptsJson = receiptsPath === undefined ? undefined : unwrapResult(await readJson(receiptsPath, 'receipts file'))

  const checks: Check[] = []
  let header: ExecutionHeader | null = null
  let answer: GetProofAnswer | null = null
  let proven: ProvenAccount | null = null
  check(checks, 'header hash', () => {
    header = headerFromRpc(blockJson)
    const claimed = (blockJson as { hash?: unknown }).hash
    if (typeof claimed !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(claimed)) throw new VigilError('DECODE_INVALID_FIELD', 'block file: hash is missing or not 32 bytes of hex')
    const h = verifyHeaderHash(header, claimed as Hex)
    return `block ${header.number} header RLP hashes to ${h}`
  })
  check(checks, 'proof answer', () => {
    answer = parseGetProof(proofJson)
    return `account ${answer.address}, ${answer.accountProof.length} account proof nodes, ${answer.storageProof.length} storage slot(s)`
  })
  if (header && answer) {
    const h: ExecutionHeader = header
    const a: GetProofAnswer = answer
    const rootNote = checks[0]!.ok ? '' : ' (the header did not verify: this root is only what the file says)'
    check(checks, 'account and storage proofs', () => {
      proven = verifyGetProof(h.stateRoot, a)
      return (proven.account ? `account ${a.address} proven against stateRoot ${h.stateRoot}` : `account ${a.address} proven absent from stateRoot ${h.stateRoot}`) + rootNote
    })
  }
  if (receiptsJson !== undefined && header) {
    const h: ExecutionHeader = header
    check(checks, 'receipts root', () => {
      if (!Array.isArray(receiptsJson)) throw new VigilError('DECODE_INVALID_FIELD', 'receipts file is not a list of receipts')
      verifyReceiptsRoot(h, receiptsJson.map(encodeReceipt))
      return `${receiptsJson.length} receipts rebuild receiptsRoot ${h.receiptsRoot}`
    })
    check(checks, 'receipt placement', () => {
      if (!Array.isArray(receiptsJson)) throw new VigilError('DECODE_INVALID_FIELD', 'receipts file is not a list of receipts')
      verifyReceiptPlacement(h, (blockJson as { hash: Hex }).hash, receiptsJson.map(receiptPlacement))
      return `every receipt and log names block ${h.number}, indices and gas used consistent (transaction hashes not proven)`
    })
  }
  const ok = checks.every((c) => c.ok)
  const hdr = header as ExecutionHeader | null
  const p = proven as ProvenAccount | null
  const report = {
    ok,
    block: hdr ? { number: Number(hdr.number), hash: (blockJson as { hash: Hex }).hash, stateRoot: hdr.stateRoot, receiptsRoot: hdr.receiptsRoot, timestamp: Number(hdr.timestamp) } : null,
    account: p
      ? {
          address: p.address,
          exists: p.account !== null,
          nonce: (p.account?.nonce ?? 0n).toString(),
          balance: (p.account?.balance ?? 0n).toString(),
          storageRoot: p.account?.storageRoot ?? null,
          codeHash: p.account?.codeHash ?? null,
        }
      : null,
    storage: p ? p.storage.map((s) => ({ key: s.key, value: `0x${s.value.toString(16)}` })) : [],
    checks,
    ...(ok ? {} : { error: checks.find((c) => !c.ok)!.error }),
  }
  if (json) process.stdout.write(jsonLine(report))
  else {
    const lines = checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)
    if (report.account) {
      const acc = report.account
      lines.push(acc.exists ? `account ${acc.address}: nonce ${acc.nonce}, balance ${acc.balance}, storageRoot ${acc.storageRoot}, codeHash ${acc.codeHash}` : `account ${acc.address}: none`)
      for (const s of report.storage) lines.push(`  storage ${s.key} = ${s.value}`)
    }
    lines.push(ok ? 'every check passed' : 'a check FAILED')
    process.stdout.write(lines.join('\n') + '\n')
  }
  return ok ? 0 : 1
}
