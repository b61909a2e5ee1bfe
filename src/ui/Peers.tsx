/** libp2p peers the worker is connected to: transport, what they announced (req/resp status), scores. */
import type { PeerSummary } from '../client/shared/types'
import { formatCount } from './format'
import { Empty, Hash, Section, TableScroll } from './parts'

const TRANSPORT_TEXT: Record<PeerSummary['transport'], string> = {
  websockets: 'WebSockets',
  webrtc: 'WebRTC',
  'webrtc-direct': 'WebRTC-direct',
  relay: 'relay (circuit v2)',
  tcp: 'TCP',
  unknown: 'unknown',
}

function Announced({ p }: { p: PeerSummary }) {
  const a = p.reqresp?.announced
  if (!p.reqresp) return <span className="muted">no req/resp</span>
  if (!a) return <span className="muted">no status yet</span>
  return (
    <span className="nowrap" title={`headers from ${a.earliestHeader}, bodies from ${a.earliestBody}, head ${a.latest} ${a.headHash}`}>
      {formatCount(a.earliestHeader)}–{formatCount(a.latest)}
      {a.earliestBody > a.earliestHeader ? <span className="muted small"> (bodies ≥ {formatCount(a.earliestBody)})</span> : null}
    </span>
  )
}

function Score({ p }: { p: PeerSummary }) {
  const parts: string[] = []
  if (p.reqresp) parts.push(`sync ${p.reqresp.score.toFixed(1)}`)
  if (typeof p.score === 'number') parts.push(`gossip ${p.score.toFixed(1)}`)
  if (parts.length === 0) return <span className="muted">–</span>
  const bad = (p.score ?? 0) < 0 || (p.reqresp?.benchedUntil ?? 0) > 0
  return (
    <span className={bad ? 'warn nowrap' : 'nowrap'} title={p.reqresp ? `${p.reqresp.requests} requests, ${p.reqresp.failures} failures, ${p.reqresp.timeouts} timeouts, ${p.reqresp.items} items` : undefined}>
      {parts.join(' · ')}
    </span>
  )
}

export function Peers({ peers }: { peers: PeerSummary[] }) {
  return (
    <Section id="peers" title="Peers" extra={<span className="muted small">{peers.length} connected</span>} data-testid="peers">
      {peers.length === 0 ? (
        <Empty>No peers connected.</Empty>
      ) : (
        <TableScroll label="Connected peers">
          <table className="data peers">
            <thead>
              <tr>
                <th scope="col">Peer</th>
                <th scope="col">Transport</th>
                <th scope="col">
                  <abbr title="heights the peer said it serves (req/resp status)">Announced</abbr>
                </th>
                <th scope="col">Score</th>
                <th scope="col">Direction</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {peers.map((p) => (
                <tr key={p.id} data-testid="peer-row" data-transport={p.transport}>
                  <th scope="row">
                    <Hash value={p.id} label="peer id" head={6} tail={6} />
                  </th>
                  <td>{TRANSPORT_TEXT[p.transport]}</td>
                  <td>
                    <Announced p={p} />
                  </td>
                  <td>
                    <Score p={p} />
                  </td>
                  <td>{p.direction}</td>
                  <td className="addr" title={p.addrs.join('\n')}>
                    {p.addrs[0] ?? '–'}
                    {p.addrs.length > 1 ? <span className="muted small"> +{p.addrs.length - 1}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </Section>
  )
}
