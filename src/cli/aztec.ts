/**
 * `vigil aztec verify-propose`: an Aztec checkpoint checked from its L1 calldata alone, and,
 * with L1 RPCs, against what the rollup stored (storage proofs at an anchored L1 block).
 * Exit codes: 0 every check that ran passed, 1 a check failed (its code is printed), 2 unusable
 * input or usage.
 */
import { readFile } from 'node:fs/promises'
import { VigilError, toErrorRecord } from '../core/errors'
import { flagBool, flagInt, flagStr, parseArgs, type ParsedArgs } from '../node/args'
import { aztecNetwork, proveAztecPropose, verifyAztecCandidates, type AztecReport } from '../networks/aztec'
import { hexInput } from '../networks/aztec/verify'
import { createProvenL1 } from '../sources/l1-proven'
import { initCrypto } from '../verify/secp256k1'

export const AZTEC_USAGE = `usage:
  vigil aztec verify-propose --network aztec-ignition --input FILE [--json]
             [--l1-rpc URL]... [--l1-quorum K] [--l1-block N] [--l2-block N]

  verify-propose  checks an Aztec checkpoint from the input of the L1 transaction that posted it.
         FILE holds that input as 0x-hex (the rollup's propose call itself, or any wrapper
         around it: smart account, Multicall3, …), or JSON with "proposeCalldata" or "input"
         (the shape of the shared vector; its "blockNumber" is the L1 block to prove at).
         Offline: the call is found and decoded, the header hash, payload digest and
         attestations-and-signers digest computed, every committee signature recovered (low-s)
         and matched to its listed signer, the committee and its commitment rebuilt, the quorum
         floor(2n/3)+1 and the proposer (coinbase, in the committee) checked.
         With --l1-rpc (k of n agree on the anchored block, --l1-quorum K, default a majority):
         the rollup's time config, committee size, the epoch's committee commitment and the
         checkpoint's stored archive, header hash, payload hash, attestations hash and slot are
         checked by storage proof; --l1-block N proves at that block (default: the JSON's
         blockNumber, else the anchored block), --l2-block N names the checkpoint number
         (default: searched for in the rollup's proven circular buffer).
         Exits 0 when every check that ran passes, 1 when one fails, 2 on unusable input.`

const FLAGS = { network: 'string', input: 'string', json: 'boolean', help: 'boolean', 'l1-rpc': 'string', 'l1-quorum': 'string', 'l1-block': 'string', 'l2-block': 'string' } as const

function usageError(message: string): VigilError {
  return new VigilError('CONFIG_INVALID', message)
}

