/** The top bar: which chain this is, where L1 stands, and how fresh the data is. */
import { useState } from 'react'
import type { ClientSnapshot } from '../client/shared/types'
import { formatCount } from './format'
import { applyTheme, type ThemeChoice } from './platform'
import { loadSettings, saveSettings } from './settings'
import { Age, Hash } from './parts'
import { activeAnchor } from './Trust'

export function Brand() {
  return (
    <a className="brand" href="/" aria-label="Vigil home">
      <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="currentColor" />
        <path d="M8 10l8 13 8-13" fill="none" stroke="var(--bg)" strokeWidth="3.2" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <span>Vigil</span>
    </a>
  )
}

const THEME_NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' }
const THEME_ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' }

/** Light / dark / as the system, one click each in turn; saved with the settings (the Settings page shows the same choice). */
export function ThemeToggle() {
  const [theme, setTheme] = useState<ThemeChoice>(() => loadSettings().theme ?? 'system')
  const next = THEME_NEXT[theme]
  const choose = () => {
    setTheme(next)
    applyTheme(next)
    saveSettings({ ...loadSettings(), theme: next })
  }
  return (
    <button type="button" className="theme-toggle" onClick={choose} data-testid="theme-toggle" data-theme-choice={theme} aria-label={`Theme: ${theme === 'system' ? 'as the system' : theme}. Switch to ${next === 'system' ? 'the system’s' : next}`} title={`Theme: ${theme} (click: ${next})`}>
      <span aria-hidden="true">{THEME_ICON[theme]}</span> <span className="theme-word">{theme}</span>
    </button>
  )
}

export function ChainHeader({ snapshot, stale = false }: { snapshot: ClientSnapshot; stale?: boolean }) {
  const { chain, l1 } = snapshot
  // what the L1 numbers rest on: the active anchor, or nothing (then they are only what an RPC said)
  const anchor = activeAnchor(snapshot.trust)
  const basis = anchor?.latest ? `anchored: ${anchor.latest.basis}` : 'not verified: no L1 anchor has a head yet (see L1 trust)'
  return (
    <header className="topbar" data-testid="chain-header">
      <Brand />
      <dl className="chain-facts">
        <div>
          <dt>L2 chain</dt>
          <dd data-testid="l2-chain-id">{chain.l2ChainId}</dd>
        </div>
        <div>
          <dt>L1 chain</dt>
          <dd data-testid="l1-chain-id">{chain.l1ChainId}</dd>
        </div>
        <div>
          <dt>Rollup</dt>
          <dd>
            <Hash value={chain.rollup} label="rollup address" />
          </dd>
        </div>
        <div title={basis} data-testid="l1-basis" data-anchored={anchor ? 'true' : 'false'}>
          <dt>
            L1 head{' '}
            <span className={`l1-basis ${anchor ? 'l1-anchored' : 'l1-unverified'}`}>{anchor ? 'anchored' : 'unverified'}</span>
          </dt>
          <dd data-testid="l1-head">{formatCount(l1.head)}</dd>
        </div>
        <div title={basis}>
          <dt>L1 finalized</dt>
          <dd data-testid="l1-finalized">{formatCount(l1.finalized)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <span className={`dot ${stale ? 'dot-stale' : 'dot-live'}`} aria-hidden="true" /> <Age at={snapshot.updatedAt} />
          </dd>
        </div>
      </dl>
      <ThemeToggle />
    </header>
  )
}
