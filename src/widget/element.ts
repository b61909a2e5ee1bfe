/**
 * `<vigil-widget>`: the tips and a "verified" badge for the latest (or a given) block, checked
 * in the visitor's browser by the light client (docs/widget.md). Styles live in a shadow root.
 *
 * Attributes (all optional; changes apply at once):
 *   config  URL of the chain config (default: `devnet.json` at the root of the site serving this script)
 *   block   `latest` (default), a height, or a block hash
 *   tip     which tip `latest` follows: proposed (default) | attested | mined | finalized
 *   mode    `inline` (default: the client runs in a worker on this page) | `iframe` (the widget
 *           page from the script's origin in an iframe: its own storage, nothing runs here)
 *   theme   `light` | `dark` (default: the system's)
 *   config-pending  set while whoever created the element is still fetching its config: nothing starts
 *   config-url  iframe mode: a config on ANOTHER origin, fetched by the widget page with CORS (the
 *           config's server allows it with Access-Control-Allow-Origin), validated, its origin shown
 *
 * Property: `config` — a ClientConfig object or a URL (a string reflects to the attribute).
 *
 * Events: `vigil-verified` (detail: the VerifyReport) and `vigil-error` (detail: ErrorRecord),
 * bubbling and composed, in iframe mode too (posted by the frame, origin- and source-checked here).
 *
 * "Verified" means what the explorer's Verify now means (src/widget/claim.ts), and the footer
 * says exactly what was checked: it names L1 only when the block's L1 facts were proven
 * against an anchored L1 block (`data-l1="proven"`, `data-l1-block`).
 */
import { createLightClient } from '../client/page/api'
import type { VigilClient } from '../client/page/remote'
import type { AnchorKind, BlockView, VerifyReport } from '../client/shared/types'
import type { ClientConfig } from '../client/shared/config'
import type { ErrorRecord } from '../core/errors'
import { LIVE_STATUSES, type LiveStatus, type Tips } from '../core/types'
import { WIDGET_CSS } from './styles'
import { l1Checkpoint, widgetClaim } from './claim'
import workerUrl from '../../workers/client.worker.ts?worker&url'

/** Where this script was loaded from (a chunk under assets/ once built). */
const SCRIPT_URL = import.meta.url
/** The root of the Vigil site that served the script: the default config, the iframe page and the explorer live there. */
const SITE_URL = new URL(import.meta.env.BASE_URL, SCRIPT_URL).href

export const WIDGET_TAG = 'vigil-widget'
const VERIFY_EVERY_MS = 3_000

/** The light client's module worker. From another origin a worker cannot be constructed directly, so a same-origin blob module imports it (CORS). */
export function createWidgetWorker(): Worker {
  const url = new URL(workerUrl, SCRIPT_URL)
  if (url.origin === location.origin) return new Worker(url, { type: 'module', name: 'vigil-widget' })
  const blob = new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' })
  return new Worker(URL.createObjectURL(blob), { type: 'module', name: 'vigil-widget' })
}

/** One client per config (URL, or the object's JSON) on a page, shared by every widget using it (one worker, one store writer). */
const shared = new Map<string, { client: Promise<VigilClient>; users: number }>()

function acquire(key: string, config: ClientConfig | string): Promise<VigilClient> {
  let s = shared.get(key)
  if (!s) {
    s = { client: createLightClient(config, { createWorker: createWidgetWorker }), users: 0 }
    s.client.catch(() => shared.delete(key))
    shared.set(key, s)
  }
  s.users++
  return s.client
}

function release(configUrl: string): void {
  const s = shared.get(configUrl)
  if (!s) return
  if (--s.users > 0) return
  shared.delete(configUrl)
  void s.client.then((c) => c.close()).catch(() => undefined)
}

const fmt = (n: number) => n.toLocaleString('en-US')
/** The footer while no report is shown: where checks run, no claim about what passed. */
const NEUTRAL_FOOTER = 'checks run in your browser, not on a server'
const short = (h: string) => `${h.slice(0, 6)}…${h.slice(-4)}`

const LOGO = `<svg viewBox="0 0 32 32" width="16" height="16" aria-hidden="true"><rect width="32" height="32" rx="7" fill="currentColor"/><path d="M8 10l8 13 8-13" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`