/** `argv` after `aztec`. */
export async function aztecCommand(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  let args: ParsedArgs
  try {
    args = parseArgs(argv, FLAGS)
  } catch (e) {
    return fail(e, json, 2)
  }
  if (flagBool(args, 'help') || argv.includes('-h') || args.command === 'help') {
    process.stdout.write(`${AZTEC_USAGE}\n`)
    return 0
  }
  if (args.command !== 'verify-propose') return fail(usageError(args.command ? `unknown aztec command "${args.command}"` : 'an aztec command is needed (verify-propose)'), json, 2)

  let reports: AztecReport[]
  let l1BlockFromFile: number | undefined
  try {
    const network = aztecNetwork(flagStr(args, 'network') ?? 'aztec-ignition')
    const path = flagStr(args, 'input')
    if (!path) throw usageError('--input FILE is required')
    const { input, blockNumber } = parseInputFile(await readInput(path))
    l1BlockFromFile = blockNumber
    await initCrypto()
    reports = verifyAztecCandidates(input, { network })
  } catch (e) {
    return fail(e, json, 2)
  }

  let report = reports[0]!
  const rpcUrls = args.flags.get('l1-rpc') ?? []
  if (rpcUrls.length > 0) {
    try {
      const quorum = flagInt(args, 'l1-quorum')
      const l1 = createProvenL1({ rollup: report.rollup, rpcUrls, ...(quorum !== undefined ? { quorum } : {}) })
      const l1Block = flagInt(args, 'l1-block') ?? l1BlockFromFile
      const l2BlockNumber = flagInt(args, 'l2-block')
      const proveOpts = { ...(l1Block !== undefined ? { l1Block } : {}), ...(l2BlockNumber !== undefined ? { l2BlockNumber } : {}) }
      // a wrapper may hold several propose calls that decode: the one L1 stored is the one it executed
      for (const [i, r] of reports.entries()) {
        const proven = await proveAztecPropose(r, l1, proveOpts)
        if (i === 0) report = proven
        if (proven.checks.find((c) => c.name === 'l1-stored-checkpoint')?.ok === true) {
          report = proven
          break
        }
      }
    } catch (e) {
      return fail(e, json, 2)
    }
  }

  const code = report.ok ? 0 : 1
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`)
  else process.stdout.write(render(report))
  return code
}

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `cannot read --input ${path}: ${(e as Error).message}`)
  }
}

/** Hex, or JSON with `proposeCalldata` / `input` (and optionally `blockNumber`). */
export function parseInputFile(text: string): { input: Uint8Array; blockNumber?: number } {
  const t = text.trim()
  if (t.startsWith('{')) {
    let o: unknown
    try {
      o = JSON.parse(t)
    } catch (e) {
      throw new VigilError('DECODE_INVALID_FIELD', `the input file is not valid JSON: ${(e as Error).message}`, { details: { what: 'input' } })
    }
    const r = (o ?? {}) as Record<string, unknown>
    const hex = r.proposeCalldata ?? r.input ?? r.calldata
    if (typeof hex !== 'string') throw new VigilError('DECODE_INVALID_FIELD', 'the input JSON has no "proposeCalldata" or "input" hex string', { details: { what: 'input' } })
    const bn = r.blockNumber
    return { input: hexInput(hex), ...(typeof bn === 'number' && Number.isSafeInteger(bn) && bn >= 0 ? { blockNumber: bn } : {}) }
  }
  return { input: hexInput(t.startsWith('0x') ? t.replace(/\s+/g, '') : `0x${t.replace(/\s+/g, '')}`) }
}

function fail(e: unknown, json: boolean, code: number): number {
  const rec = toErrorRecord(e)
  if (json) process.stdout.write(`${JSON.stringify({ schemaVersion: 1, ok: false, error: rec })}\n`)
  else process.stderr.write(`vigil aztec: ${rec.code}: ${rec.message}\n${code === 2 && rec.code === 'CONFIG_INVALID' ? `\n${AZTEC_USAGE}\n` : ''}`)
  return code
}

const mark = (ok: boolean | null) => (ok === true ? 'pass' : ok === false ? 'FAIL' : ' -- ')

export function render(r: AztecReport): string {
  const cp = r.checkpoint
  const lines: string[] = []
  lines.push(`${r.network} (${r.scheme}) rollup ${r.rollup}`)
  lines.push(`call: ${r.call.wrapped ? `propose found at byte ${r.call.offset} of a wrapper (${r.call.length} bytes, ${r.call.candidates} candidate(s))` : `the input is the propose call (${r.call.length} bytes)`}`)
  lines.push('')
  lines.push('checkpoint')
  lines.push(`  slot          ${cp.slot} (epoch ${cp.epoch}, timestamp ${cp.timestamp})`)
  lines.push(`  archive       ${cp.archive}`)
  lines.push(`  last archive  ${cp.lastArchiveRoot}`)
  lines.push(`  coinbase      ${cp.coinbase}`)
  lines.push(`  blobs hash    ${cp.blobsHash}`)
  for (const [i, h] of cp.blobHashes.entries()) lines.push(`  blob ${i}        ${h}`)
  lines.push('')
  lines.push('digests')
  lines.push(`  header sha256                   ${r.digests.headerSha256}`)
  lines.push(`  header hash                     ${r.digests.headerHash}`)
  lines.push(`  payload digest (EIP-191)        ${r.digests.payloadDigest}   (keccak ${r.digests.payloadHash})`)
  lines.push(`  attestations-and-signers digest ${r.digests.attestationsAndSignersDigest}`)
  lines.push(`  attestations hash               ${r.digests.attestationsHash}`)
  lines.push('')
  lines.push(`signers (${r.signers.length})`)
  for (const s of r.signers) lines.push(`  #${String(s.committeeIndex).padStart(2)} ${s.recovered ?? '(no recovery)'} ${s.ok ? 'ok' : `FAIL ${s.code ?? ''} (listed ${s.listed})`}`)
  lines.push('')
  lines.push(`committee (${r.committee.size}) commitment ${r.committee.commitment}`)
  for (const m of r.committee.members) lines.push(`  #${String(m.index).padStart(2)} ${m.address} ${m.signed ? 'signed' : 'address only'}${m.index === r.proposer.committeeIndex ? '  ← proposer' : ''}`)
  lines.push(`quorum: ${r.quorum.got} of ${r.committee.size} signed, ${r.quorum.needed} needed: ${r.quorum.ok ? 'reached' : 'NOT reached'}`)
  lines.push(`proposer: ${r.proposer.recovered ?? '(no recovery)'} ${r.proposer.ok ? '= coinbase, in the committee' : 'FAIL'}`)
  if (r.l1) lines.push(`L1: proven at block ${r.l1.block} ${r.l1.hash} (${r.l1.anchor}: ${r.l1.basis})${r.l1.l2BlockNumber !== null ? `, checkpoint ${r.l1.l2BlockNumber}` : ''}`)
  lines.push('')
  lines.push('checks')
  for (const c of r.checks) lines.push(`  [${mark(c.ok)}] ${c.name} (${c.restsOn}): ${c.detail}${c.code && c.ok !== true ? ` [${c.code}]` : ''}`)
  lines.push('')
  lines.push(r.ok ? (r.l1 ? 'OK: every check that ran passed' : 'OK: every offline check passed (checks marked -- need L1: --l1-rpc)') : `FAILED: ${r.checks.filter((c) => c.ok === false).map((c) => `${c.name} ${c.code ?? ''}`).join(', ')}`)
  return `${lines.join('\n')}\n`
}

