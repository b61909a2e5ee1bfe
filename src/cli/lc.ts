/**
 * `vigil lc verify`: check Beacon API light-client JSON offline, from a trusted checkpoint root
 * (src/verify/lightclient). Prints the verified beacon and execution headers and, for each
 * update, its period and participation. Exits 0 only if every object verified, 1 otherwise.
 */
import { readFile } from 'node:fs/promises'
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import { bytesToHex, hexToBytes } from '../protocol/bytes'
import { decodeBootstrap, decodeUpdate, decodeUpdates, type LightClientHeader, type LightClientUpdate } from '../protocol/eth/beacon'
import { beaconBlockHeaderRoot } from '../protocol/eth/ssz'
import { NETWORKS, periodAtSlot, processFinalityUpdate, processOptimisticUpdate, processUpdate, verifyBootstrap, type LightClientStore, type NetworkConfig, type UpdateOutcome } from '../verify/lightclient'
import { flagBool, flagInt, flagStr, type ParsedArgs } from '../node/args'
import { jsonLine } from './output'

interface HeaderView {
  slot: number
  period: number
  root: string
  stateRoot: string
  execution: { blockNumber: string; blockHash: string; stateRoot: string; receiptsRoot: string; timestamp: string } | null
}

interface ObjectReport {
  kind: 'bootstrap' | 'update' | 'finality' | 'optimistic'
  index?: number
  ok: boolean
  error?: ErrorRecord
  signaturePeriod?: number
  participants?: number
  applied?: boolean
  fork?: string
  attested?: HeaderView
  finalized?: HeaderView
}

function view(h: LightClientHeader): HeaderView {
  const e = h.execution
  return {
    slot: h.beacon.slot,
    period: periodAtSlot(h.beacon.slot),
    root: bytesToHex(beaconBlockHeaderRoot(h.beacon)),
    stateRoot: bytesToHex(h.beacon.stateRoot),
    execution: e ? { blockNumber: e.blockNumber.toString(), blockHash: bytesToHex(e.blockHash), stateRoot: bytesToHex(e.stateRoot), receiptsRoot: bytesToHex(e.receiptsRoot), timestamp: e.timestamp.toString() } : null,
  }
}

