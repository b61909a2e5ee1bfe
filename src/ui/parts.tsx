/** Small shared pieces: hashes, ages, status pills, sections. Props in, markup out. */
import { useEffect, useState, type ReactNode } from 'react'
import type { ErrorRecord } from '../core/errors'
import type { BlockStatus } from '../core/types'
import { createContext, useContext } from 'react'
import { l1ExplorerUrl, type L1ExplorerKind } from '../client/shared/config'
import { formatAge, formatClock, formatDate, isoTime, shortHash } from './format'
import { useNow } from './useNow'

/** The reader's locale and time zone for dates and ages (undefined: the browser's; tests pin them). */
export const LocaleContext = createContext<{ locale?: string; timeZone?: string } | null>(null)

/** The browser's preferred language (none under server rendering: then ages stay in the compact English form). */
function browserLocale(): string | undefined {
  return (globalThis as { navigator?: { language?: string } }).navigator?.language
}

function useLocale(): { locale: string | undefined; timeZone: string | undefined } {
  const ctx = useContext(LocaleContext)
  return { locale: ctx?.locale ?? browserLocale(), timeZone: ctx?.timeZone }
}

interface ClipboardLike {
  writeText(text: string): Promise<void>
}

/** The async clipboard, if this context has one (secure contexts; 127.0.0.1 counts). */
function clipboard(): ClipboardLike | null {
  const nav = (globalThis as { navigator?: { clipboard?: ClipboardLike } }).navigator
  return nav?.clipboard ?? null
}

/** Two overlapping sheets; an SVG because no common font has a copy glyph. */
function CopyIcon() {
  return (
    <svg className="copy-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
      <rect x="5.5" y="1.5" width="9" height="9" rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M3.5 5.5h-1a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h7a1 1 0 0 0 1-1v-1" fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  )
}

/** A short hash; the full value is in the title (hover) and one click/keypress away from the clipboard. */
export function Hash({ value, label = 'hash', head, tail }: { value: string | null | undefined; label?: string; head?: number; tail?: number }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  useEffect(() => {
    if (copied === null) return
    const t = setTimeout(() => setCopied(null), 1500)
    return () => clearTimeout(t)
  }, [copied])
  if (!value) return <span className="muted">–</span>
  const copy = () => {
    const cb = clipboard()
    if (!cb) return setCopied('failed')
    cb.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    )
  }
  return (
    <span className="hash">
      <code title={value} data-full={value}>
        {shortHash(value, head, tail)}
      </code>
      <button type="button" className="copy" onClick={copy} aria-label={`Copy full ${label} ${value}`} title={`Copy ${value}`}>
        {copied === 'yes' ? <span aria-hidden="true">✓</span> : copied === 'failed' ? <span aria-hidden="true">✗</span> : <CopyIcon />}
      </button>
      <span className="sr-only" role="status">
        {copied === 'yes' ? 'copied' : copied === 'failed' ? 'copy failed' : ''}
      </span>
    </span>
  )
}

/**
 * "3 s ago", re-rendered every second, in the reader's locale (`Intl.RelativeTimeFormat`). The
 * ticking text is aria-hidden (it would make a live region talk every second); screen readers
 * get the stable time instead. `date`: the full date and time next to the age
 * (`Intl.DateTimeFormat`), as block explorers show both.
 */
export function Age({ at, date = false }: { at: number | null | undefined; date?: boolean }) {
  const now = useNow()
  const { locale, timeZone } = useLocale()
  if (at === null || at === undefined) return <span className="muted">–</span>
  const full = formatDate(at, { locale, timeZone })
  return (
    <time className="age" dateTime={isoTime(at)} title={full}>
      <span aria-hidden="true">{formatAge(at, now, locale)}</span>
      {date ? (
        <span className="age-date" data-testid="age-date">
          {' '}
          · {full}
        </span>
      ) : (
        <span className="sr-only">at {formatClock(at)}</span>
      )}
    </time>
  )
}

/** A link to the L1 explorer the config names (`l1Explorer`), or just the children when it names none. */
export function L1Link({ kind, id, template, children, testid }: { kind: L1ExplorerKind; id: string | number; template: string | undefined; children: ReactNode; testid?: string }) {
  const url = l1ExplorerUrl(template, kind, id)
  if (!url) return kind === 'tx' ? null : <>{children}</>
  return (
    <a href={url} target="_blank" rel="noopener noreferrer" className="l1-link" data-testid={testid} title={`Open on the L1 explorer: ${url}`}>
      {children}
    </a>
  )
}

const STATUS_HELP: Record<BlockStatus, string> = {
  proposed: 'proposer-signed, seen on gossip',
  attested: 'checkpoint quorum of the committee seen',
  mined: 'checkpoint on L1, proven against an anchored L1 block',
  finalized: 'its L1 block is finalized by the L1 anchor',
  orphaned: 'replaced by a reorg',
  invalid: 'failed verification',
}

/** A colored status pill; invalid/orphaned carry the error code (title and, for invalid, visible text). */
export function StatusPill({ status, error }: { status: BlockStatus; error?: ErrorRecord | null }) {
  const title = error ? `${error.code}: ${error.message}` : STATUS_HELP[status]
  return (
    <span className="status">
      <span className={`pill pill-${status}`} title={title} data-error-code={error?.code}>
        {status}
      </span>
      {error && status === 'invalid' ? (
        <code className="err-code" title={error.message}>
          {error.code}
        </code>
      ) : null}
    </span>
  )
}

/** A titled page section; `id` names its heading for aria-labelledby. */
export function Section({ id, title, extra, children, className, ...rest }: { id: string; title: string; extra?: ReactNode; children: ReactNode; className?: string } & Record<`data-${string}`, string>) {
  return (
    <section className={`panel ${className ?? ''}`.trim()} aria-labelledby={`${id}-title`} {...rest}>
      <div className="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {extra}
      </div>
      {children}
    </section>
  )
}

/** A horizontally scrollable, keyboard-focusable wrapper for wide tables on narrow screens. */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>
}
