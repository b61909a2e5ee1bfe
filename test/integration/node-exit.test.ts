/**
 * The Node client stops cleanly with p2p on (docs/decisions/p2p.md § Stopping without lingering
 * sockets): `client.stop()` resolves promptly and leaves no socket to any peer, and
 * `vigil sync` exits right after printing its report.
 *
 * Besides the devnet's nodes, the client's bootstrap list holds two unresponsive peers run
 * here, so that a stop always finds dials in flight (what a real network has): one accepts TCP
 * and never answers the WebSocket handshake, one completes it and never speaks libp2p.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { openNodeClient } from '../../src/client/node/node'
import type { ClientConfig } from '../../src/client/shared/config'
import { privateKeyFromSeed } from '../../src/p2p/identity'
import { repoRoot, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { waitForSnapshot } from '../helpers/client'

/** Generous for a loaded 2-core machine; the leaks this guards against held sockets 10 s or for ever. */
const PROMPT_MS = 3_000

/** TCP sockets of this process to `ports`, or torn down without their handle released yet. */
function socketsTo(ports: Set<number>): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
  return handles
    .filter((h): h is net.Socket => h instanceof net.Socket)
    .filter((s) => (s as unknown as { _handle?: { constructor?: { name?: string } } })._handle?.constructor?.name !== 'Pipe')
    .filter((s) => s.remotePort === undefined || ports.has(s.remotePort))
    .map((s) => `${s.localPort ?? '?'}→${s.remotePort ?? '(unconnected)'} destroyed=${s.destroyed}`)
}

