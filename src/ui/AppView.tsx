/** The page as a pure function of ViewState: loading, error (coded, with a fix) or live. */
import { Fragment, type ReactNode } from 'react'
import type { ClientSnapshot } from '../client/types'
import type { ErrorRecord } from '../core/errors'
import { Failures } from './Failures'
import { Brand, ChainHeader } from './Header'
import { LatestBlocks } from './LatestBlocks'
import { Peers } from './Peers'
import { Reorgs } from './Reorgs'
import { Sources } from './Sources'
import { Tips } from './Tips'
import type { ViewState } from './state'

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

export function LiveView({ snapshot, problem = null }: { snapshot: ClientSnapshot; problem?: ErrorRecord | null }) {
  return (
    <>
      <ChainHeader snapshot={snapshot} stale={problem !== null} />
      <main className="page" id="main" data-testid="live-state">
        <h1 className="sr-only">Vigil light client</h1>
        {problem ? <ProblemBanner error={problem} /> : null}
        <Tips tips={snapshot.tips} restoredFromStore={snapshot.restoredFromStore} />
        <LatestBlocks blocks={snapshot.latest} counts={snapshot.counts} />
        <Sources sources={snapshot.sources} />
        <div className="two-col">
          <Reorgs reorgs={snapshot.reorgs} />
          <Peers peers={snapshot.peers} />
        </div>
        <Failures failures={snapshot.failures} />
      </main>
    </>
  )
}

export function AppView({ state, onRetry }: { state: ViewState; onRetry?: () => void }) {
  switch (state.kind) {
    case 'loading':
      return <LoadingState step={state.step} />
    case 'error':
      return <ErrorState error={state.error} {...(onRetry ? { onRetry } : {})} />
    case 'live':
      return <LiveView snapshot={state.snapshot} problem={state.problem} />
  }
}
