/** Browser peer records (src/p2p/discovery.ts): codec, binding to the signer, freshness, rate limit. */
import { describe, it, expect } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { browserPeerValidator, decodeBrowserPeerRecord, encodeBrowserPeerRecord, MAX_ANNOUNCED_ADDRS, type BrowserPeerRecord } from '../../src/p2p/discovery'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('browser peer records', () => {
  it('round-trips, and binds the record to the peer that signed the gossip message', async () => {
    const [me, relay, other] = [await newPeer(), await newPeer(), await newPeer()]
    let now = 1_700_000_000_000
    const check = browserPeerValidator({ now: () => now })
    const record = (p: PeerId, at: number, addrs?: string[]): BrowserPeerRecord => ({
      peerId: p.toString(),
      at,
      addrs: addrs ?? [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${relay}/p2p-circuit/webrtc/p2p/${p}`],
    })
    const r = record(me, now)
    expect(decodeBrowserPeerRecord(encodeBrowserPeerRecord(r))).toEqual(r)

    // signed by someone else: a peer cannot announce another
    expect(check(encodeBrowserPeerRecord(r), other).verdict).toBe('reject')
    expect(check(encodeBrowserPeerRecord(r), null).verdict).toBe('reject')
    // addresses must be relay WebRTC addresses of the announced peer
    expect(check(encodeBrowserPeerRecord(record(me, now, [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${relay}/p2p-circuit/webrtc/p2p/${other}`])), me).verdict).toBe('reject')
    expect(check(encodeBrowserPeerRecord(record(me, now, [`/ip4/10.0.0.1/tcp/4001/ws/p2p/${me}`])), me).verdict).toBe('reject')
    expect(check(encodeBrowserPeerRecord(record(me, now, [])), me).verdict).toBe('reject')
    // malformed / oversized
    expect(check(new Uint8Array([1, 2, 3]), me).verdict).toBe('reject')
    expect(() => encodeBrowserPeerRecord(record(me, now, Array(MAX_ANNOUNCED_ADDRS + 1).fill(r.addrs[0])))).toThrow()
    expect(check(new Uint8Array(5_000), me).verdict).toBe('reject')

    // accepted once; a replay, an older one, or one too soon after is ignored (not forwarded)
    expect(check(encodeBrowserPeerRecord(r), me)).toMatchObject({ verdict: 'accept', record: r })
    expect(check(encodeBrowserPeerRecord(r), me).verdict).toBe('ignore')
    expect(check(encodeBrowserPeerRecord(record(me, now + 1)), me).verdict).toBe('ignore') // within 1 s
    now += 1_500
    expect(check(encodeBrowserPeerRecord(record(me, now - 2_000)), me).verdict).toBe('ignore') // not newer
    expect(check(encodeBrowserPeerRecord(record(me, now)), me).verdict).toBe('accept')
    // stale or from the future
    expect(check(encodeBrowserPeerRecord(record(other, now - 120_000)), other).verdict).toBe('ignore')
    expect(check(encodeBrowserPeerRecord(record(other, now + 120_000)), other).verdict).toBe('ignore')
  })
})
