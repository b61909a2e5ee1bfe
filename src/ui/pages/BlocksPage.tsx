/**
 * Every stored block, newest first, as a virtualised list: only the ~20 rows in view are in the
 * DOM, and they are fetched from the worker in windows of 100 heights (`listBlocks`), so a
 * store of 1,000,000 blocks scrolls like one of 100. Past ~180,000 rows the scrollable height
 * is capped (browsers limit element heights) and scroll positions map onto heights linearly.
 *
 * Semantics: an ARIA table (`aria-rowcount` = all heights, `aria-rowindex` on each row), the
 * scroll area focusable (arrow keys, Page Up/Down), and a "go to height" form.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent } from 'react'
import type { BlockListRow } from '../../client/shared/types'
import { formatCount } from '../format'
import { Checks } from '../LatestBlocks'
import { Age, Section, StatusPill } from '../parts'
import { href } from '../router'
import { inputValue } from '../platform'

export const ROW_H = 44
const MAX_PX = 8_000_000
export const WINDOW = 100
const MAX_WINDOWS = 300
const OVERSCAN = 4

interface ScrollBox {
  scrollTop: number
  clientHeight: number
}

interface CachedWindow {
  rows: Map<number, BlockListRow>
  version: number
}

export interface BlockListSource {
  /** Rows for heights [from, to] (absent heights: not held). */
  fetchWindow(from: number, to: number): Promise<BlockListRow[]>
}

const windowOf = (height: number) => Math.floor((height - 1) / WINDOW)

/** The index math of a capped virtual list: which rows are in view and where they go. */
export function visibleRows(total: number, scrollTop: number, viewportH: number): { first: number; last: number; offset: number; spacer: number; ratio: number } {
  const content = total * ROW_H
  const spacer = Math.min(content, MAX_PX)
  const maxScroll = Math.max(0, spacer - viewportH)
  const contentMax = Math.max(0, content - viewportH)
  const ratio = maxScroll > 0 ? contentMax / maxScroll : 1
  const virtualTop = Math.min(Math.max(0, scrollTop), maxScroll) * ratio
  const first = Math.min(Math.max(0, total - 1), Math.floor(virtualTop / ROW_H))
  const offset = virtualTop - first * ROW_H
  const last = Math.min(total - 1, first + Math.ceil(viewportH / ROW_H) + OVERSCAN)
  return { first, last, offset, spacer, ratio }
}