type BadgeState = 'starting' | 'waiting' | 'verifying' | 'verified' | 'invalid' | 'error'

/** The events a `<vigil-widget>` dispatches (inline and iframe mode alike). */
export interface VigilWidgetEventMap extends HTMLElementEventMap {
  'vigil-verified': CustomEvent<VerifyReport>
  'vigil-error': CustomEvent<ErrorRecord>
}

/** What the iframe page posts to its parent (src/widget/frame.ts): its size and state, and the element's events. */
export type FrameMessage =
  | { type: 'vigil-widget-size'; height: number; state: string | null }
  | { type: 'vigil-widget-event'; event: 'vigil-verified' | 'vigil-error'; detail: unknown }
  | { type: 'vigil-widget-config-request' }

export const FORWARDED_EVENTS = ['vigil-verified', 'vigil-error'] as const

export class VigilWidget extends HTMLElement {
  static observedAttributes = ['config', 'config-url', 'config-pending', 'block', 'tip', 'mode', 'theme']

  private readonly root: ShadowRoot
  private client: VigilClient | null = null
  private configUrl: string | null = null
  private offs: (() => void)[] = []
  private tips: Tips | null = null
  private report: VerifyReport | null = null
  /** The client's active L1 anchor (snapshot.trust.active): a change re-verifies. */
  private trustActive: AnchorKind | null = null
  private lastVerifyKey = ''
  private lastVerifyAt = 0
  private verifying = false
  private timer: ReturnType<typeof setTimeout> | null = null
  private generation = 0
  private frameListener: ((e: MessageEvent) => void) | null = null
  /** A config given as an object through the `config` property (wins over the attribute). */
  private configObject: ClientConfig | null = null
  /** Shown in the head when the config came from another origin than this widget's site (iframe + config-url). */
  private configFrom: string | null = null

  constructor() {
    super()
    this.root = this.attachShadow({ mode: 'open' })
  }

  /** The chain config: the object given to this property, else the `config` attribute (a URL), else null (the default). */
  get config(): ClientConfig | string | null {
    return this.configObject ?? this.getAttribute('config')
  }

  /** A ClientConfig object, or a URL (reflected to the `config` attribute); null returns to the default. Restarts. */
  set config(v: ClientConfig | string | null) {
    if (typeof v === 'string') {
      this.configObject = null
      if (this.getAttribute('config') === v) this.restartIfConnected()
      else this.setAttribute('config', v)
      return
    }
    this.configObject = v && typeof v === 'object' ? v : null
    if (v === null || v === undefined) this.removeAttribute('config')
    this.restartIfConnected()
  }

  /** Where the config came from, when it is not this widget's own site (set by the iframe page for `config-url`). */
  set configOrigin(origin: string | null) {
    this.configFrom = origin
    this.renderTips()
  }

  /** Shows a coded error on the badge and dispatches `vigil-error` (the iframe page uses it for a config-url that fails). */
  fail(e: ErrorRecord): void {
    this.showError(e)
  }

  override addEventListener<K extends keyof VigilWidgetEventMap>(type: K, listener: (this: VigilWidget, ev: VigilWidgetEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options)
  }

  override removeEventListener<K extends keyof VigilWidgetEventMap>(type: K, listener: (this: VigilWidget, ev: VigilWidgetEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options)
  }

  private restartIfConnected(): void {
    if (this.isConnected) this.restart()
  }

  connectedCallback(): void {
    // a `config` set on the element before widget.js defined it is an own property shadowing the setter
    if (Object.prototype.hasOwnProperty.call(this, 'config')) {
      const v = (this as unknown as { config: ClientConfig | string | null }).config
      delete (this as unknown as { config?: unknown }).config
      this.configObject = v && typeof v === 'object' ? v : null
      if (typeof v === 'string') this.setAttribute('config', v)
    }
    this.restart()
  }

