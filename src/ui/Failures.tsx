/** The most recent verification and source failures, with their stable codes and where each came from (source, peer). */
import type { ErrorRecord } from '../core/errors'
import { Empty, Section } from './parts'

export function Failures({ failures, limit = 10 }: { failures: ErrorRecord[]; limit?: number }) {
  const shown = failures.slice(0, limit)
  return (
    <Section id="failures" title="Recent failures" extra={<span className="muted small">{failures.length > limit ? `${limit} of ${failures.length}` : ''}</span>} data-testid="failures">
      {shown.length === 0 ? (
        <Empty>Nothing has failed verification.</Empty>
      ) : (
        <ul className="failures">
          {shown.map((f, i) => (
            <li key={i} data-testid="failure-row" data-code={f.code} data-severity={f.severity} data-source={f.source ?? ''}>
              <code className={`err-code sev-${f.severity}`}>{f.code}</code> <span className={`sev sev-${f.severity}`}>{f.severity}</span>{' '}
              {f.source ? (
                <span className="muted small failure-source" title={f.peer ? `peer ${f.peer}` : undefined}>
                  from {f.source}
                  {f.peer ? ` (peer ${f.peer.slice(-8)})` : ''}
                </span>
              ) : null}{' '}
              <span className="msg">{f.message}</span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  )
}
