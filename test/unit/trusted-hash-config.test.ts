/**
 * The trusted-hash start's configuration: `trustedHeader` in the client config
 * (parseClientConfig) and `vigil sync --trusted-hash <height>:<0xhash>` (bad values exit 2 with
 * a coded CONFIG_INVALID message, before anything is started).
 */
import { describe, it, expect, vi, afterEach } from 'vitest'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseClientConfig, parseTrustedHash } from '../../src/client/shared/config'
import { main } from '../../src/cli/main'
import { VigilError } from '../../src/core/errors'

const HASH = `0x${'ab'.repeat(32)}`
const base = {
  l2ChainId: 1,
  l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:1'], rollup: `0x${'11'.repeat(20)}`, deployBlock: 0 },
  bootstrap: [],
  mode: 'light',
}

function configError(raw: unknown): VigilError {
  try {
    parseClientConfig(raw)
  } catch (e) {
    return e as VigilError
  }
  throw new Error('expected CONFIG_INVALID')
}

describe('trustedHeader in the client config', () => {
  it('accepts { height ≥ 1, 32-byte hash } and lower-cases the hash', () => {
    expect(parseClientConfig({ ...base, trustedHeader: { height: 120, hash: HASH.toUpperCase().replace('0X', '0x') } }).trustedHeader).toEqual({ height: 120, hash: HASH })
    expect(parseClientConfig(base).trustedHeader).toBeUndefined()
  })

  it.each([
    [{ height: 0, hash: HASH }, 'trustedHeader.height must be an integer ≥ 1'],
    [{ height: 1.5, hash: HASH }, 'trustedHeader.height must be an integer ≥ 1'],
    [{ height: '7', hash: HASH }, 'trustedHeader.height must be an integer ≥ 1'],
    [{ height: 7, hash: '0x1234' }, 'trustedHeader.hash must be a 32-byte 0x hex hash'],
    [{ height: 7 }, 'trustedHeader.hash must be a 32-byte 0x hex hash'],
    [{ height: 7, hash: HASH, peer: 'x' }, 'trustedHeader has unknown fields: peer'],
    ['7:0xab', 'trustedHeader must be an object { height, hash }'],
    [null, 'trustedHeader must be an object { height, hash }'],
  ])('refuses %j with a clear CONFIG_INVALID', (trustedHeader, problem) => {
    const e = configError({ ...base, trustedHeader })
    expect(e.code).toBe('CONFIG_INVALID')
    expect(e.message).toContain(problem)
  })
})

describe('--trusted-hash <height>:<0xhash>', () => {
  it('parses a good value', () => {
    expect(parseTrustedHash(`42:${HASH}`)).toEqual({ height: 42, hash: HASH })
  })

  it.each(['', '42', HASH, `:${HASH}`, `0:${HASH}`, `-1:${HASH}`, `42:${HASH.slice(0, -2)}`, `42:${HASH}ff`, `42:${HASH.replace('0x', '')}`, `99999999999999999:${HASH}`, `4x:${HASH}`])('refuses %j', (v) => {
    expect(() => parseTrustedHash(v)).toThrow(VigilError)
    try {
      parseTrustedHash(v)
    } catch (e) {
      expect((e as VigilError).code).toBe('CONFIG_INVALID')
      expect((e as VigilError).message).toMatch(/^--trusted-hash /)
    }
  })

  describe('vigil sync', () => {
    let dir: string | null = null
    afterEach(async () => {
      vi.restoreAllMocks()
      if (dir) await rm(dir, { recursive: true, force: true })
      dir = null
    })
    /** Runs the CLI in-process; returns the exit code and what it wrote. */
    async function run(argv: string[]) {
      let stderr = ''
      let stdout = ''
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true))
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true))
      const code = await main(argv)
      vi.restoreAllMocks()
      return { code, stderr, stdout }
    }
    const configFile = async (extra: Record<string, unknown> = {}) => {
      dir = await mkdtemp(join(tmpdir(), 'vigil-trusted-'))
      const path = join(dir, 'config.json')
      await writeFile(path, JSON.stringify({ ...base, ...extra }))
      return path
    }

    it('a bad --trusted-hash exits 2 with a coded message (before anything starts)', async () => {
      const config = await configFile()
      const r = await run(['sync', '--config', config, '--until-height', '5', '--trusted-hash', '12:0xnothex'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^vigil: CONFIG_INVALID: --trusted-hash "12:0xnothex": expected <height>:<0xhash>/)
      const j = await run(['sync', '--config', config, '--until-height', '5', '--trusted-hash', `0:${HASH}`, '--json'])
      expect(j.code).toBe(2)
      expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringContaining('trustedHeader.height must be an integer ≥ 1') } })
    })

    it('--trusted-hash without a value, and a bad trustedHeader in the config file, exit 2 too', async () => {
      expect((await run(['sync', '--config', 'x.json', '--until-height', '5', '--trusted-hash'])).code).toBe(2)
      const config = await configFile({ trustedHeader: { height: 3, hash: '0x12' } })
      const r = await run(['sync', '--config', config, '--until-height', '5'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/CONFIG_INVALID: invalid config: trustedHeader\.hash must be a 32-byte 0x hex hash/)
    })

    it('is listed in the usage', async () => {
      for (const argv of [['help', 'sync'], ['sync', '--help']]) {
        const r = await run(argv)
        expect(r.code).toBe(0)
        expect(r.stdout).toContain('--trusted-hash HEIGHT:0xHASH')
      }
    })
  })
})
