/**
 * The explorer's transaction and checkpoint pages, previous/next/latest, the header's theme
 * toggle, dates next to ages (Intl), and links to the L1 explorer a config names (`l1Explorer`,
 * validated by parseClientConfig). Rendered with react-dom/server from fixtures; the pages
 * against a devnet in Chromium: test/e2e/explorer.test.ts.
 */
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { l1ExplorerUrl, parseClientConfig } from '../../src/client/shared/config'
import type { BlockListPage, BlockListQuery, BlockView } from '../../src/client/shared/types'
import { VigilError } from '../../src/core/errors'
import { formatAge, formatDate } from '../../src/ui/format'
import { ThemeToggle } from '../../src/ui/Header'
import { findCheckpoint } from '../../src/ui/lookup'
import { HeightNav } from '../../src/ui/pages/BlockPage'
import { CheckpointView } from '../../src/ui/pages/CheckpointPage'
import { bodyVerdict, TxPlacements } from '../../src/ui/pages/TxPage'
import { LocaleContext } from '../../src/ui/parts'
import { isTypingTarget } from '../../src/ui/platform'
import { href, parseRoute } from '../../src/ui/router'
import { NowProvider } from '../../src/ui/useNow'
import { blockView, checkpoint, h, minedProof, NOW } from './ui-trust.fixtures'

