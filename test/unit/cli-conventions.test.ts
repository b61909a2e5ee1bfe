/**
 * The conventions every `vigil` command follows (docs/cli.md, issue 11 item 3), checked on the
 * real binary (`node bin/vigil.js`, through tsx as it runs today) and, where a process adds
 * nothing, on `main()` in-process: --help/-h exit 0 everywhere, --version is package.json's,
 * usage errors exit 2 (JSON under --json), an option of another command is rejected, the
 * environment fallbacks, schemaVersion in JSON, and an L1 that never answers is
 * SOURCE_UNAVAILABLE naming its URL with each source's last error.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { COMMANDS, packageInfo } from '../../src/cli/main'
import { runMain } from '../helpers/cli'
import { parseArgs } from '../../src/node/args'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
  ms: number
}

function vigil(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/vigil.js', ...args], { cwd: repoRoot, env: { ...process.env, VIGIL_CONFIG: '', VIGIL_L1_RPC: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0
      resolve({ code, stdout, stderr, ms: performance.now() - t0 })
    })
  })
}

const run = runMain

/** A 127.0.0.1 port that was just listening and is closed now: connecting is refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

let dir = ''
let configPath = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-cli-'))
  configPath = join(dir, 'config.json')
  await writeFile(configPath, JSON.stringify({ l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:8545'], rollup: `0x${'11'.repeat(20)}`, deployBlock: 0 }, bootstrap: [], mode: 'light' }))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => vi.unstubAllEnvs())

describe('vigil as a process', () => {
  it('--help, -h and sync --help exit 0 with the usage; bare vigil prints it and exits 2', async () => {
    const [help, h, syncHelp, bare] = await Promise.all([vigil(['--help']), vigil(['-h']), vigil(['sync', '--help']), vigil([])])
    for (const r of [help, h]) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^usage: vigil <command> \[options\]/m)
      for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name} `)
      expect(r.stdout).toContain('VIGIL_CONFIG')
      expect(r.stdout).toContain('VIGIL_L1_RPC')
    }
    expect(syncHelp.code, syncHelp.stderr).toBe(0)
    expect(syncHelp.stdout).toMatch(/^usage: vigil sync --config FILE --until-height N/)
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/usage: vigil <command>/)
  }, 90_000)

  it('--version prints package.json\'s version', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
    const r = await vigil(['--version'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(pkg.version)
  }, 60_000)

  it('sync --bogus --json: a JSON usage error on stdout, exit 2; an option of another command is named as such', async () => {
    const [bogus, other] = await Promise.all([vigil(['sync', '--bogus', '--json']), vigil(['sync', '--block', 'b.json', '--json'])])
    expect(bogus.code).toBe(2)
    expect(JSON.parse(bogus.stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringContaining('--bogus') } })
    expect(other.code).toBe(2)
    expect(JSON.parse(other.stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringMatching(/--block is not an option of "vigil sync".*vigil proof/) } })
  }, 60_000)

  it('vigil help answers quickly: nothing heavy loads before the arguments are read (a loose bound; the figures are in docs/cli.md)', async () => {
    // what node + tsx cost on this machine right now, before any of Vigil: on a loaded machine the bound moves with it
    const t0 = performance.now()
    await new Promise<void>((resolve) => execFile(process.execPath, ['-e', "import('tsx/esm/api').then((m) => m.register())"], { cwd: repoRoot, timeout: 60_000 }, () => resolve()))
    const baseline = performance.now() - t0
    const r = await vigil(['help'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^usage: vigil <command>/m)
    // loading the client before the arguments (as before) cost 2.5–7 s more than this baseline
    expect(r.ms, `vigil help ${Math.round(r.ms)} ms, node + tsx alone ${Math.round(baseline)} ms`).toBeLessThan(Math.max(3_000, baseline + 1_500))
  }, 60_000)

  it('an L1 that never answers is SOURCE_UNAVAILABLE naming its URL, with each source\'s last error (flag, and env fallbacks)', async () => {
    const port = await closedPort()
    const url = `http://127.0.0.1:${port}`
    const [human, json] = await Promise.all([
      vigil(['sync', '--config', configPath, '--l1-rpc', url, '--until-height', '1', '--timeout', '3']),
      vigil(['sync', '--until-height', '1', '--timeout', '3', '--json'], { VIGIL_CONFIG: configPath, VIGIL_L1_RPC: ` ${url} ,` }),
    ])
    expect(json.code, json.stderr).toBe(1)
    const report = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { schemaVersion: number; ok: boolean; error: { code: string; message: string } | null; sources: Record<string, { failures: number; lastError: { code: string; message: string } | null }> }
    expect(report).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'SOURCE_UNAVAILABLE' } })
    expect(report.error!.message).toContain(url)
    expect(report.error!.message).toMatch(/ECONNREFUSED/)
    const l1 = report.sources[`l1:127.0.0.1:${port}`]!
    expect(l1.failures).toBeGreaterThan(0)
    expect(l1.lastError).toMatchObject({ code: 'SOURCE_UNAVAILABLE', message: expect.stringMatching(/unreachable \(connect ECONNREFUSED/) })
    // the env's URL replaced the config's (the config names :8545)
    expect(Object.keys(report.sources).filter((k) => k.startsWith('l1:'))).toEqual([`l1:127.0.0.1:${port}`])

    expect(human.code, human.stderr).toBe(1)
    expect(human.stdout).toMatch(new RegExp(`source l1:127\\.0\\.0\\.1:${port}: \\d+ requests.*\\n    last error: SOURCE_UNAVAILABLE: .*ECONNREFUSED`))
    expect(human.stderr).toContain(`vigil: SOURCE_UNAVAILABLE: the L1 RPC never answered: ${url}`)
    expect(human.stderr).not.toMatch(/NOT_FOUND|devnet/)
  }, 90_000)
})

describe('vigil in-process: the dispatcher', () => {
  it('help for every command: `help <cmd>`, `<cmd> --help`, `<cmd> -h` exit 0 and print that command\'s usage', async () => {
    for (const c of COMMANDS) {
      // with a flag set the dispatcher answers help before parsing: it wins over a bad option on the same line
      const lines = [['help', c.name], [c.name, '--help'], [c.name, '-h'], ...(c.options !== null ? [[c.name, 'verify', '--bogus', '-h']] : [])]
      for (const argv of lines) {
        const r = await run(argv)
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0)
        // a command that owns its arguments (options: null) prints its own help
        if (c.options !== null) expect(r.stdout.startsWith(c.usage), argv.join(' ')).toBe(true)
        else expect(r.stdout, argv.join(' ')).toMatch(/usage/)
      }
    }
    expect((await run(['help'])).code).toBe(0)
    expect((await run(['help', 'nope'])).code).toBe(2)
  })

  it('usage errors: exit 2, JSON under --json wherever it is, a hint otherwise', async () => {
    vi.stubEnv('VIGIL_CONFIG', '')
    vi.stubEnv('VIGIL_L1_RPC', '')
    const cases: [string[], RegExp][] = [
      [['nope'], /unknown command "nope"/],
      [['--bogus'], /unknown option --bogus before the command/],
      [['sync', '--config'], /option --config needs a value/],
      [['sync', '--json=yes'], /option --json takes no value/],
      [['proof', 'verify', '--config', 'x.json'], /--config is not an option of "vigil proof" \(it belongs to: vigil sync, vigil verify, vigil watch\)/],
      [['lc', 'verify', '--l1-rpc', 'http://a'], /--l1-rpc is not an option of "vigil lc"/],
      [['watch', 'extra', '--config', 'x.json'], /watch takes no positional arguments/],
      [['sync', '--until-height', '1'], /--config is required \(or set VIGIL_CONFIG\)/],
    ]
    for (const [argv, re] of cases) {
      const human = await run(argv)
      expect(human.code, argv.join(' ')).toBe(2)
      expect(human.stderr, argv.join(' ')).toMatch(new RegExp(`^vigil: CONFIG_INVALID: .*${re.source}`))
      expect(human.stdout).toBe('')
      const json = await run(argv.includes('--json') ? argv : [...argv, '--json'])
      expect(json.code, argv.join(' ')).toBe(2)
      expect(json.stderr).toBe('')
      expect(JSON.parse(json.stdout), argv.join(' ')).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'CONFIG_INVALID', message: expect.stringMatching(re) } })
    }
    const none = await run(['--json'])
    expect(none.code).toBe(2)
    expect(JSON.parse(none.stdout)).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'CONFIG_INVALID', message: 'no command given' } })
    // --json before the command reaches the command
    const before = await run(['--json', 'sync', '--until-height', '1'])
    expect(before.code).toBe(2)
    expect(JSON.parse(before.stdout)).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } })
  })

  it('--version --json, and a missing config file names its origin; the devnet hint only for a missing devnet.json', async () => {
    const v = await run(['--version', '--json'])
    expect(JSON.parse(v.stdout)).toEqual({ schemaVersion: 1, ok: true, name: packageInfo().name, version: packageInfo().version })
    vi.stubEnv('VIGIL_CONFIG', join(dir, 'missing.json'))
    const fromEnv = await run(['sync', '--until-height', '1'])
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.stderr).toMatch(/cannot read config .*missing\.json \(from VIGIL_CONFIG\): ENOENT\n/)
    expect(fromEnv.stderr).not.toContain('devnet')
    const devnet = await run(['sync', '--until-height', '1', '--config', join(dir, 'devnet.json')])
    expect(devnet.code).toBe(2)
    expect(devnet.stderr).toMatch(/ENOENT \(is the devnet running\? npm run devnet writes it\)/)
  })

  it('main.ts imports nothing heavy at its top: the client and the verifiers load inside `run`', async () => {
    const src = await readFile(join(repoRoot, 'src/cli/main.ts'), 'utf8')
    const imports = [...src.matchAll(/^import (?!type )[^\n]*? from '([^']+)'/gm)].map((m) => m[1])
    expect(imports.sort()).toEqual(['../core/errors', '../node/args', './output', './trust', 'node:fs', 'node:path', 'node:url'])
    // and what those import is light too
    const trust = await readFile(join(repoRoot, 'src/cli/trust.ts'), 'utf8')
    expect([...trust.matchAll(/^import (?!type )[^\n]*? from '([^']+)'/gm)].map((m) => m[1]).sort()).toEqual(['../client/shared/config', '../core/errors', '../node/args'])
  })
})

describe('args and package.json', () => {
  it('env fallbacks: a list flag splits on commas, the command line wins, the origin is kept', () => {
    const spec = { config: { type: 'string', env: 'VIGIL_CONFIG' }, 'l1-rpc': { type: 'string', env: 'VIGIL_L1_RPC', list: true }, json: 'boolean' } as const
    const env = { VIGIL_CONFIG: 'env.json', VIGIL_L1_RPC: 'http://a:1, http://b:2,' }
    const a = parseArgs(['sync'], spec, { env })
    expect(a.flags.get('config')).toEqual(['env.json'])
    expect(a.flags.get('l1-rpc')).toEqual(['http://a:1', 'http://b:2'])
    expect([...a.fromEnv]).toEqual([['config', 'VIGIL_CONFIG'], ['l1-rpc', 'VIGIL_L1_RPC']])
    const b = parseArgs(['sync', '--config', 'flag.json', '--l1-rpc', 'http://c:3', '--json'], spec, { env })
    expect(b.flags.get('config')).toEqual(['flag.json'])
    expect(b.flags.get('l1-rpc')).toEqual(['http://c:3'])
    expect(b.fromEnv.size).toBe(0)
    expect(b.flags.get('json')).toEqual(['true'])
    // a spec with a boolean `help` (the devnet's, the bench's, a module parsing its own argv) answers -h too
    expect(parseArgs(['-h'], { help: 'boolean' }).flags.get('help')).toEqual(['true'])
    expect(() => parseArgs(['-h'], { json: 'boolean' })).toThrow(/unknown option -h/)
  })

  it('packageInfo finds the package from src/cli, from a dist/ one level deeper, past a partial dist/package.json', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string }
    expect(packageInfo()).toEqual({ name: pkg.name, version: pkg.version })
    const root = join(dir, 'pkg')
    await mkdir(join(root, 'dist', 'cli'), { recursive: true })
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: '@x/vigil', version: '9.8.7' }))
    await writeFile(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' }))
    expect(packageInfo(join(root, 'dist', 'cli'))).toEqual({ name: '@x/vigil', version: '9.8.7' })
    expect(packageInfo(join(root, 'dist'))).toEqual({ name: '@x/vigil', version: '9.8.7' })
  })
})
