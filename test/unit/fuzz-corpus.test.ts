/**
 * The fuzz harness's contract (bench/fuzz/index.ts) in `npm test`: every input the harness
 * ever found crashing or slow (test/fixtures/fuzz-corpus/<target>/) replays to a coded error
 * or a clean decode, and a short deterministic round of mutations per target holds too, so a
 * decoder that starts throwing TypeErrors on malformed input fails here before any fuzz run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import { hexToBytes } from '../../src/protocol/bytes'
import { Rng, mutateBytesDeep, mutateJson, BYTE_MUTATIONS, mutateBytes } from '../../bench/fuzz/mutate'
import { ContractBroken, buildTargets, respond, type Target } from '../../bench/fuzz/targets'
import { Result, encodeResponse } from '../../src/p2p/protocols/common'
import { decodeHeadersResponse } from '../../src/p2p/protocols/headers-by-range'

const CORPUS = resolve(import.meta.dirname, '../fixtures/fuzz-corpus')
const targets = buildTargets()

/** Runs one input; returns the code of the coded error, 'ok', or throws what broke the contract. */
async function outcome(t: Target, input: unknown): Promise<string> {
  try {
    await (t.run as (i: unknown) => unknown)(input)
    return 'ok'
  } catch (e) {
    if (e instanceof VigilError) return e.code
    throw e
  }
}

describe('fuzz targets', () => {
  it('cover every decoder family and all three req/resp protocols on both sides', () => {
    const names = targets.map((t) => t.name)
    for (const n of ['protocol/header', 'protocol/proposal', 'protocol/checkpoint', 'protocol/snapshot', 'protocol/blob', 'protocol/eth-get-proof', 'protocol/beacon-update'])
      expect(names).toContain(n)
    for (const p of ['status', 'headers', 'bodies']) for (const side of ['request', 'response', 'handler']) expect(names).toContain(`reqresp/${p}-${side}`)
  })

  it('decode their own seeds without error (the seeds are real messages)', async () => {
    for (const t of targets) for (const s of t.seeds) expect(await outcome(t, s), t.name).toBe('ok')
  })

  it('every mutation kind changes a seed', () => {
    const rng = new Rng(3)
    const seed = targets.find((t) => t.name === 'protocol/proposal')!.seeds[0] as Uint8Array
    for (const kind of BYTE_MUTATIONS) {
      const changed = Array.from({ length: 20 }, () => mutateBytes(rng, seed, [], kind)).some((m) => m.length !== seed.length || m.some((b, i) => b !== seed[i]))
      expect(changed, kind).toBe(true)
    }
  })

  it('hold their contract on a deterministic round of 120 mutated inputs each', async () => {
    const rng = new Rng(20261204)
    const codes = new Map<string, Set<string>>()
    for (const t of targets) {
      const seen = new Set<string>()
      for (let i = 0; i < 120; i++) {
        const input = t.kind === 'json' ? mutateJson(rng, rng.pick(t.seeds)) : mutateBytesDeep(rng, rng.pick(t.seeds), t.seeds)
        seen.add(await outcome(t, input))
      }
      codes.set(t.name, seen)
    }
    // the mutations reach the decoders' checks: each decoder rejected something with a code
    for (const [name, seen] of codes) if (!name.endsWith('-handler')) expect([...seen].filter((c) => c !== 'ok').length, name).toBeGreaterThan(0)
  })

  it('the contract checker catches a responder that throws, overflows its cap or answers garbage', async () => {
    const ok = encodeResponse(Result.OK, Uint8Array.of(0))
    await expect(respond(async () => ok, new Uint8Array(1), 16, decodeHeadersResponse)).resolves.toBeUndefined()
    await expect(respond(async () => encodeResponse(Result.RATE_LIMITED), new Uint8Array(1), 16, decodeHeadersResponse)).resolves.toBeUndefined()
    await expect(respond(async () => Promise.reject(new TypeError('boom')), new Uint8Array(1), 16, decodeHeadersResponse)).rejects.toThrow(ContractBroken)
    await expect(respond(async () => new Uint8Array(17), new Uint8Array(1), 16, decodeHeadersResponse)).rejects.toThrow(ContractBroken)
    await expect(respond(async () => Uint8Array.of(1, 0, 9), new Uint8Array(1), 16, decodeHeadersResponse)).rejects.toThrow(ContractBroken)
    // and outcome() lets only coded errors through
    await expect(outcome({ ...targets[0]!, run: () => JSON.parse('{') } as Target, new Uint8Array(0))).rejects.toThrow(SyntaxError)
  })
})

describe('fuzz corpus (inputs the harness found)', () => {
  const dirs = existsSync(CORPUS) ? readdirSync(CORPUS) : []
  const files = dirs.flatMap((d) => readdirSync(resolve(CORPUS, d)).map((f) => ({ target: d.replace('__', '/'), file: resolve(CORPUS, d, f) })))
  it.each(files.length > 0 ? files : [{ target: '(none)', file: '' }])('$target $file replays to a coded error or a clean decode', async ({ target, file }) => {
    if (!file) return
    const t = targets.find((x) => x.name === target)
    expect(t, `corpus folder for unknown target ${target}`).toBeDefined()
    const text = readFileSync(file, 'utf8').trim()
    const input = t!.kind === 'bytes' ? hexToBytes(text as `0x${string}`) : JSON.parse(text)
    expect(typeof (await outcome(t!, input))).toBe('string')
  })
})
