/**
 * Merkle-Patricia trie proofs (Yellow Paper appendix D), the way an `eth_getProof` answer and
 * the receipts trie need them. A small own implementation: docs/decisions/mpt.md says why and
 * what is tested.
 *
 * `verifyProof` walks the proof from the root: each node referenced by hash must be the next
 * proof node and hash (keccak256) to that reference; a node referenced inline (its RLP < 32
 * bytes) is read from its parent. Branch (17 items), extension and leaf (2 items, hex-prefix
 * path) are followed by the key's nibbles. The walk ends in the value (inclusion), or in an
 * empty branch slot or a diverging extension/leaf path (exclusion: null). Anything else — a
 * hash that does not match, a malformed node, a proof too short or with nodes left over — is a
 * coded PROOF_INVALID, never a value.
 */
import { VigilError } from '../core/errors'
import type { Hex } from '../core/types'
import { bytesToHex, hexToBytes } from '../protocol/bytes'
import { keccak256 } from '../protocol/hash'
import { bytesToUint, rlpDecode, rlpEncode, uintToBytes, type RlpItem } from '../protocol/eth/rlp'

/** keccak256(rlp('')): the root of the empty trie. */
export const EMPTY_TRIE_ROOT: Hex = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421'
/** keccak256(''): the code hash of an account without code. */
export const EMPTY_CODE_HASH: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

export interface Account {
  nonce: bigint
  balance: bigint
  storageRoot: Hex
  codeHash: Hex
}

function invalid(message: string, details: Record<string, string | number | boolean | null> = {}, cause?: unknown): VigilError {
  return new VigilError('PROOF_INVALID', `proof: ${message}`, { details, cause })
}