const BASE = { l2ChainId: 7, l1: { chainId: 1, rpcUrls: ['http://127.0.0.1:8545'], rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3', deployBlock: 0 }, bootstrap: [], mode: 'light' }
const ETHERSCAN = 'https://etherscan.io/{kind}/{id}'
const pinned = (node: React.ReactNode) =>
  renderToString(
    <NowProvider value={NOW}>
      <LocaleContext.Provider value={{ locale: 'en-GB', timeZone: 'UTC' }}>{node}</LocaleContext.Provider>
    </NowProvider>,
  )

describe('routes', () => {
  it('#/tx/<hash> and #/checkpoint/<n> are pages of their own', () => {
    const tx = h(0x7e)
    expect(parseRoute(href.tx(tx))).toEqual({ page: 'tx', hash: tx })
    expect(parseRoute(href.checkpoint(12))).toEqual({ page: 'checkpoint', n: 12 })
    expect(parseRoute('#/checkpoint/abc')).toEqual({ page: 'not-found', path: '/checkpoint/abc' })
    expect(parseRoute('#/tx')).toEqual({ page: 'dashboard' })
  })
})

describe('l1Explorer in the config', () => {
  it('an http(s) template with {kind} and {id} is kept; anything else is CONFIG_INVALID naming the field', () => {
    expect(parseClientConfig({ ...BASE, l1Explorer: ETHERSCAN }).l1Explorer).toBe(ETHERSCAN)
    expect(parseClientConfig(BASE).l1Explorer).toBeUndefined()
    for (const bad of ['https://etherscan.io/tx/{id}', 'javascript:alert(1)//{kind}{id}', 'ftp://x/{kind}/{id}', 'https://x/{kind}/{id}/{other}', 42, `https://x/${'a'.repeat(600)}/{kind}/{id}`]) {
      let e: unknown
      try {
        parseClientConfig({ ...BASE, l1Explorer: bad })
      } catch (err) {
        e = err
      }
      expect(e, String(bad)).toBeInstanceOf(VigilError)
      expect((e as VigilError).code).toBe('CONFIG_INVALID')
      expect((e as VigilError).message).toContain('l1Explorer')
    }
  })

  it('links: tx, block and address paths; none without a template', () => {
    expect(l1ExplorerUrl(ETHERSCAN, 'tx', h(0x7a))).toBe(`https://etherscan.io/tx/${h(0x7a)}`)
    expect(l1ExplorerUrl(ETHERSCAN, 'block', 117)).toBe('https://etherscan.io/block/117')
    expect(l1ExplorerUrl(undefined, 'tx', h(1))).toBeNull()
  })
})

describe('dates next to ages, through Intl', () => {
  it('formatDate follows the locale and time zone; formatAge with a locale uses Intl.RelativeTimeFormat', () => {
    const at = Date.UTC(2026, 11, 4, 18, 33, 40)
    expect(formatDate(at, { locale: 'en-GB', timeZone: 'UTC' })).toBe('4 Dec 2026, 18:33:40 UTC')
    expect(formatDate(at, { locale: 'en-US', timeZone: 'UTC' })).toMatch(/^Dec 4, 2026, 6:33:40\sPM UTC$/)
    expect(formatDate(at, { locale: 'de-DE', timeZone: 'UTC' })).toMatch(/^04\.12\.2026, 18:33:40 (UTC|GMT)$/)
    expect(formatAge(NOW - 3_000, NOW, 'en')).toBe('3 sec. ago')
    expect(formatAge(NOW - 4 * 60_000, NOW, 'fr')).toMatch(/^il y a 4\s+min$/)
    expect(formatAge(NOW, NOW, 'en')).toBe('now')
    // no locale (server rendering): the compact form the tests and the CLI use
    expect(formatAge(NOW - 3_000, NOW)).toBe('3 s ago')
  })
})

describe('transaction page', () => {
  const tx = h(0x7e)
  const held = (): BlockView => ({
    ...blockView('mined', [checkpoint('mined', { proof: minedProof })]),
    bodyState: 'verified-not-held',
    bodySource: 'gossip',
    summary: { ...blockView('mined', []).summary, checks: { ...blockView('mined', []).summary.checks, body: true } },
  })

  it('which block, the position, the body verification status, the checkpoint and its L1 transaction (linked)', () => {
    const html = pinned(<TxPlacements hash={tx} placements={[{ hit: { kind: 'tx', txHash: tx, hash: h(0x30), height: 30, index: 2, status: 'mined' }, view: held(), effect: null }]} l1Explorer={ETHERSCAN} />)
    expect(html).toContain('data-testid="tx-head"')
    expect(html).toContain(`href="#/block/${h(0x30)}?tx=${tx}"`)
    expect(html).toMatch(/data-testid="tx-position"[^>]*>2(<!-- -->)? of (<!-- -->)?0/)
    expect(html).toContain('data-verified="true"')
    expect(html).toContain('verified: the body hashes to the header’s bodyHash (from gossip); light mode keeps only the tx index')
    expect(html).toContain('href="#/checkpoint/5"')
    expect(html).toContain(`href="https://etherscan.io/tx/${h(0x7a)}"`)
    expect(html).toContain('href="https://etherscan.io/block/117"')
    // the date next to the age, in the pinned locale
    expect(html).toContain('14 Nov 2023, 22:14:00 UTC')
  })

  it('no L1 explorer configured: no external link at all', () => {
    const html = pinned(<TxPlacements hash={tx} placements={[{ hit: { kind: 'tx', txHash: tx, hash: h(0x30), height: 30, index: 0, status: 'mined' }, view: held(), effect: null }]} />)
    expect(html).not.toContain('etherscan')
    expect(html).not.toContain('data-testid="l1-tx-link"')
  })

  it('body verdicts: verified, failed, not yet, block gone', () => {
    const v = held()
    expect(bodyVerdict(v).verified).toBe(true)
    expect(bodyVerdict({ ...v, summary: { ...v.summary, checks: { ...v.summary.checks, body: false } } })).toMatchObject({ verified: false })
    expect(bodyVerdict({ ...v, summary: { ...v.summary, checks: {} } })).toMatchObject({ verified: null })
    expect(bodyVerdict(null)).toMatchObject({ verified: null, text: 'the block is no longer held' })
  })
})

describe('checkpoint page', () => {
  it('its blocks, L1 tx (linked), quorum and proofs', () => {
    const view = blockView('mined', [checkpoint('mined', { proof: minedProof, headerHashes: [h(0x30), h(0x31)] })])
    const html = pinned(<CheckpointView found={{ checkpoint: view.checkpoints[0]!, block: view }} l1Explorer={ETHERSCAN} />)
    expect(html).toContain('data-testid="checkpoint-head"')
    expect(html).toContain('data-number="5"')
    expect(html.match(/data-testid="checkpoint-block"/g)).toHaveLength(2)
    expect(html).toContain(`href="#/block/${h(0x31)}"`)
    expect(html).toContain('data-testid="quorum"')
    expect(html).toContain('data-testid="checkpoint-proof"')
    expect(html).toContain(`href="https://etherscan.io/tx/${h(0x7a)}"`)
    expect(html).toContain('href="#/checkpoint/4"')
    expect(html).toContain('href="#/checkpoint/6"')
  })

  it('findCheckpoint: a binary search over held heights (gaps included), then the block’s checkpoint view', async () => {
    // heights 1..1000, 4 blocks a checkpoint (checkpoint = ceil(h / 4)), heights 500..520 not held
    const held = (x: number) => x >= 1 && x <= 1000 && (x < 500 || x > 520)
    let reads = 0
    const client = {
      async listBlocks(q: BlockListQuery = {}): Promise<BlockListPage> {
        reads++
        const from = q.fromHeight ?? 1000
        const to = q.toHeight ?? from
        const rows = []
        for (let x = Math.min(to, 1000); x >= Math.max(from, 1); x--) if (held(x)) rows.push({ height: x, others: 0, block: { ...blockView('mined', []).summary, height: x, hash: h(x % 256), checkpointNumber: Math.ceil(x / 4) } })
        return { rows: rows.slice(0, q.limit ?? 100), lowest: 1, highest: 1000 }
      },
      async getBlock(q: string | number): Promise<BlockView | null> {
        return blockView('mined', [checkpoint('mined', { checkpointNumber: 42, id: String(q) }), checkpoint('orphaned', { checkpointNumber: 42 })])
      },
    }
    const found = await findCheckpoint(client, 42)
    expect(found?.checkpoint.checkpointNumber).toBe(42)
    expect(found?.checkpoint.status).toBe('mined')
    expect(reads).toBeLessThan(20)
    expect(await findCheckpoint(client, 128)).toBeNull() // blocks 509..512: not held
    expect(await findCheckpoint(client, 9999)).toBeNull()
  })
})

describe('block navigation, theme toggle, the / shortcut', () => {
  it('previous / next / latest by height', () => {
    const mid = renderToString(<HeightNav height={30} latest={42} />)
    expect(mid).toContain('href="#/block/29"')
    expect(mid).toContain('href="#/block/31"')
    expect(mid).toContain('href="#/block/42"')
    const top = renderToString(<HeightNav height={42} latest={42} />)
    expect(top).not.toContain('data-testid="nav-next"')
    expect(top).toContain('data-testid="nav-latest-current"')
    expect(renderToString(<HeightNav height={1} latest={null} />)).not.toContain('data-testid="nav-prev"')
  })

  it('the header has a theme toggle (system by default, next: light)', () => {
    const html = renderToString(<ThemeToggle />)
    expect(html).toContain('data-theme-choice="system"')
    expect(html).toContain('Switch to light')
  })

  it('`/` does not steal typing in fields', () => {
    expect(isTypingTarget({ tagName: 'INPUT' })).toBe(true)
    expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true)
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true)
    expect(isTypingTarget({ tagName: 'BODY' })).toBe(false)
  })
})