async function readJson(path: string, flag: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `--${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new VigilError('DECODE_INVALID_FIELD', `--${flag}: ${path} is not JSON: ${(e as Error).message}`)
  }
}

function outcomeReport(kind: ObjectReport['kind'], r: UpdateOutcome, u: LightClientUpdate, index?: number): ObjectReport {
  const rep: ObjectReport = { kind, ok: true, signaturePeriod: r.signaturePeriod, participants: r.participants, applied: r.applied, fork: r.fork, attested: view(u.attestedHeader) }
  if (index !== undefined) rep.index = index
  if (u.finalizedHeader) rep.finalized = view(u.finalizedHeader)
  return rep
}

export async function lcCommand(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0]
  if (sub !== 'verify') throw new VigilError('CONFIG_INVALID', `unknown lc subcommand "${sub ?? ''}" (expected: lc verify)`)
  if (args.positionals.length > 1) throw new VigilError('CONFIG_INVALID', `lc verify takes no further arguments, got ${args.positionals.slice(1).join(' ')}`)
  const json = flagBool(args, 'json')
  const networkName = flagStr(args, 'network') ?? 'mainnet'
  const cfg: NetworkConfig | undefined = NETWORKS[networkName]
  if (!cfg) throw new VigilError('CONFIG_INVALID', `--network must be one of ${Object.keys(NETWORKS).join(', ')}`)
  const checkpoint = flagStr(args, 'checkpoint')
  if (!checkpoint || !/^0x[0-9a-fA-F]{64}$/.test(checkpoint)) throw new VigilError('CONFIG_INVALID', '--checkpoint must be a 0x-prefixed 32-byte beacon block root')
  const bootstrapPath = flagStr(args, 'bootstrap')
  if (!bootstrapPath) throw new VigilError('CONFIG_INVALID', '--bootstrap is required')
  const nowSlot = flagInt(args, 'current-slot')
  const opts = nowSlot === undefined ? {} : { currentSlot: nowSlot }

  const objects: ObjectReport[] = []
  let store: LightClientStore | null = null
  const t0 = performance.now()
  const attempt = (kind: ObjectReport['kind'], index: number | undefined, fn: () => ObjectReport): void => {
    try {
      objects.push(fn())
    } catch (e) {
      const rep: ObjectReport = { kind, ok: false, error: toErrorRecord(e) }
      if (index !== undefined) rep.index = index
      objects.push(rep)
    }
  }

  const bootstrapJson = await readJson(bootstrapPath, 'bootstrap')
  attempt('bootstrap', undefined, () => {
    const b = decodeBootstrap(bootstrapJson)
    store = verifyBootstrap(cfg, hexToBytes(checkpoint), b)
    return { kind: 'bootstrap', ok: true, attested: view(b.header) }
  })
  const step = (kind: ObjectReport['kind'], index: number | undefined, u: () => LightClientUpdate, run: typeof processUpdate): void => {
    if (!store) {
      const rep: ObjectReport = { kind, ok: false, error: { code: 'LC_BOOTSTRAP_MISMATCH', severity: 'hard', message: 'not checked: no verified store (the bootstrap or an earlier update failed)' } }
      if (index !== undefined) rep.index = index
      objects.push(rep)
      return
    }
    attempt(kind, index, () => {
      const upd = u()
      const r = run(cfg, store!, upd, opts)
      store = r.store
      return outcomeReport(kind, r, upd, index)
    })
  }
  const updatesPath = flagStr(args, 'updates')
  if (updatesPath) {
    const raw = await readJson(updatesPath, 'updates')
    let list: LightClientUpdate[] | null = null
    try {
      list = decodeUpdates(raw)
    } catch (e) {
      objects.push({ kind: 'update', ok: false, error: toErrorRecord(e) })
    }
    // a failed update leaves the store as it was: later ones are checked against it (and fail if they need it)
    for (const [i, u] of (list ?? []).entries()) step('update', i, () => u, processUpdate)
  }
  const finalityPath = flagStr(args, 'finality')
  if (finalityPath) {
    const raw = await readJson(finalityPath, 'finality')
    step('finality', undefined, () => decodeUpdate(raw, 'finality'), processFinalityUpdate)
  }
  const optimisticPath = flagStr(args, 'optimistic')
  if (optimisticPath) {
    const raw = await readJson(optimisticPath, 'optimistic')
    step('optimistic', undefined, () => decodeUpdate(raw, 'optimistic'), processOptimisticUpdate)
  }

  const ok = objects.every((o) => o.ok)
  const final = store as LightClientStore | null
  const report = {
    ok,
    network: cfg.name,
    checkpoint,
    elapsedMs: Math.round(performance.now() - t0),
    objects,
    finalized: final ? view(final.finalizedHeader) : null,
    optimistic: final ? view(final.optimisticHeader) : null,
    period: final ? periodAtSlot(final.finalizedHeader.beacon.slot) : null,
  }
  if (json) process.stdout.write(jsonLine(report))
  else printHuman(report)
  return ok ? 0 : 1
}

function printHuman(r: { ok: boolean; objects: ObjectReport[]; finalized: HeaderView | null; optimistic: HeaderView | null; period: number | null; elapsedMs: number }): void {
  const hv = (h: HeaderView) => `slot ${h.slot} (period ${h.period}) root ${h.root}${h.execution ? `, execution block ${h.execution.blockNumber} ${h.execution.blockHash}` : ''}`
  const lines: string[] = []
  for (const o of r.objects) {
    const name = o.index === undefined ? o.kind : `${o.kind} ${o.index}`
    if (!o.ok) lines.push(`✗ ${name}: ${o.error!.code}: ${o.error!.message}`)
    else if (o.kind === 'bootstrap') lines.push(`✓ bootstrap: ${hv(o.attested!)}`)
    else lines.push(`✓ ${name}: period ${o.signaturePeriod}, ${o.participants} of 512 signed (${o.fork}), attested ${hv(o.attested!)}${o.finalized ? `; finalized ${hv(o.finalized)}` : ''}${o.applied ? '' : ' (not applied: below 2/3 or nothing new)'}`)
  }
  if (r.finalized) lines.push(`finalized: ${hv(r.finalized)}`)
  if (r.optimistic) lines.push(`optimistic: ${hv(r.optimistic)}`)
  lines.push(r.ok ? `all ${r.objects.length} objects verified in ${r.elapsedMs} ms` : `NOT verified: ${r.objects.filter((o) => !o.ok).length} of ${r.objects.length} objects failed`)
  process.stdout.write(lines.join('\n') + '\n')
}
