/** libp2p peers the worker is connected to. */
import type { PeerSummary } from '../client/types'
import { Empty, Hash, Section, TableScroll } from './parts'

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
                <th scope="col">Direction</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {peers.map((p) => (
                <tr key={p.id} data-testid="peer-row">
                  <th scope="row">
                    <Hash value={p.id} label="peer id" head={6} tail={6} />
                  </th>
                  <td>{p.transport}</td>
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
