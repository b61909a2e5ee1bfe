/** The page as a pure function of ViewState: loading, error (coded, with a fix) or live. */
import { Fragment, type ReactNode } from 'react'
import type { ClientSnapshot } from '../client/shared/types'
import type { ErrorRecord } from '../core/errors'
import { Failures } from './Failures'
import { Brand, ChainHeader } from './Header'
import { LatestBlocks } from './LatestBlocks'
import { Peers } from './Peers'
import { Reorgs } from './Reorgs'
import { Sources } from './Sources'
import { Tips } from './Tips'
import { Trust } from './Trust'
import type { ViewState } from './state'
import { Nav } from './Nav'
import type { Route } from './router'
import { SyncProgress } from './SyncProgress'
import { SourceCharts, useSourceSeries, type SourceSample } from './SourceCharts'
import { BlockPage } from './pages/BlockPage'
import { BlocksPage } from './pages/BlocksPage'
import { SearchPage } from './pages/SearchPage'
import { TxPage } from './pages/TxPage'
import { CheckpointPage } from './pages/CheckpointPage'
import { EvidencePage } from './pages/EvidencePage'
import { SettingsPage } from './pages/SettingsPage'
import { AztecCheckpointPage } from './pages/AztecCheckpointPage'
import type { VigilClient } from '../client/page/remote'
import { VigilProvider } from '../client/page/react-core'

/** Text with `backticked` spans rendered as <code> (hints name commands). */
export function withCode(text: string): ReactNode {
  return text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <Fragment key={i}>{part}</Fragment>))
}

export function errorTitle(e: ErrorRecord): string {
  const stage = e.details?.stage
  if (e.code === 'NOT_FOUND' && stage === 'config' && e.details?.devnet === true) return 'The local devnet is not running'
  if (e.code === 'NOT_FOUND' && stage === 'config') return 'No chain config found'
  if (e.code === 'CONFIG_INVALID') return 'The chain config is invalid'
  if (stage === 'config') return 'Cannot load the chain config'
  if (stage === 'worker') return 'The light client worker crashed'
  if (stage === 'start') return 'The light client could not start'
  return 'Something went wrong'
}

export function errorHint(e: ErrorRecord): string {
  const h = e.details?.hint
  return typeof h === 'string' ? h : 'Reload the page. If it happens again, the browser console has details.'
}

function Shell({ children }: { children: ReactNode }) {
  return (
    <>
      <header className="topbar">
        <Brand />
      </header>
      <main className="page" id="main">
        {children}
      </main>
    </>
  )
}

export function LoadingState({ step }: { step: 'config' | 'worker' }) {
  return (
    <Shell>
      <div className="state-card" data-testid="loading-state" data-step={step} role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        <p>{step === 'config' ? 'Loading the chain config…' : 'Starting the light client: opening the store, restoring tips…'}</p>
      </div>
    </Shell>
  )
}

export function ErrorState({ error, onRetry }: { error: ErrorRecord; onRetry?: () => void }) {
  const url = error.details?.url
  return (
    <Shell>
      <section className="state-card state-error" data-testid="error-state" data-code={error.code} data-stage={String(error.details?.stage ?? '')} role="alert" aria-labelledby="error-title">
        <h1 id="error-title">{errorTitle(error)}</h1>
        <p className="error-line">
          <code className="err-code" data-testid="error-code">
            {error.code}
          </code>{' '}
          <span data-testid="error-message">{error.message}</span>
        </p>
        {typeof url === 'string' ? (
          <p className="muted small">
            config URL: <code>{url}</code>
          </p>
        ) : null}
        <h2 className="what-to-do">What to do</h2>
        <p data-testid="error-hint">{withCode(errorHint(error))}</p>
        {onRetry ? (
          <p>
            <button type="button" className="button" onClick={onRetry}>
              Try again
            </button>
          </p>
        ) : null}
      </section>
    </Shell>
  )
}

export function ProblemBanner({ error }: { error: ErrorRecord }) {
  return (
    <div className="banner" role="alert" data-testid="worker-error" data-code={error.code}>
      <strong>{errorTitle(error)}:</strong> <code className="err-code">{error.code}</code> {error.message}. <span>{withCode(errorHint(error))}</span> The data below may be stale.
    </div>
  )
}

/** The dashboard: tips, L1 trust, history sync, latest blocks, sources (table and charts), reorgs, peers, failures. */
export function Dashboard({ snapshot, samples }: { snapshot: ClientSnapshot; samples: SourceSample[] }) {
  return (
    <>
      <Tips tips={snapshot.tips} restoredFromStore={snapshot.restoredFromStore} />
      <Trust trust={snapshot.trust} sources={snapshot.sources} />
      <SyncProgress snapshot={snapshot} />
      <LatestBlocks blocks={snapshot.latest} counts={snapshot.counts} />
      <Sources sources={snapshot.sources} />
      <SourceCharts samples={samples} />
      <Reorgs reorgs={snapshot.reorgs} />
      <Peers peers={snapshot.peers} />
      <Failures failures={snapshot.failures} />
    </>
  )
}

