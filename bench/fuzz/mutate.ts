/**
 * Input generators for the fuzz harness: byte-level mutations of real encoded messages
 * (bit flips, byte sets, truncation, extension, insertion, deletion, splices, edits of what
 * look like length fields) and pure random inputs; structural mutations of JSON answers.
 * Deterministic for a seed (xorshift128+), so a run can be repeated exactly.
 */
import { concatBytes } from '../../src/protocol/bytes'

export class Rng {
  private a: bigint
  private b: bigint

  constructor(seed: number) {
    this.a = BigInt(seed >>> 0) * 0x9e3779b97f4a7c15n + 1n
    this.b = (BigInt(seed >>> 0) ^ 0xdeadbeefn) * 0xbf58476d1ce4e5b9n + 7n
    for (let i = 0; i < 8; i++) this.next()
  }

  next(): number {
    const M = (1n << 64n) - 1n
    let s1 = this.a
    const s0 = this.b
    this.a = s0
    s1 ^= (s1 << 23n) & M
    s1 ^= s1 >> 17n
    s1 ^= s0
    s1 ^= s0 >> 26n
    this.b = s1
    return Number(((s0 + s1) & M) >> 11n) / 2 ** 53
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive)
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
}

/** Values that sit on the edges of u8/u16/u32/u64 length and count fields. */
const EDGE_BYTES = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff]

export const BYTE_MUTATIONS = ['flip', 'set', 'truncate', 'extend', 'insert', 'delete', 'splice', 'length', 'random', 'repeat'] as const
export type ByteMutation = (typeof BYTE_MUTATIONS)[number]

/** One mutation of `seed` (a copy; the seed is not touched). `others` are splice partners. */
export function mutateBytes(rng: Rng, seed: Uint8Array, others: readonly Uint8Array[], kind: ByteMutation = rng.pick(BYTE_MUTATIONS)): Uint8Array {
  const n = seed.length
  const copy = () => seed.slice()
  switch (kind) {
    case 'flip': {
      if (n === 0) return rng.bytes(1)
      const out = copy()
      const flips = 1 + rng.int(4)
      for (let i = 0; i < flips; i++) out[rng.int(n)]! ^= 1 << rng.int(8)
      return out
    }
    case 'set': {
      if (n === 0) return Uint8Array.of(rng.pick(EDGE_BYTES))
      const out = copy()
      out[rng.int(n)] = rng.next() < 0.5 ? rng.pick(EDGE_BYTES) : rng.int(256)
      return out
    }
    case 'truncate':
      return seed.slice(0, rng.int(n + 1))
    case 'extend':
      return concatBytes(seed, rng.bytes(1 + rng.int(rng.next() < 0.9 ? 64 : 4096)))
    case 'insert': {
      const at = rng.int(n + 1)
      return concatBytes(seed.subarray(0, at), rng.bytes(1 + rng.int(32)), seed.subarray(at))
    }
    case 'delete': {
      if (n === 0) return seed.slice()
      const at = rng.int(n)
      return concatBytes(seed.subarray(0, at), seed.subarray(Math.min(n, at + 1 + rng.int(32))))
    }
    case 'splice': {
      const other = others.length > 0 ? rng.pick(others) : rng.bytes(64)
      const at = rng.int(n + 1)
      const from = rng.int(other.length + 1)
      return concatBytes(seed.subarray(0, at), other.subarray(from))
    }
    case 'length': {
      // overwrite 1, 2, 4 or 8 bytes at a random position with an edge value, big-endian, the
      // way a length or count field would be edited
      if (n === 0) return Uint8Array.of(0xff)
      const out = copy()
      const width = rng.pick([1, 2, 4, 8])
      const at = rng.int(Math.max(1, n - width + 1))
      const fill = rng.pick(['zero', 'max', 'one', 'big', 'off-by-one'] as const)
      for (let i = 0; i < width && at + i < n; i++) {
        const last = i === width - 1
        out[at + i] = fill === 'zero' ? 0 : fill === 'max' ? 0xff : fill === 'one' ? (last ? 1 : 0) : fill === 'big' ? (i === 0 ? 0x7f : 0xff) : last ? (out[at + i]! + (rng.next() < 0.5 ? 1 : 255)) & 0xff : out[at + i]!
      }
      return out
    }
    case 'random':
      return rng.bytes(rng.int(rng.next() < 0.8 ? 256 : Math.max(512, 2 * n + 1)))
    case 'repeat': {
      if (n === 0) return rng.bytes(4)
      const from = rng.int(n)
      const len = 1 + rng.int(Math.min(64, n - from))
      const at = rng.int(n + 1)
      return concatBytes(seed.subarray(0, at), seed.subarray(from, from + len), seed.subarray(at))
    }
  }
}

/** Several stacked mutations (1–3), so that one edit can open the way for the next. */
export function mutateBytesDeep(rng: Rng, seed: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  let out = mutateBytes(rng, seed, others)
  const more = rng.int(3)
  for (let i = 0; i < more; i++) out = mutateBytes(rng, out, others)
  return out
}

const JSON_REPLACEMENTS: (() => unknown)[] = [
  () => null,
  () => undefined,
  () => 0,
  () => -1,
  () => 2 ** 53,
  () => 1e308,
  () => Number.NaN,
  () => '',
  () => '0x',
  () => '0x0',
  () => '0xzz',
  () => `0x${'f'.repeat(65)}`,
  () => `0x${'00'.repeat(32)}`,
  () => `0x${'ff'.repeat(20)}`,
  () => 'x'.repeat(10_000),
  () => [],
  () => [null],
  () => ({}),
  () => true,
]

/** A structural mutation of a JSON value: a random node replaced, deleted, duplicated or retyped. */
export function mutateJson(rng: Rng, seed: unknown): unknown {
  const value = structuredClone(seed)
  const edits = 1 + rng.int(3)
  let root: unknown = value
  for (let e = 0; e < edits; e++) root = editOnce(rng, root)
  return root
}

function editOnce(rng: Rng, root: unknown): unknown {
  // walk down a random path
  const path: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = []
  let node: unknown = root
  while (node !== null && typeof node === 'object' && rng.next() < 0.8) {
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
    if (keys.length === 0) break
    const key = rng.pick(keys as (string | number)[])
    path.push({ parent: node as Record<string, unknown>, key })
    node = (node as Record<string | number, unknown>)[key]
  }
  const at = path.at(-1)
  if (!at) return rng.pick(JSON_REPLACEMENTS)()
  const parent = at.parent as Record<string | number, unknown>
  const op = rng.int(5)
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(at.key as number, 1)
    else delete parent[at.key]
  } else if (op === 1 && Array.isArray(parent)) {
    parent.push(structuredClone(parent[at.key as number]))
  } else if (op === 2 && typeof parent[at.key] === 'string') {
    const s = parent[at.key] as string
    const i = rng.int(s.length + 1)
    parent[at.key] = rng.next() < 0.5 ? s.slice(0, i) : s.slice(0, i) + rng.pick(['0', 'f', 'g', 'F', ' ', '00']) + s.slice(i)
  } else {
    parent[at.key] = rng.pick(JSON_REPLACEMENTS)()
  }
  return root
}