describe('Node client exit with p2p on', () => {
  let devnet: DevnetProcess
  /** The devnet's config with the two unresponsive peers added to its bootstrap list. */
  let config: ClientConfig
  let configDir: string
  let configPath: string
  /** The devnet's libp2p WebSocket ports and the unresponsive peers' ports. */
  let p2pPorts: Set<number>
  const silentSockets = new Set<net.Socket>()
  let tcpSilent: net.Server
  let wsSilent: WebSocketServer
  /** The chain's height as the first test saw it (the devnet may skip slots on a loaded machine: no wall-clock estimate). */
  let seenHeight = 0

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '2', '--committee', '8'])
    tcpSilent = net.createServer((s) => {
      silentSockets.add(s)
      s.on('close', () => silentSockets.delete(s))
      s.on('error', () => {})
    })
    await new Promise<void>((r) => tcpSilent.listen(0, '127.0.0.1', r))
    wsSilent = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((r) => wsSilent.once('listening', r))
    wsSilent.on('connection', (ws) => ws.on('error', () => {}))
    const tcpPort = (tcpSilent.address() as net.AddressInfo).port
    const wsPort = (wsSilent.address() as net.AddressInfo).port
    const ghost = (seed: string) => privateKeyFromSeed(seed).then((k) => peerIdFromPrivateKey(k).toString())
    config = {
      ...devnet.info,
      bootstrap: [...devnet.info.bootstrap, `/ip4/127.0.0.1/tcp/${tcpPort}/ws/p2p/${await ghost('node-exit-tcp')}`, `/ip4/127.0.0.1/tcp/${wsPort}/ws/p2p/${await ghost('node-exit-ws')}`],
    }
    configDir = await mkdtemp(join(tmpdir(), 'vigil-node-exit-'))
    configPath = join(configDir, 'config.json')
    await writeFile(configPath, JSON.stringify(config))
    p2pPorts = new Set(
      config.bootstrap
        .map((a) => multiaddr(a).getComponents())
        .filter((cs) => cs.some((c) => c.name === 'ws'))
        .map((cs) => Number(cs.find((c) => c.name === 'tcp')!.value)),
    )
  }, 120_000)

  afterAll(async () => {
    for (const s of silentSockets) s.destroy()
    for (const c of wsSilent?.clients ?? []) c.terminate()
    await new Promise((r) => (tcpSilent ? tcpSilent.close(r) : r(null)))
    await new Promise((r) => (wsSilent ? wsSilent.close(r) : r(null)))
    if (configDir) await rm(configDir, { recursive: true, force: true })
    await devnet?.stop()
  }, 30_000)

  it('client.stop() with peers connected and dials in flight resolves promptly and leaves no socket', async () => {
    const client = await openNodeClient(config, { storeName: `node-exit-connected-${Date.now()}` })
    await client.start()
    await waitForSnapshot(client, (s) => s.peers.length > 0 && (s.tips.proposed?.height ?? 0) >= 1, 60_000, 'a peer and a proposed block')
    expect(socketsTo(p2pPorts).length).toBeGreaterThan(0) // the probe sees the live connections
    seenHeight = client.snapshot().tips.proposed?.height ?? 0
    const t0 = performance.now()
    await client.stop()
    const stopMs = performance.now() - t0
    expect(socketsTo(p2pPorts)).toEqual([])
    expect(stopMs).toBeLessThan(PROMPT_MS)
  }, 90_000)

  it('client.stop() while libp2p is still starting and dialling leaves no socket behind', async () => {
    // stop racing the node's creation and its first dials: the aborted dials must close their sockets
    for (const waitMs of [0, 150, 1000]) {
      const client = await openNodeClient(config, { storeName: `node-exit-race-${waitMs}-${Date.now()}` })
      await client.start()
      if (waitMs) await new Promise((r) => setTimeout(r, waitMs)) // a position in the start-up, not a synchronisation
      const t0 = performance.now()
      await client.stop()
      const stopMs = performance.now() - t0
      expect(socketsTo(p2pPorts), `stop after ${waitMs} ms`).toEqual([])
      expect(stopMs, `stop after ${waitMs} ms`).toBeLessThan(PROMPT_MS)
    }
  }, 60_000)

  /** Runs `vigil sync … --json --verbose`; returns its exit code, report, stderr and the ms from the report's line to the exit (killed after 20 s). */
  async function vigilSync(args: string[]): Promise<{ code: number | null; report: { ok: boolean; stopMs: number }; stderr: string; printedToExitMs: number }> {
    const child = spawn(process.execPath, ['bin/vigil.js', 'sync', '--config', configPath, '--timeout', '60', '--json', '--verbose', ...args], { cwd: repoRoot })
    let out = ''
    let printedAt: number | null = null
    let killer: ReturnType<typeof setTimeout> | undefined
    const err: string[] = []
    child.stdout.on('data', (d) => {
      out += String(d)
      if (printedAt === null && out.includes('\n')) {
        printedAt = performance.now()
        killer = setTimeout(() => child.kill('SIGKILL'), 20_000) // a process that never exits fails, it does not hang the suite
      }
    })
    child.stderr.on('data', (d) => err.push(String(d)))
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    clearTimeout(killer)
    const exitedAt = performance.now()
    expect(printedAt, `no report; stderr: ${err.join('').slice(-2000)}`).not.toBeNull()
    return { code, report: JSON.parse(out.trim().split('\n').at(-1)!), stderr: err.join(''), printedToExitMs: exitedAt - printedAt! }
  }

  it('vigil sync reaching its height at once exits within a few seconds of its report', async () => {
    // height 1 is long mined: the first L1 poll reaches it, and the stop finds libp2p starting or dialling
    const r = await vigilSync(['--until-height', '1'])
    expect(r.code).toBe(0)
    expect(r.report.ok).toBe(true)
    expect(r.printedToExitMs).toBeLessThan(PROMPT_MS)
    expect(r.report.stopMs).toBeLessThan(PROMPT_MS)
  }, 60_000)

  it('vigil sync following gossip with peers connected exits within a few seconds of its report', async () => {
    // a proposed height a few slots ahead: the client is connected and following gossip when it gets there
    const target = seenHeight + 5 * devnet.info.devnet.blocksPerSlot
    const r = await vigilSync(['--until-height', String(target), '--tip', 'proposed'])
    expect(r.code).toBe(0)
    expect(r.report.ok).toBe(true)
    expect(r.stderr).toMatch(/connected to 12D3KooW/) // p2p was on and connected when the stop came
    expect(r.printedToExitMs).toBeLessThan(PROMPT_MS)
    expect(r.report.stopMs).toBeLessThan(PROMPT_MS)
  }, 60_000)
})
