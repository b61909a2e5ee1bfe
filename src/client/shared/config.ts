import { VigilError } from '../../core/errors'
import type { Address, Hex } from '../../core/types'
import type { ClientConfig } from '../../core/config'
import { NETWORK_IDS, PRESET_L1, isKnownNetwork } from '../../networks/ids'

export type { ClientConfig }

const isAddress = (v: unknown): v is Address => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
/** A libp2p peer id as text: base58btc of an identity multihash (`12D3KooW…`, Ed25519) or of sha256 (`Qm…`, RSA). */
const isPeerIdText = (v: unknown): v is string => typeof v === 'string' && /^(12D3KooW|16Uiu2HA|Qm)[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(v)
const MAX_PEER_LIST = 1024

/** An L1 explorer URL template: http(s), at most 512 characters, with `{kind}` and `{id}` and no other placeholder. */
function isExplorerTemplate(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > 512 || !/^https?:\/\/[^\s/]+/.test(v) || !v.includes('{kind}') || !v.includes('{id}')) return false
  if (/[{}]/.test(v.replace(/\{kind\}|\{id\}/g, ''))) return false
  try {
    return /^https?:$/.test(new URL(v.replace(/\{kind\}/g, 'tx').replace(/\{id\}/g, '0')).protocol)
  } catch {
    return false
  }
}

export type L1ExplorerKind = 'tx' | 'block' | 'address'

/** The L1 explorer link for a tx hash, block number or address, or null when the config names no explorer. */
export function l1ExplorerUrl(template: string | undefined, kind: L1ExplorerKind, id: string | number): string | null {
  if (!template) return null
  return template.replace(/\{kind\}/g, kind).replace(/\{id\}/g, encodeURIComponent(String(id)))
}

/** Problems with a `trustedHeader` value (empty: valid). */
function trustedHeaderProblems(v: unknown): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return ['trustedHeader must be an object { height, hash }']
  const t = v as Record<string, unknown>
  const out: string[] = []
  if (!isUint(t.height) || t.height < 1) out.push('trustedHeader.height must be an integer ≥ 1')
  if (typeof t.hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(t.hash)) out.push('trustedHeader.hash must be a 32-byte 0x hex hash (66 characters)')
  const extra = Object.keys(t).filter((k) => k !== 'height' && k !== 'hash')
  if (extra.length > 0) out.push(`trustedHeader has unknown fields: ${extra.slice(0, 5).join(', ')}`)
  return out
}

/** Parses `<height>:<0xhash>` (the CLI's --trusted-hash) into a trustedHeader; CONFIG_INVALID when malformed. */
export function parseTrustedHash(text: string): { height: number; hash: Hex } {
  const m = /^(\d{1,16}):(0x[0-9a-fA-F]{64})$/.exec(text.trim())
  const t = m ? { height: Number(m[1]), hash: m[2]!.toLowerCase() } : null
  const problems = t ? trustedHeaderProblems(t) : ['expected <height>:<0xhash>, e.g. 120:0x3f…(64 hex digits)']
  if (problems.length > 0) throw new VigilError('CONFIG_INVALID', `--trusted-hash ${JSON.stringify(text.slice(0, 100))}: ${problems.join('; ')}`, { details: { problems: problems.join('; ') } })
  return t as { height: number; hash: Hex }
}

