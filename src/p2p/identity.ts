/** Stable libp2p identities: an Ed25519 key derived from a seed string (devnet nodes, tests). */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { sha256, utf8 } from '../protocol/hash'

/** Domain tag so a seed string used elsewhere never yields the same key. */
const IDENTITY_DOMAIN = 'vigil/p2p-identity/v1:'

/** The same seed gives the same key (and peer id) on every run and every machine. */
export async function privateKeyFromSeed(seed: string): Promise<PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', sha256(utf8(IDENTITY_DOMAIN + seed)))
}
