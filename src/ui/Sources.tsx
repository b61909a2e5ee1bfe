/** Where every byte came from: per-source fetch stats, including what verification rejected. */
import type { SourceStats } from '../client/shared/types'
import { formatBytes, formatCount, formatLatency } from './format'
import { Age, Empty, Section, TableScroll } from './parts'

export function Sources({ sources }: { sources: Record<string, SourceStats> }) {
  const rows = Object.values(sources).sort((a, b) => a.name.localeCompare(b.name))
  return (
    <Section id="sources" title="Sources" data-testid="sources">
      {rows.length === 0 ? (
        <Empty>No source has been asked anything yet.</Empty>
      ) : (
        <TableScroll label="Per-source fetch stats">
          <table className="data sources">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col" className="num">Requests</th>
                <th scope="col" className="num">Bytes</th>
                <th scope="col" className="num">Failures</th>
                <th scope="col" className="num">
                  <abbr title="items that failed verification">Rejected</abbr>
                </th>
                <th scope="col" className="num">
                  <abbr title="items that passed verification">Accepted</abbr>
                </th>
                <th scope="col" className="num">
                  <abbr title="latency: last / average / maximum">Latency l/avg/max</abbr>
                </th>
                <th scope="col">Last error</th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.name} data-testid={`source-row-${s.name}`} data-kind={s.kind}>
                  <th scope="row">
                    <span className="source-name">{s.name}</span> <span className="kind">{s.kind}</span>
                  </th>
                  <td className="num">{formatCount(s.requests)}</td>
                  <td className="num" title={`${formatCount(s.bytes)} bytes`}>
                    {formatBytes(s.bytes)}
                  </td>
                  <td className={`num ${s.failures > 0 ? 'warn' : ''}`}>{formatCount(s.failures)}</td>
                  <td className={`num ${s.rejected > 0 ? 'bad' : ''}`}>{formatCount(s.rejected)}</td>
                  <td className="num">{formatCount(s.accepted)}</td>
                  <td className="num nowrap">{formatLatency(s.latencyMs)}</td>
                  <td>{s.lastError ? <code className="err-code" title={`${s.lastError.severity}: ${s.lastError.message}`}>{s.lastError.code}</code> : <span className="muted">–</span>}</td>
                  <td>
                    <Age at={s.lastAt} />
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