export function VirtualBlockList({ lowest, highest, source, version, startHeight }: { lowest: number; highest: number; source: BlockListSource; version: number; startHeight?: number | null }) {
  const total = Math.max(0, highest - lowest + 1)
  const box = useRef<ScrollBox | null>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewportH, setViewportH] = useState(600)
  const cache = useRef(new Map<number, CachedWindow>())
  const loading = useRef(new Set<number>())
  const [, setTick] = useState(0)
  const prevHighest = useRef(highest)
  const { first, last, offset, spacer, ratio } = visibleRows(total, scrollTop, viewportH)

  // keep the same heights in view when new blocks arrive on top
  useLayoutEffect(() => {
    const d = highest - prevHighest.current
    prevHighest.current = highest
    const el = box.current
    if (el && d > 0 && el.scrollTop > 0) {
      el.scrollTop = el.scrollTop + (d * ROW_H) / ratio
      setScrollTop(el.scrollTop)
    }
  }, [highest, ratio])

  const scrollToHeight = useCallback(
    (h: number) => {
      const el = box.current
      if (!el) return
      const i = Math.min(Math.max(0, highest - h), Math.max(0, total - 1))
      el.scrollTop = (i * ROW_H) / ratio
      setScrollTop(el.scrollTop)
    },
    [highest, total, ratio],
  )

  const started = useRef(false)
  useLayoutEffect(() => {
    if (started.current || startHeight === null || startHeight === undefined || total === 0) return
    started.current = true
    scrollToHeight(startHeight)
  }, [startHeight, total, scrollToHeight])

  useEffect(() => {
    const el = box.current
    if (!el) return
    setViewportH(el.clientHeight || 600)
    const RO = (globalThis as { ResizeObserver?: new (cb: () => void) => { observe(e: unknown): void; disconnect(): void } }).ResizeObserver
    if (!RO) return
    const ro = new RO(() => setViewportH(el.clientHeight || 600))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // fetch the windows in view (and refetch them when the data version moves on)
  const topHeight = highest - first
  const bottomHeight = highest - last
  useEffect(() => {
    if (total === 0) return
    for (let w = windowOf(Math.max(lowest, bottomHeight)); w <= windowOf(topHeight); w++) {
      const c = cache.current.get(w)
      if ((c && c.version === version) || loading.current.has(w)) continue
      loading.current.add(w)
      const from = Math.max(lowest, w * WINDOW + 1)
      const to = Math.min(highest, (w + 1) * WINDOW)
      source.fetchWindow(from, to).then(
        (rows) => {
          loading.current.delete(w)
          cache.current.delete(w)
          cache.current.set(w, { rows: new Map(rows.map((r) => [r.height, r])), version })
          while (cache.current.size > MAX_WINDOWS) cache.current.delete(cache.current.keys().next().value!)
          setTick((t) => t + 1)
        },
        () => {
          loading.current.delete(w)
        },
      )
    }
  }, [topHeight, bottomHeight, lowest, highest, total, version, source])

  const [jump, setJump] = useState('')
  const onJump = (e: FormEvent) => {
    e.preventDefault()
    const h = Number(jump)
    if (Number.isSafeInteger(h)) scrollToHeight(h)
  }

  const rows = []
  for (let i = first; i <= last && total > 0; i++) {
    const height = highest - i
    const w = cache.current.get(windowOf(height))
    const row = w?.rows.get(height)
    rows.push(
      <div role="row" aria-rowindex={i + 2} key={height} className={`vrow ${row ? `row-${row.block.status}` : 'vrow-empty'}`} style={{ height: ROW_H }} data-testid="vrow" data-height={height} data-status={row?.block.status ?? (w ? 'absent' : 'loading')}>
        <span role="rowheader" className="vcell vcell-height">
          {row ? <a href={href.block(row.block.hash)}>{formatCount(height)}</a> : formatCount(height)}
        </span>
        {row ? (
          <>
            <span role="cell" className="vcell vcell-status">
              <StatusPill status={row.block.status} error={row.block.error} />
              {row.others > 0 ? <span className="muted small" title="other candidates at this height (orphaned or invalid)"> +{row.others}</span> : null}
            </span>
            <span role="cell" className="vcell vcell-checks">
              <Checks checks={row.block.checks} />
            </span>
            <span role="cell" className="vcell vcell-hash">
              <code title={row.block.hash}>{`${row.block.hash.slice(0, 10)}…${row.block.hash.slice(-6)}`}</code>
            </span>
            <span role="cell" className="vcell vcell-slot num">
              {formatCount(row.block.slot)} · {formatCount(row.block.checkpointNumber)}/{row.block.indexInCheckpoint}
            </span>
            <span role="cell" className="vcell vcell-txs num">
              {formatCount(row.block.txCount)}
            </span>
            <span role="cell" className="vcell vcell-source">
              {row.block.source}
            </span>
            <span role="cell" className="vcell vcell-age">
              <Age at={row.block.receivedAt} />
            </span>
          </>
        ) : (
          <span role="cell" className="vcell vcell-missing muted">
            {w ? 'not held by this client' : 'loading…'}
          </span>
        )}
      </div>,
    )
  }

  return (
    <>
      <form className="jump" onSubmit={onJump}>
        <label htmlFor="jump-height">Go to height</label>
        <input id="jump-height" type="number" inputMode="numeric" min={lowest} max={highest} value={jump} onChange={(e) => setJump(inputValue(e))} data-testid="jump-input" />
        <button type="submit" className="button button-small">
          Go
        </button>
        <button type="button" className="button button-small button-secondary" onClick={() => scrollToHeight(highest)}>
          Newest
        </button>
        <span className="muted small" data-testid="list-range">
          {formatCount(total)} heights · {formatCount(lowest)}–{formatCount(highest)}
        </span>
      </form>
      <div role="table" className="vtable" aria-label="Blocks, newest first" aria-rowcount={total + 1} data-testid="block-list" data-total={total}>
        <div role="rowgroup" className="vhead">
          <div role="row" aria-rowindex={1} className="vrow vrow-head">
            <span role="columnheader" className="vcell vcell-height">
              Height
            </span>
            <span role="columnheader" className="vcell vcell-status">
              Status
            </span>
            <span role="columnheader" className="vcell vcell-checks">
              Checks
            </span>
            <span role="columnheader" className="vcell vcell-hash">
              Hash
            </span>
            <span role="columnheader" className="vcell vcell-slot num">
              Slot · ckpt/idx
            </span>
            <span role="columnheader" className="vcell vcell-txs num">
              Txs
            </span>
            <span role="columnheader" className="vcell vcell-source">
              Source
            </span>
            <span role="columnheader" className="vcell vcell-age">
              Received
            </span>
          </div>
        </div>
        <div
          role="rowgroup"
          className="vbody"
          tabIndex={0}
          aria-label="Scrollable rows: arrow keys and Page Up/Down scroll"
          ref={(el) => {
            box.current = el as unknown as ScrollBox | null
          }}
          onScroll={(e) => setScrollTop((e.currentTarget as unknown as ScrollBox).scrollTop)}
          data-testid="block-list-scroll"
        >
          <div className="vspacer" style={{ height: spacer }}>
            {/* one translated window of rows in normal flow: scrolling moves one layer, no row relayouts */}
            <div className="vwindow" style={{ transform: `translateY(${Math.round(scrollTop - offset)}px)` }}>
              {rows}
            </div>
          </div>
        </div>
      </div>
    </>
  )
}

interface ListClient {
  listBlocks(q: { fromHeight?: number; toHeight?: number; limit?: number }): Promise<{ rows: BlockListRow[]; lowest: number | null; highest: number | null }>
}

/** The Blocks page: the range from the worker, refreshed as the chain moves (at most every 2 s). */
export function BlocksPage({ client, updatedAt, startHeight }: { client: ListClient | null; updatedAt: number; startHeight: number | null }) {
  const [range, setRange] = useState<{ lowest: number; highest: number } | null | undefined>(undefined)
  const version = Math.floor(updatedAt / 2000)
  const source = useRef<BlockListSource>({ fetchWindow: async () => [] })
  source.current = {
    fetchWindow: async (from, to) => (client ? (await client.listBlocks({ fromHeight: from, toHeight: to, limit: WINDOW })).rows : []),
  }
  const stable = useRef<BlockListSource>({ fetchWindow: (from, to) => source.current.fetchWindow(from, to) })
  useEffect(() => {
    if (!client) return
    let live = true
    client.listBlocks({ limit: 1 }).then(
      (p) => live && setRange(p.highest === null || p.lowest === null ? null : { lowest: p.lowest, highest: p.highest }),
      () => live && setRange(null),
    )
    return () => {
      live = false
    }
  }, [client, version])
  return (
    <Section id="blocks" title="Blocks" data-testid="blocks-page" extra={<span className="muted small">newest first · every block this client holds</span>}>
      {range === undefined ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : range === null ? (
        <p className="empty">No blocks stored yet.</p>
      ) : (
        <VirtualBlockList lowest={range.lowest} highest={range.highest} source={stable.current} version={version} startHeight={startHeight} />
      )}
    </Section>
  )
}