const PAGE_TITLE: Record<Route['page'], string> = {
  dashboard: 'Vigil light client',
  blocks: 'Blocks',
  block: 'Block',
  tx: 'Transaction',
  checkpoint: 'Checkpoint',
  search: 'Search',
  evidence: 'Evidence',
  settings: 'Settings',
  aztec: 'Aztec checkpoint',
  'not-found': 'Page not found',
}

function RoutePage({ route, snapshot, client, samples, onRestart }: { route: Route; snapshot: ClientSnapshot; client: VigilClient | null; samples: SourceSample[]; onRestart?: (() => void) | undefined }) {
  switch (route.page) {
    case 'dashboard':
      return <Dashboard snapshot={snapshot} samples={samples} />
    case 'blocks':
      return <BlocksPage client={client} updatedAt={snapshot.updatedAt} startHeight={route.height} />
    case 'block':
      return <BlockPage key={route.q} client={client} q={route.q} tx={route.tx} />
    case 'tx':
      return <TxPage key={route.hash} client={client} hash={route.hash} version={String(snapshot.counts.mined + snapshot.counts.finalized)} />
    case 'checkpoint':
      return <CheckpointPage key={route.n} client={client} n={route.n} version={String(snapshot.counts.mined + snapshot.counts.finalized)} />
    case 'search':
      return <SearchPage client={client} q={route.q} />
    case 'evidence':
      return <EvidencePage client={client} version={`${snapshot.counts.invalid}:${snapshot.evidence?.count ?? 0}:${snapshot.failures.length}`} />
    case 'settings':
      return <SettingsPage client={client} {...(onRestart ? { onRestart } : {})} />
    case 'aztec':
      return <AztecCheckpointPage network={route.network} />
    case 'not-found':
      return (
        <section className="panel" data-testid="not-found">
          <p>
            There is no page <code>#{route.path}</code>. <a href="#/">Back to the dashboard</a>.
          </p>
        </section>
      )
  }
}

export function LiveView({ snapshot, problem = null, client = null, route = { page: 'dashboard' }, onRestart }: { snapshot: ClientSnapshot; problem?: ErrorRecord | null; client?: VigilClient | null; route?: Route; onRestart?: () => void }) {
  const samples = useSourceSeries(snapshot.sources)
  const evidenceCount = (snapshot.evidence?.count ?? 0) + snapshot.counts.invalid
  const page = (
    <RoutePage route={route} snapshot={snapshot} client={client} samples={samples} onRestart={onRestart} />
  )
  return (
    <VigilProviderMaybe client={client}>
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <ChainHeader snapshot={snapshot} stale={problem !== null} />
      <Nav route={route} evidenceCount={evidenceCount} />
      <main className="page" id="main" data-testid="live-state" data-page={route.page} tabIndex={-1}>
        {route.page === 'block' || route.page === 'tx' || route.page === 'checkpoint' ? null : <h1 className="sr-only">{PAGE_TITLE[route.page]}</h1>}
        {problem ? <ProblemBanner error={problem} /> : null}
        {page}
      </main>
    </VigilProviderMaybe>
  )
}

/** The skip link must not change the hash route: focus <main> instead. */
function skipToMain(e: { preventDefault(): void }): void {
  e.preventDefault()
  const main = (globalThis as { document?: { getElementById(id: string): { focus(): void } | null } }).document?.getElementById('main')
  main?.focus()
}

function VigilProviderMaybe({ client, children }: { client: VigilClient | null; children: ReactNode }) {
  return client ? <VigilProvider client={client}>{children}</VigilProvider> : <>{children}</>
}

export function AppView({ state, onRetry, route }: { state: ViewState; onRetry?: () => void; route?: Route }) {
  // the Aztec checkpoint page runs offline: it needs no light client (nor a devnet)
  if (route?.page === 'aztec' && state.kind !== 'live')
    return (
      <Shell>
        <AztecCheckpointPage network={route.network} />
      </Shell>
    )
  switch (state.kind) {
    case 'loading':
      return <LoadingState step={state.step} />
    case 'error':
      return <ErrorState error={state.error} {...(onRetry ? { onRetry } : {})} />
    case 'live':
      return <LiveView snapshot={state.snapshot} problem={state.problem} client={state.client ?? null} {...(route ? { route } : {})} {...(onRetry ? { onRestart: onRetry } : {})} />
  }
}
