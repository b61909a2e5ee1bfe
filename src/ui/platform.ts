/**
 * The few browser globals the views touch (location hash, localStorage, downloads, theme),
 * behind minimal types and guards. The views render under react-dom/server in Node (unit tests,
 * type-checked without DOM types: docs/ui.md), so nothing here assumes a window exists.
 */
interface MinimalWindow {
  location: { hash: string; href: string; replace(url: string): void }
  addEventListener(type: string, fn: () => void): void
  removeEventListener(type: string, fn: () => void): void
  localStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void }
  document: {
    documentElement: { dataset: Record<string, string | undefined> }
    createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void }
    body: { append(el: unknown): void }
  }
  URL: { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void }
  Blob: new (parts: string[], opts: { type: string }) => unknown
}

export function browser(): MinimalWindow | null {
  const w = (globalThis as { window?: unknown }).window
  return w ? (w as MinimalWindow) : null
}

export function getHash(): string {
  return browser()?.location.hash ?? ''
}

export function setHash(hash: string): void {
  const w = browser()
  if (w && w.location.hash !== hash) w.location.hash = hash
}

/** Moves to `hash` without a new history entry (a redirect). */
export function replaceHash(hash: string): void {
  browser()?.location.replace(hash)
}

export function onHashChange(fn: () => void): () => void {
  const w = browser()
  if (!w) return () => {}
  w.addEventListener('hashchange', fn)
  return () => w.removeEventListener('hashchange', fn)
}

export function readStored(key: string): string | null {
  try {
    return browser()?.localStorage?.getItem(key) ?? null
  } catch {
    return null // storage disabled (privacy mode, sandboxed iframe)
  }
}

export function writeStored(key: string, value: string | null): boolean {
  try {
    const ls = browser()?.localStorage
    if (!ls) return false
    if (value === null) ls.removeItem(key)
    else ls.setItem(key, value)
    return true
  } catch {
    return false
  }
}

/** Saves `text` as a file download (JSON exports). */
export function downloadText(filename: string, text: string, type = 'application/json'): void {
  const w = browser()
  if (!w) return
  const url = w.URL.createObjectURL(new w.Blob([text], { type }))
  const a = w.document.createElement('a')
  a.href = url
  a.download = filename
  w.document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => w.URL.revokeObjectURL(url), 10_000)
}

export type ThemeChoice = 'system' | 'light' | 'dark'

/** `data-theme` on <html> overrides prefers-color-scheme (styles.css); 'system' removes it. */
export function applyTheme(theme: ThemeChoice): void {
  const root = browser()?.document.documentElement
  if (!root) return
  if (theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}

/** The value of an input/select/textarea change event (typed without DOM lib types). */
export function inputValue(e: { target: unknown }): string {
  return (e.target as { value: string }).value
}

/** The part of a keydown event the shortcut needs. */
export interface KeyEventLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  altKey: boolean
  defaultPrevented: boolean
  target: unknown
  preventDefault(): void
}

/** Whether a key event is typing into a field (a shortcut must not steal it). */
export function isTypingTarget(target: unknown): boolean {
  const t = target as { tagName?: string; isContentEditable?: boolean } | null
  const tag = t?.tagName?.toLowerCase()
  return tag === 'input' || tag === 'textarea' || tag === 'select' || t?.isContentEditable === true
}

/** `/` focuses the element with `id` (the search box), as on GitHub, etherscan and otterscan; returns the unsubscribe. */
export function focusOnSlash(id: string): () => void {
  const w = browser() as (MinimalWindow & { addEventListener(type: 'keydown', fn: (e: KeyEventLike) => void): void; removeEventListener(type: 'keydown', fn: (e: KeyEventLike) => void): void }) | null
  if (!w) return () => {}
  const onKey = (e: KeyEventLike) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || isTypingTarget(e.target)) return
    const el = (w.document as unknown as { getElementById(id: string): { focus(): void; select?(): void } | null }).getElementById(id)
    if (!el) return
    e.preventDefault()
    el.focus()
    el.select?.()
  }
  w.addEventListener('keydown', onKey)
  return () => w.removeEventListener('keydown', onKey)
}
