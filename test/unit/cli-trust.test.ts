/** The CLI's L1 trust flags (src/cli/trust.ts): they replace the L1 RPCs, set k, add the light client; bad combinations are CONFIG_INVALID. */
import { describe, expect, it } from 'vitest'
import { applyTrustFlags, TRUST_FLAGS } from '../../src/cli/trust'
import { parseArgs } from '../../src/node/args'
import type { ClientConfig } from '../../src/core/config'

const base: ClientConfig = { l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'], quorum: 2, rollup: `0x${'11'.repeat(20)}`, deployBlock: 0 }, bootstrap: [], mode: 'light' }
const apply = (argv: string[]) => applyTrustFlags(parseArgs(['sync', ...argv], TRUST_FLAGS, { env: {} }), base)
const ROOT = `0x${'5a'.repeat(32)}`

describe('vigil trust flags', () => {
  it('no flag: the config as it is', () => {
    expect(apply([])).toBe(base)
  })
  it('--l1-rpc replaces the list (and its k); --l1-quorum sets k', () => {
    expect(apply(['--l1-rpc', 'http://a:1', '--l1-rpc', 'http://b:2']).l1).toMatchObject({ rpcUrls: ['http://a:1', 'http://b:2'] })
    expect(apply(['--l1-rpc', 'http://a:1', '--l1-rpc', 'http://b:2']).l1.quorum).toBeUndefined()
    expect(apply(['--l1-quorum', '3']).l1).toMatchObject({ rpcUrls: base.l1.rpcUrls, quorum: 3 })
  })
  it('--beacon-light-client with --checkpoint adds the consensus light client', () => {
    expect(apply(['--beacon-light-client', 'http://beacon:5052/', '--checkpoint', ROOT]).beaconLightClient).toEqual({ url: 'http://beacon:5052', checkpoint: ROOT, network: 'mainnet' })
  })
  it('VIGIL_L1_RPC stands for --l1-rpc (comma-separated); the flag wins; a bad URL from it says where it came from', () => {
    const fromEnv = (argv: string[], VIGIL_L1_RPC: string) => applyTrustFlags(parseArgs(['sync', ...argv], TRUST_FLAGS, { env: { VIGIL_L1_RPC } }), base)
    expect(fromEnv([], 'http://a:1,http://b:2').l1.rpcUrls).toEqual(['http://a:1', 'http://b:2'])
    expect(fromEnv(['--l1-rpc', 'http://c:3'], 'http://a:1,http://b:2').l1.rpcUrls).toEqual(['http://c:3'])
    expect(() => fromEnv([], 'ftp://x')).toThrow(/rpcUrls.*\(the L1 RPCs came from VIGIL_L1_RPC\)/)
  })
  it('refuses what cannot work, with CONFIG_INVALID', () => {
    expect(() => apply(['--l1-quorum', '4'])).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
    expect(() => apply(['--beacon-light-client', 'http://beacon:5052'])).toThrow(/go together/)
    expect(() => apply(['--beacon-light-client', 'http://beacon:5052', '--checkpoint', '0x12'])).toThrow(/checkpoint/)
    expect(() => apply(['--l1-rpc', 'ftp://x'])).toThrow(/rpcUrls/)
  })
})