function asBytes(v: Uint8Array | Hex): Uint8Array {
  return typeof v === 'string' ? hexToBytes(v) : v
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function toNibbles(key: Uint8Array): number[] {
  const out = new Array<number>(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 0x0f
  }
  return out
}

/** Hex-prefix decoding of a leaf/extension path: the nibbles and whether it is a leaf. */
export function decodeHexPrefix(path: Uint8Array): { nibbles: number[]; leaf: boolean } {
  if (path.length === 0) throw invalid('empty hex-prefix path')
  const flag = path[0]! >> 4
  if (flag > 3) throw invalid(`hex-prefix flag ${flag} is not 0–3`)
  const odd = (flag & 1) === 1
  if (!odd && (path[0]! & 0x0f) !== 0) throw invalid('hex-prefix padding nibble is not 0')
  const nibbles = toNibbles(path).slice(odd ? 1 : 2)
  return { nibbles, leaf: flag >= 2 }
}

export function encodeHexPrefix(nibbles: number[], leaf: boolean): Uint8Array {
  const odd = nibbles.length % 2 === 1
  const flag = (leaf ? 2 : 0) + (odd ? 1 : 0)
  const all = odd ? [flag, ...nibbles] : [flag, 0, ...nibbles]
  const out = new Uint8Array(all.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = (all[2 * i]! << 4) | all[2 * i + 1]!
  return out
}

function decodeNode(bytes: Uint8Array, index: number): RlpItem {
  try {
    return rlpDecode(bytes, `proof node ${index}`)
  } catch (e) {
    throw invalid(`node ${index} is not RLP: ${(e as Error).message}`, { node: index }, e)
  }
}

/**
 * The value stored under `key` in the trie with root `root`, or null when the proof shows
 * there is none. `key` is the trie path itself (for the state and storage tries: the keccak of
 * the address or slot). Throws PROOF_INVALID when the proof does not prove either.
 */
export function verifyProof(root: Uint8Array | Hex, key: Uint8Array, proof: readonly (Uint8Array | Hex)[]): Uint8Array | null {
  const rootBytes = asBytes(root)
  if (rootBytes.length !== 32) throw invalid(`root must be 32 bytes, got ${rootBytes.length}`)
  const nodes = proof.map(asBytes)
  if (nodes.length === 0) {
    if (bytesToHex(rootBytes) === EMPTY_TRIE_ROOT) return null
    throw invalid('empty proof for a non-empty trie')
  }
  const nibbles = toNibbles(key)
  let pos = 0
  let used = 0
  let ref: RlpItem = rootBytes
  const done = (value: Uint8Array | null): Uint8Array | null => {
    if (used !== nodes.length) throw invalid(`${nodes.length - used} proof node(s) left over after the path ended at node ${used - 1}`, { used, nodes: nodes.length })
    return value
  }
  for (;;) {
    let node: RlpItem
    const at = used - 1
    if (ref instanceof Uint8Array) {
      if (ref.length === 0) return done(null)
      if (ref.length !== 32) throw invalid(`node ${at} references a child of ${ref.length} bytes (neither a hash nor inline)`, { node: at })
      if (used >= nodes.length) throw invalid(`the proof ends before the path does (${nodes.length} nodes)`, { nodes: nodes.length })
      const enc = nodes[used]!
      if (!equal(keccak256(enc), ref)) throw invalid(`node ${used} does not hash to its reference ${bytesToHex(ref)}`, { node: used, expected: bytesToHex(ref) })
      if (used > 0 && enc.length < 32) throw invalid(`node ${used} is referenced by hash but is under 32 bytes (must be inline)`, { node: used })
      node = decodeNode(enc, used)
      used++
      if (node instanceof Uint8Array) {
        // only the empty trie's root is a bare string (rlp(''))
        if (used === 1 && node.length === 0) return done(null)
        throw invalid(`node ${used - 1} is a string, not a node`, { node: used - 1 })
      }
    } else {
      if (rlpEncode(ref).length >= 32) throw invalid(`node ${at} holds an inline child of 32 bytes or more`, { node: at })
      node = ref
    }
    const where = used - 1
    if (node.length === 17) {
      if (pos === nibbles.length) {
        const v = node[16]!
        if (!(v instanceof Uint8Array)) throw invalid(`branch node ${where} has a list as its value`, { node: where })
        return done(v.length === 0 ? null : v)
      }
      ref = node[nibbles[pos]!]!
      pos++
      continue
    }
    if (node.length !== 2) throw invalid(`node ${where} has ${node.length} items (a node has 2 or 17)`, { node: where })
    const [path, next] = node as [RlpItem, RlpItem]
    if (!(path instanceof Uint8Array)) throw invalid(`node ${where} has a list as its path`, { node: where })
    const hp = decodeHexPrefix(path)
    const rest = nibbles.length - pos
    const matches = hp.nibbles.length <= rest && hp.nibbles.every((n, i) => nibbles[pos + i] === n)
    if (hp.leaf) {
      if (!(next instanceof Uint8Array) || next.length === 0) throw invalid(`leaf node ${where} has no value`, { node: where })
      return done(matches && hp.nibbles.length === rest ? next : null)
    }
    if (hp.nibbles.length === 0) throw invalid(`extension node ${where} has an empty path`, { node: where })
    if (next instanceof Uint8Array && next.length !== 32) throw invalid(`extension node ${where} points at neither a hash nor an inline node`, { node: where })
    if (!matches) return done(null)
    pos += hp.nibbles.length
    ref = next
  }
}

function field(items: RlpItem[], i: number, what: string): Uint8Array {
  const v = items[i]
  if (!(v instanceof Uint8Array)) throw invalid(`${what} is not a string`)
  return v
}

/** The account at `address` in the state trie with root `stateRoot`, or null when the proof shows none. */
export function verifyAccountProof(stateRoot: Uint8Array | Hex, address: Uint8Array | Hex, accountProof: readonly (Uint8Array | Hex)[]): Account | null {
  const addr = asBytes(address)
  if (addr.length !== 20) throw invalid(`address must be 20 bytes, got ${addr.length}`)
  const value = verifyProof(stateRoot, keccak256(addr), accountProof)
  if (value === null) return null
  let items: RlpItem
  try {
    items = rlpDecode(value, 'account')
  } catch (e) {
    throw invalid(`the account value is not RLP: ${(e as Error).message}`, {}, e)
  }
  if (!Array.isArray(items) || items.length !== 4) throw invalid('the account value is not a 4-item list')
  const storageRoot = field(items, 2, 'storageRoot')
  const codeHash = field(items, 3, 'codeHash')
  if (storageRoot.length !== 32 || codeHash.length !== 32) throw invalid('the account storageRoot / codeHash is not 32 bytes')
  try {
    return { nonce: bytesToUint(field(items, 0, 'nonce'), 'nonce'), balance: bytesToUint(field(items, 1, 'balance'), 'balance'), storageRoot: bytesToHex(storageRoot), codeHash: bytesToHex(codeHash) }
  } catch (e) {
    throw invalid(`the account value is not canonical: ${(e as Error).message}`, {}, e)
  }
}

/** A storage slot (32 bytes, or an integer) as the 32-byte word whose keccak is its trie key. */
export function slotWord(slot: Uint8Array | Hex | bigint): Uint8Array {
  if (typeof slot === 'bigint') {
    const b = uintToBytes(slot)
    if (b.length > 32) throw invalid('slot exceeds 256 bits')
    const out = new Uint8Array(32)
    out.set(b, 32 - b.length)
    return out
  }
  const b = asBytes(slot)
  if (b.length > 32) throw invalid(`slot must be at most 32 bytes, got ${b.length}`)
  const out = new Uint8Array(32)
  out.set(b, 32 - b.length)
  return out
}

/** The value of `slot` in the storage trie with root `storageRoot` (absent = 0n). */
export function verifyStorageProof(storageRoot: Uint8Array | Hex, slot: Uint8Array | Hex | bigint, proof: readonly (Uint8Array | Hex)[]): bigint {
  const value = verifyProof(storageRoot, keccak256(slotWord(slot)), proof)
  if (value === null) return 0n
  let item: RlpItem
  try {
    item = rlpDecode(value, 'storage value')
  } catch (e) {
    throw invalid(`the storage value is not RLP: ${(e as Error).message}`, {}, e)
  }
  if (!(item instanceof Uint8Array) || item.length === 0 || item.length > 32) throw invalid('the storage value is not a non-zero integer of at most 32 bytes')
  try {
    return bytesToUint(item, 'storage value')
  } catch (e) {
    throw invalid(`the storage value is not canonical: ${(e as Error).message}`, {}, e)
  }
}

// ---- building a trie (ordered tries: receipts, transactions, withdrawals; and test tries) ----

interface Entry {
  key: number[]
  value: Uint8Array
}

/** A trie built in memory from its entries: its root and a proof for any key. */
export interface BuiltTrie {
  root: Uint8Array
  prove(key: Uint8Array): Uint8Array[]
}

function commonPrefix(entries: Entry[], depth: number): number {
  const first = entries[0]!.key
  let n = 0
  for (;;) {
    const i = depth + n
    if (i >= first.length) return n
    const nib = first[i]
    for (const e of entries) if (i >= e.key.length || e.key[i] !== nib) return n
    n++
  }
}

/** Builds the trie holding `entries` (distinct keys). */
export function buildTrie(entries: readonly [Uint8Array, Uint8Array][]): BuiltTrie {
  const byHash = new Map<string, Uint8Array>()
  const ref = (node: RlpItem[]): RlpItem => {
    const enc = rlpEncode(node)
    if (enc.length < 32) return node
    const h = keccak256(enc)
    byHash.set(bytesToHex(h), enc)
    return h
  }
  const build = (es: Entry[], depth: number): RlpItem[] => {
    if (es.length === 1) return [encodeHexPrefix(es[0]!.key.slice(depth), true), es[0]!.value]
    const cp = commonPrefix(es, depth)
    if (cp > 0) return [encodeHexPrefix(es[0]!.key.slice(depth, depth + cp), false), ref(build(es, depth + cp))]
    const branch: RlpItem[] = Array.from({ length: 17 }, () => new Uint8Array(0))
    const groups: Entry[][] = Array.from({ length: 16 }, () => [])
    for (const e of es) {
      if (e.key.length === depth) branch[16] = e.value
      else groups[e.key[depth]!]!.push(e)
    }
    groups.forEach((g, i) => {
      if (g.length > 0) branch[i] = ref(build(g, depth + 1))
    })
    return branch
  }
  const es = entries.map(([k, v]) => {
    if (v.length === 0) throw new VigilError('INTERNAL', 'trie: an empty value cannot be stored')
    return { key: toNibbles(k), value: v }
  })
  if (new Set(entries.map(([k]) => bytesToHex(k))).size !== entries.length) throw new VigilError('INTERNAL', 'trie: duplicate keys')
  const rootEnc = es.length === 0 ? rlpEncode(new Uint8Array(0)) : rlpEncode(build(es, 0))
  const root = keccak256(rootEnc)
  byHash.set(bytesToHex(root), rootEnc)
  const prove = (key: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = []
    const nibbles = toNibbles(key)
    let pos = 0
    let r: RlpItem = root
    for (;;) {
      let node: RlpItem
      if (r instanceof Uint8Array) {
        if (r.length === 0) return out
        const enc = byHash.get(bytesToHex(r))!
        out.push(enc)
        node = rlpDecode(enc)
        if (node instanceof Uint8Array) return out
      } else node = r
      if (node.length === 17) {
        if (pos === nibbles.length) return out
        r = node[nibbles[pos++]!]!
        continue
      }
      const hp = decodeHexPrefix(node[0] as Uint8Array)
      if (hp.leaf || !hp.nibbles.every((n, i) => nibbles[pos + i] === n)) return out
      pos += hp.nibbles.length
      r = node[1]!
    }
  }
  return { root, prove }
}

/** The root of an ordered trie (receipts, transactions, withdrawals): value i under key rlp(i). */
export function orderedTrieRoot(values: readonly Uint8Array[]): Hex {
  return bytesToHex(buildTrie(values.map((v, i) => [rlpEncode(uintToBytes(i)), v])).root)
}
