/**
 * Settings a person saves on the Settings page, persisted in localStorage and applied to the
 * chain config every time the client starts (so a reload or "Save and restart" uses them).
 * Chain-specific ones (RPC URLs, peers, source URLs) are kept per chain (L2 id + rollup):
 * a devnet restart deploys a new rollup, and stale endpoints must not follow it.
 */
import type { ClientConfig } from '../client/shared/config'
import { readStored, writeStored, type ThemeChoice } from './platform'

export const SETTINGS_KEY = 'vigil.settings.v1'

/** Optional source endpoints a config may carry; an empty value switches that source off. */
export const SOURCE_URL_FIELDS: { key: string; label: string; help: string }[] = [
  { key: 'beaconUrl', label: 'L1 beacon API (blobs)', help: 'Bodies of mined blocks, checked against the blob versioned hashes with KZG.' },
  { key: 'fileStoreUrl', label: 'File store', help: 'Bodies, blobs, header ranges and snapshots over plain HTTP.' },
  { key: 'snapshotUrl', label: 'Snapshot index', help: 'Fast start from a recent verified snapshot.' },
  { key: 'l2RpcUrl', label: 'Trusted L2 RPC (backup sync)', help: 'Blocks by number from one server; still verified like any other source.' },
]

export interface ChainSettings {
  /** Replaces config.l1.rpcUrls when non-empty: independent RPCs, each its own source, compared by the quorum. */
  l1RpcUrls?: string[]
  /** Replaces config.l1.quorum: how many of the RPCs must agree on a block hash before it anchors (k of n). A non-integer is passed on for parseClientConfig to name. */
  l1Quorum?: number | string
  /** Replaces config.bootstrap. */
  bootstrap?: string[]
  /** Source URL overrides: a URL, or null to switch the source off. */
  sources?: Record<string, string | null>
  /** `<height>:<0xhash>`: sync from this trusted header (config.trustedHeader, docs/sync.md § Trusted hash). */
  trustedHeader?: string
}

export interface Settings {
  theme?: ThemeChoice
  mode?: 'light' | 'full'
  /** Run the tab's libp2p node on the page: WebRTC to other browsers (serve what this tab holds, sync from them). */
  pageP2P?: boolean
  /** With an empty store, start from the latest snapshot verified against L1 instead of syncing from genesis. */
  fromSnapshot?: boolean
  chains?: Record<string, ChainSettings>
}

export function chainKey(c: Pick<ClientConfig, 'l2ChainId' | 'l1'>): string {
  return `${c.l2ChainId}:${c.l1.rollup.toLowerCase()}`
}

export function loadSettings(): Settings {
  const raw = readStored(SETTINGS_KEY)
  if (!raw) return {}
  try {
    const v = JSON.parse(raw) as unknown
    return typeof v === 'object' && v !== null ? (v as Settings) : {}
  } catch {
    return {}
  }
}

export function saveSettings(s: Settings): boolean {
  return writeStored(SETTINGS_KEY, JSON.stringify(s))
}

/** The config the client starts with: the fetched one with the saved settings applied. */
export function applySettings(config: ClientConfig, s: Settings = loadSettings()): ClientConfig {
  const out: ClientConfig = { ...config, l1: { ...config.l1 }, bootstrap: [...config.bootstrap] }
  if (s.mode === 'light' || s.mode === 'full') out.mode = s.mode
  const c = s.chains?.[chainKey(config)]
  if (c?.l1RpcUrls && c.l1RpcUrls.length > 0) out.l1.rpcUrls = [...c.l1RpcUrls]
  if (c?.l1Quorum !== undefined && c.l1Quorum !== '') {
    const k = typeof c.l1Quorum === 'number' ? c.l1Quorum : /^\s*\d{1,4}\s*$/.test(c.l1Quorum) ? Number(c.l1Quorum) : c.l1Quorum
    ;(out.l1 as unknown as Record<string, unknown>).quorum = k
  }
  if (c?.bootstrap) out.bootstrap = [...c.bootstrap]
  const rec = out as unknown as Record<string, unknown>
  for (const [k, v] of Object.entries(c?.sources ?? {})) {
    if (!SOURCE_URL_FIELDS.some((f) => f.key === k)) continue
    if (v === null || v === '') delete rec[k]
    else rec[k] = v
  }
  const trusted = c?.trustedHeader?.trim()
  if (trusted) {
    // "<height>:<0xhash>" → { height, hash }; anything else is passed on for parseClientConfig to name
    const m = /^(\d{1,16}):(0x[0-9a-fA-F]+)$/.exec(trusted)
    rec.trustedHeader = m ? { height: Number(m[1]), hash: m[2]!.toLowerCase() } : trusted
  }
  return out
}

/** Splits a textarea into trimmed, non-empty lines. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}