/** Validates untrusted JSON into a ClientConfig; every problem is named in one CONFIG_INVALID error. */
export function parseClientConfig(raw: unknown): ClientConfig {
  const problems: string[] = []
  const o = (raw ?? {}) as Record<string, unknown>
  if (typeof raw !== 'object' || raw === null) throw new VigilError('CONFIG_INVALID', 'config must be a JSON object')
  let l1 = (o.l1 ?? {}) as Record<string, unknown>
  let l2ChainIdRaw = o.l2ChainId
  let bootstrapRaw = o.bootstrap
  if (o.network !== undefined) {
    if (!isKnownNetwork(o.network)) problems.push(`network must be one of ${NETWORK_IDS.join(', ')}`)
    else {
      // a preset's fixed L1 facts fill what the config omits; what it gives must match
      const fixed = PRESET_L1[o.network]
      if (fixed) {
        if (l1.chainId !== undefined && l1.chainId !== fixed.chainId) problems.push(`l1.chainId must be ${fixed.chainId} for network ${o.network}`)
        if (l1.rollup !== undefined && (typeof l1.rollup !== 'string' || l1.rollup.toLowerCase() !== fixed.rollup)) problems.push(`l1.rollup must be ${fixed.rollup} for network ${o.network}`)
        l1 = { ...l1, chainId: fixed.chainId, rollup: fixed.rollup, deployBlock: l1.deployBlock ?? fixed.deployBlock }
        l2ChainIdRaw ??= fixed.l2ChainId
        bootstrapRaw ??= []
      }
    }
  }
  if (!isUint(l2ChainIdRaw)) problems.push('l2ChainId must be a non-negative integer')
  if (typeof o.l1 !== 'object' || o.l1 === null) problems.push('l1 must be an object')
  if (!isUint(l1.chainId)) problems.push('l1.chainId must be a non-negative integer')
  if (!Array.isArray(l1.rpcUrls) || l1.rpcUrls.length === 0 || !l1.rpcUrls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))
    problems.push('l1.rpcUrls must be a non-empty list of http(s) URLs')
  if (!isAddress(l1.rollup)) problems.push('l1.rollup must be a 20-byte 0x address')
  if (!isUint(l1.deployBlock)) problems.push('l1.deployBlock must be a non-negative integer')
  const nRpc = Array.isArray(l1.rpcUrls) ? l1.rpcUrls.length : 0
  if (l1.quorum !== undefined && (!isUint(l1.quorum) || l1.quorum < 1 || (nRpc > 0 && l1.quorum > nRpc))) problems.push(`l1.quorum must be an integer from 1 to the number of rpcUrls (${nRpc})`)
  if (l1.quorumDepth !== undefined && (!isUint(l1.quorumDepth) || l1.quorumDepth > 256)) problems.push('l1.quorumDepth must be an integer from 0 to 256')
  if (o.beaconLightClient !== undefined) {
    const b = (o.beaconLightClient ?? {}) as Record<string, unknown>
    if (typeof o.beaconLightClient !== 'object' || o.beaconLightClient === null) problems.push('beaconLightClient must be an object')
    if (typeof b.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(b.url)) problems.push('beaconLightClient.url must be an http(s) URL')
    if (typeof b.checkpoint !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(b.checkpoint)) problems.push('beaconLightClient.checkpoint must be a 32-byte 0x beacon block root')
    if ((b.network ?? 'mainnet') !== 'mainnet') problems.push("beaconLightClient.network must be 'mainnet'")
  }
  if (o.beaconUrl !== undefined && (typeof o.beaconUrl !== 'string' || !/^https?:\/\//.test(o.beaconUrl))) problems.push('beaconUrl must be an http(s) URL')
  if (o.beaconBlockId !== undefined && !['auto', 'slot', 'execution-block-number'].includes(o.beaconBlockId as string)) problems.push("beaconBlockId must be 'auto', 'slot' or 'execution-block-number'")
  if (o.fileStoreUrl !== undefined && (typeof o.fileStoreUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(o.fileStoreUrl))) problems.push('fileStoreUrl must be an http(s) URL')
  if (!Array.isArray(bootstrapRaw) || !bootstrapRaw.every((a) => typeof a === 'string' && a.startsWith('/'))) problems.push('bootstrap must be a list of multiaddr strings')
  const mode = o.mode ?? 'light'
  if (mode !== 'light' && mode !== 'full') problems.push("mode must be 'light' or 'full'")
  if (o.l1PollMs !== undefined && (!isUint(o.l1PollMs) || o.l1PollMs < 50)) problems.push('l1PollMs must be an integer ≥ 50')
  if (o.snapshotUrl !== undefined && (typeof o.snapshotUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(o.snapshotUrl))) problems.push('snapshotUrl must be an http(s) URL')
  if (o.l2RpcUrl !== undefined && (typeof o.l2RpcUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(o.l2RpcUrl))) problems.push('l2RpcUrl must be an http(s) URL')
  for (const key of ['allowPeers', 'denyPeers'] as const) {
    const list = o[key]
    if (list === undefined) continue
    if (!Array.isArray(list) || list.length > MAX_PEER_LIST) problems.push(`${key} must be a list of at most ${MAX_PEER_LIST} peer ids`)
    else {
      const bad = list.filter((x) => !isPeerIdText(x))
      if (bad.length > 0) problems.push(`${key} has ${bad.length} entries that are not peer ids (e.g. ${JSON.stringify(String(bad[0]).slice(0, 80))})`)
    }
  }
  if (o.trustedHeader !== undefined) problems.push(...trustedHeaderProblems(o.trustedHeader))
  if (o.l1Explorer !== undefined && !isExplorerTemplate(o.l1Explorer)) problems.push('l1Explorer must be an http(s) URL template with {kind} and {id}, e.g. https://etherscan.io/{kind}/{id}')
  if (problems.length > 0) throw new VigilError('CONFIG_INVALID', `invalid config: ${problems.join('; ')}`, { details: { problems: problems.join('; ') } })
  const cfg: ClientConfig = {
    l2ChainId: l2ChainIdRaw as number,
    l1: { chainId: l1.chainId as number, rpcUrls: l1.rpcUrls as string[], rollup: l1.rollup as Address, deployBlock: l1.deployBlock as number },
    bootstrap: bootstrapRaw as string[],
    mode: mode as 'light' | 'full',
  }
  if (typeof o.network === 'string') cfg.network = o.network
  if (l1.quorum !== undefined) cfg.l1.quorum = l1.quorum as number
  if (l1.quorumDepth !== undefined) cfg.l1.quorumDepth = l1.quorumDepth as number
  if (o.beaconLightClient !== undefined) {
    const b = o.beaconLightClient as { url: string; checkpoint: string }
    cfg.beaconLightClient = { url: b.url.replace(/\/+$/, ''), checkpoint: b.checkpoint.toLowerCase() as Hex, network: 'mainnet' }
  }
  if (typeof o.beaconUrl === 'string') cfg.beaconUrl = o.beaconUrl
  if (o.beaconBlockId !== undefined) cfg.beaconBlockId = o.beaconBlockId as NonNullable<ClientConfig['beaconBlockId']>
  if (typeof o.fileStoreUrl === 'string') cfg.fileStoreUrl = o.fileStoreUrl.replace(/\/+$/, '')
  if (typeof o.l1PollMs === 'number') cfg.l1PollMs = o.l1PollMs
  if (typeof o.snapshotUrl === 'string') cfg.snapshotUrl = o.snapshotUrl
  if (typeof o.l2RpcUrl === 'string') cfg.l2RpcUrl = o.l2RpcUrl.replace(/\/+$/, '')
  if (Array.isArray(o.allowPeers)) cfg.allowPeers = [...new Set(o.allowPeers as string[])]
  if (Array.isArray(o.denyPeers)) cfg.denyPeers = [...new Set(o.denyPeers as string[])]
  if (typeof o.l1Explorer === 'string') cfg.l1Explorer = o.l1Explorer
  if (o.trustedHeader !== undefined) {
    const t = o.trustedHeader as { height: number; hash: string }
    cfg.trustedHeader = { height: t.height, hash: t.hash.toLowerCase() as Hex }
  }
  return cfg
}