  disconnectedCallback(): void {
    this.teardown()
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value || !this.isConnected) return
    if (name === 'theme') return
    if (name === 'block' || name === 'tip') {
      this.lastVerifyKey = ''
      this.report = null
      this.setBadge('waiting', 'Verifying the new target…', '')
      this.scheduleVerify()
      return
    }
    this.restart()
  }

  /** The resolved config URL: the attribute (relative to the page) or devnet.json next to the script. */
  get configURL(): string {
    const attr = this.getAttribute('config')
    return attr ? new URL(attr, location.href).href : new URL('devnet.json', SITE_URL).href
  }

  private get target(): string {
    return (this.getAttribute('block') ?? 'latest').trim() || 'latest'
  }

  private get tipName(): LiveStatus {
    const t = this.getAttribute('tip') as LiveStatus | null
    return t && (LIVE_STATUSES as readonly string[]).includes(t) ? t : 'proposed'
  }

  private teardown(): void {
    this.generation++
    for (const off of this.offs) off()
    this.offs = []
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.frameListener) window.removeEventListener('message', this.frameListener)
    this.frameListener = null
    if (this.configUrl) release(this.configUrl)
    this.configUrl = null
    this.client = null
    this.tips = null
    this.report = null
    this.trustActive = null
    this.lastVerifyKey = ''
  }

  private restart(): void {
    this.teardown()
    const gen = this.generation
    if (this.getAttribute('mode') === 'iframe') return this.renderFrame()
    this.renderShell()
    if (this.hasAttribute('config-pending')) return this.setBadge('starting', 'Loading the chain config…', '')
    let key: string
    let source: ClientConfig | string
    if (this.configObject) {
      key = `json:${JSON.stringify(this.configObject)}`
      source = this.configObject
    } else {
      try {
        key = source = this.configURL
      } catch {
        return this.showError({ code: 'CONFIG_INVALID', severity: 'hard', message: `config="${this.getAttribute('config')}" is not a URL` })
      }
    }
    this.configUrl = key
    this.setBadge('starting', 'Starting the light client…', 'in this browser, nothing trusted')
    acquire(key, source).then(
      (client) => {
        if (gen !== this.generation) return
        this.client = client
        this.offs.push(
          client.onTips((tips) => {
            this.tips = tips
            this.renderTips()
            this.scheduleVerify()
          }),
          client.onError((e) => this.showError(e.toRecord())),
          client.subscribe((snap) => {
            const active = snap.trust?.active ?? null
            if (active === this.trustActive) return
            this.trustActive = active
            this.scheduleVerify()
          }),
        )
      },
      (e: unknown) => {
        if (gen !== this.generation) return
        const rec = e && typeof e === 'object' && 'toRecord' in e ? (e as { toRecord(): ErrorRecord }).toRecord() : { code: 'INTERNAL' as const, severity: 'hard' as const, message: String(e) }
        this.showError(rec)
      },
    )
  }

  /** The block to verify now: a fixed one, or the followed tip's current hash. */
  private targetQuery(): string | null {
    const t = this.target
    if (t !== 'latest') return t
    return this.tips?.[this.tipName]?.hash ?? null
  }

  private scheduleVerify(): void {
    if (this.timer || !this.client) return
    const wait = Math.max(0, VERIFY_EVERY_MS - (Date.now() - this.lastVerifyAt))
    this.timer = setTimeout(() => {
      this.timer = null
      void this.verifyNow()
    }, wait)
  }

  private async verifyNow(): Promise<void> {
    const client = this.client
    const q = this.targetQuery()
    if (!client || this.verifying) return
    if (!q) return this.setBadge('waiting', `Waiting for the first ${this.tipName} block…`, '')
    // re-verify when the block or what is known of it changes (proposed → mined, its L1 proof arrives, the anchor changes)
    const held = await client.getBlock(q).catch(() => null)
    if (!held) return this.setBadge('waiting', `Block ${this.target === 'latest' ? '' : this.target} not synced yet`, 'it will be verified when it arrives')
    const trustActive = client.snapshot().trust?.active ?? null
    const cp = l1Checkpoint(held)
    const key = `${held.summary.hash}:${held.summary.status}:${cp?.proof?.blockNumber ?? '-'}:${cp?.finality?.blockNumber ?? '-'}:${trustActive ?? '-'}`
    if (key === this.lastVerifyKey && this.report) return
    this.verifying = true
    this.lastVerifyAt = Date.now()
    if (!this.report) this.setBadge('verifying', `Verifying block ${fmt(held.summary.height)}…`, '')
    const gen = this.generation
    try {
      const report = await client.verifyBlock(held.summary.hash)
      if (gen !== this.generation) return
      this.report = report
      this.lastVerifyKey = key
      this.renderReport(report, held, trustActive)
      this.dispatchEvent(new CustomEvent('vigil-verified', { detail: report, bubbles: true, composed: true }))
    } catch (e) {
      if (gen !== this.generation) return
      const rec = e && typeof e === 'object' && 'toRecord' in e ? (e as { toRecord(): ErrorRecord }).toRecord() : { code: 'INTERNAL' as const, severity: 'hard' as const, message: String(e) }
      this.setBadge('error', `Could not verify: ${rec.code}`, rec.message)
    } finally {
      this.verifying = false
    }
    // a newer tip may have arrived meanwhile
    if (this.target === 'latest' && this.tips?.[this.tipName]?.hash !== this.report?.hash) this.scheduleVerify()
  }

  // ------------------------------------------------------------------ rendering

  private renderShell(): void {
    this.root.innerHTML = `<style>${WIDGET_CSS}</style>
<section class="card" role="group" aria-label="Vigil light client" part="card">
  <div class="head" part="head"><span class="brand">${LOGO}Vigil</span><span><span class="dot" part="dot"></span><span class="chain" part="chain">connecting…</span></span></div>
  <dl class="tips" aria-label="Chain tips" part="tips">${LIVE_STATUSES.map((s) => `<div class="tip" part="tip tip-${s}"><dt>${s}</dt><dd data-tip="${s}">–</dd></div>`).join('')}</dl>
  <div class="badge" data-state="starting" role="status" aria-live="polite" part="badge"><span class="mark" aria-hidden="true" part="mark"><span class="spin"></span></span><span class="badge-text"><span class="badge-title" part="badge-title"></span><span class="badge-detail" part="badge-detail"></span></span></div>
  <div class="foot" part="foot"><span class="claim" part="claim">${NEUTRAL_FOOTER}</span><a class="details" href="#" target="_blank" rel="noopener" part="link">explorer ↗</a></div>
</section>`
    const a = this.root.querySelector<HTMLAnchorElement>('.details')!
    a.href = SITE_URL
  }

  private renderTips(): void {
    const tips = this.tips
    if (!tips) return
    for (const s of LIVE_STATUSES) {
      const dd = this.root.querySelector(`[data-tip="${s}"]`)
      if (dd) dd.textContent = tips[s] ? fmt(tips[s]!.height) : '–'
    }
    const dot = this.root.querySelector('.dot')
    dot?.classList.add('live')
    const chain = this.root.querySelector('.chain')
    if (chain && this.client) chain.textContent = `L2 ${this.client.config.l2ChainId} · live${this.configFrom ? ` · config from ${this.configFrom}` : ''}`
  }

  private setBadge(state: BadgeState, title: string, detail: string): void {
    const b = this.root.querySelector<HTMLElement>('.badge')
    if (!b) return
    b.dataset.state = state
    this.dataset.state = state
    const mark = b.querySelector('.mark')!
    if (state === 'verified') mark.textContent = '✓'
    else if (state === 'invalid' || state === 'error') mark.textContent = '✗'
    else mark.innerHTML = '<span class="spin"></span>'
    b.querySelector('.badge-title')!.textContent = title
    b.querySelector('.badge-detail')!.textContent = detail
    if (state !== 'verified' && state !== 'invalid') {
      // no report on screen: the footer claims nothing
      const foot = this.root.querySelector('.claim')
      if (foot) foot.textContent = NEUTRAL_FOOTER
      delete this.dataset.l1
      delete this.dataset.l1Block
    }
  }

  private renderReport(r: VerifyReport, held: BlockView, trustActive: AnchorKind | null): void {
    const passed = r.checks.filter((c) => c.status === 'pass').length
    const a = this.root.querySelector<HTMLAnchorElement>('.details')
    if (a) a.href = new URL(`#/block/${r.hash}`, SITE_URL).href
    this.dataset.block = r.hash
    this.dataset.height = String(r.height)
    const claim = widgetClaim(r, held.summary.status, l1Checkpoint(held), trustActive, held.summary.error?.code ?? null)
    this.dataset.l1 = claim.l1 ? 'proven' : 'unproven'
    if (claim.l1) this.dataset.l1Block = String(claim.l1.blockNumber)
    else delete this.dataset.l1Block
    const foot = this.root.querySelector('.claim')
    if (foot) foot.textContent = claim.footer
    if (claim.verified) {
      const proofs = claim.l1 ? ` · ${claim.l1.proofs} L1 proofs` : ''
      this.setBadge('verified', claim.title, `${passed} of ${r.checks.length} checks passed${proofs} · ${short(r.hash)}`)
    } else {
      const first = r.checks.find((c) => c.status === 'fail')?.detail ?? r.proofs?.find((p) => p.status === 'fail')?.detail
      this.setBadge('invalid', claim.title, `${claim.failed.join(', ')}${first ? `: ${first}` : ''}`)
    }
  }

  private showError(e: ErrorRecord): void {
    if (!this.root.querySelector('.badge')) this.renderShell()
    const hint = typeof e.details?.hint === 'string' ? ` ${e.details.hint}` : ''
    this.setBadge('error', `${e.code}`, `${e.message}.${hint}`)
    this.dispatchEvent(new CustomEvent('vigil-error', { detail: e, bubbles: true, composed: true }))
  }

  /**
   * iframe mode: the widget page from the script's origin (its own storage and worker). It posts
   * its height and state, and the element's events, which are re-dispatched here — only from
   * that frame's window and origin. `config-url` (another origin's config, CORS) and a `config`
   * object (posted to the frame when it asks) are passed on; the page validates either.
   */
  private renderFrame(): void {
    const page = new URL('widget.html', SITE_URL)
    for (const k of ['block', 'tip', 'theme', 'config'] as const) {
      const v = this.getAttribute(k)
      if (v !== null && v !== '') page.searchParams.set(k, v)
    }
    const configUrl = this.getAttribute('config-url')
    if (configUrl) {
      try {
        page.searchParams.set('config-url', new URL(configUrl, location.href).href)
      } catch {
        page.searchParams.set('config-url', configUrl) // the frame reports it as CONFIG_INVALID
      }
    }
    if (this.configObject) page.searchParams.set('config-from', 'parent')
    page.searchParams.set('parent-origin', location.origin)
    this.root.innerHTML = `<style>${WIDGET_CSS}</style>`
    const frame = document.createElement('iframe')
    frame.title = 'Vigil light client widget'
    frame.src = page.href
    frame.loading = 'lazy'
    frame.setAttribute('part', 'frame')
    frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups')
    this.root.append(frame)
    const config = this.configObject
    this.frameListener = (e: MessageEvent) => {
      if (e.origin !== page.origin || e.source !== frame.contentWindow) return
      const d = e.data as Partial<FrameMessage> & { type?: string; height?: unknown; state?: unknown; event?: unknown; detail?: unknown }
      if (d?.type === 'vigil-widget-size') {
        if (typeof d.height === 'number' && d.height > 0 && d.height < 2000) frame.style.height = `${Math.ceil(d.height)}px`
        if (typeof d.state === 'string') this.dataset.state = d.state
      } else if (d?.type === 'vigil-widget-event' && (FORWARDED_EVENTS as readonly unknown[]).includes(d.event) && typeof d.detail === 'object' && d.detail !== null) {
        const detail = d.detail as { hash?: unknown; height?: unknown }
        if (d.event === 'vigil-verified' && typeof detail.hash === 'string' && typeof detail.height === 'number') {
          this.dataset.block = detail.hash
          this.dataset.height = String(detail.height)
        }
        this.dispatchEvent(new CustomEvent(d.event as string, { detail: d.detail, bubbles: true, composed: true }))
      } else if (d?.type === 'vigil-widget-config-request' && config) {
        frame.contentWindow?.postMessage({ type: 'vigil-widget-config', config }, page.origin)
      }
    }
    window.addEventListener('message', this.frameListener)
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'vigil-widget': VigilWidget
  }
}

export function defineWidget(tag = WIDGET_TAG): void {
  if (!customElements.get(tag)) customElements.define(tag, VigilWidget)
}
