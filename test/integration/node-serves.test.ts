/**
 * A `vigil sync` peer gives back (issue 12 item 4): a Node client (openNodeClient, full mode)
 * synced on the devnet registers the req/resp responders on its own libp2p node (serveChain,
 * the page's and the devnet's rate limits) and answers another libp2p node's status,
 * headers_by_range and bodies_by_hash from what it verified and stored.
 *
 * The other node listens on loopback and is put in the client's bootstrap list, so the
 * client dials it; the requests then travel over that connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PeerId } from '@libp2p/interface'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import { createP2PNode, type P2PNode } from '../../src/p2p/node'
import { requestBodiesByHash, requestHeadersByRange, requestStatus } from '../../src/p2p/protocols'
import { headerHash } from '../../src/protocol/header'
import { verifyBody } from '../../src/verify/rules'
import type { Hex } from '../../src/core/types'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { bodiesUpTo, devnetHeight } from '../helpers/bodies'
import { waitForSnapshot } from '../helpers/client'
import { pollUntil } from '../helpers/wait'

describe('a Node client serves req/resp', () => {
  let devnet: DevnetProcess
  let asker: P2PNode
  let client: LightClient
  let clientId: PeerId

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2'])
    asker = await createP2PNode({ role: 'client-node', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await asker?.stop()
    await devnet?.stop()
  }, 60_000)

  it('a full-mode client synced on the devnet answers status, headers by range and bodies by hash', async () => {
    await devnetHeight(devnet, 8)
    const addr = asker.getMultiaddrs()[0]!.toString()
    const dialable = addr.includes('/p2p/') ? addr : `${addr}/p2p/${asker.peerId.toString()}`
    const l2ChainId = devnet.info.l2ChainId
    client = await openNodeClient({ ...devnet.info, mode: 'full', bootstrap: [...devnet.info.bootstrap, dialable] }, { storeName: `node-serves-${Date.now()}` })
    await client.start()
    await waitForSnapshot(client, (s) => bodiesUpTo(s, 8), 90_000, 'bodies up to 8')

    // the client dialled us: its peer id is the one connection we did not open
    clientId = await pollUntil(() => asker.getPeers()[0] ?? null, { timeoutMs: 20_000, what: 'the client connected to the asking node' })

    // status: headers and (full mode) bodies announced from low heights up to near the tip
    const status = await pollUntil(
      async () => {
        const s = await requestStatus(asker, clientId, l2ChainId)
        return s.latest >= 8 && s.earliestBody <= 8 ? s : null
      },
      { timeoutMs: 30_000, intervalMs: 1_000, what: 'a status announcing bodies up to 8' },
    )
    expect(status.earliestHeader).toBeLessThanOrEqual(status.earliestBody)
    expect((await client.store.getBlock(status.headHash))?.height).toBe(status.latest)

    // headers by range: the client's own canonical, signed headers
    const from = Math.max(status.earliestHeader, status.earliestBody)
    const count = Math.min(8, status.latest - from + 1)
    const { headers } = await requestHeadersByRange(asker, clientId, l2ChainId, { from, count })
    expect(headers.map((h) => h.header.height)).toEqual(Array.from({ length: count }, (_, i) => from + i))
    const hashes: Hex[] = []
    for (const sh of headers) {
      const hash = headerHash(sh.header)
      const row = await client.store.getBlock(hash)
      expect(row?.checks.body, `block ${sh.header.height} stored with a verified body`).toBe(true)
      hashes.push(hash)
    }

    // bodies by hash: every announced body, each the one its header commits to; an unknown hash is omitted
    const unknown = `0x${'ee'.repeat(32)}` as Hex
    const { bodies } = await requestBodiesByHash(asker, clientId, l2ChainId, [...hashes, unknown])
    expect(bodies.map((b) => b.hash.toLowerCase())).toEqual(hashes.map((h) => h.toLowerCase()))
    bodies.forEach((b, i) => expect(() => verifyBody(headers[i]!.header, b.bytes)).not.toThrow())

    // the client counts what it served
    expect(client.served.byProtocol.status).toBeGreaterThan(0)
    expect(client.served.byProtocol.headers_by_range).toBeGreaterThanOrEqual(1)
    expect(client.served.byProtocol.bodies_by_hash).toBeGreaterThanOrEqual(1)
    expect(client.served.items).toBeGreaterThanOrEqual(count * 2)
  }, 180_000)
})
