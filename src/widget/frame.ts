/**
 * `widget.html`: the widget as a page of its own, for iframe embedding (`<vigil-widget
 * mode="iframe">` or a plain `<iframe src=".../widget.html?block=…">`). It runs the client on
 * Vigil's origin and posts its parent its height and state, and the element's `vigil-verified`
 * / `vigil-error` events (to `?parent-origin=` when given, which `<vigil-widget>` sets to its
 * page's origin). Which chain config:
 * - `?config=` must be same-origin here (this page vouches for what it shows under its origin);
 * - `?config-url=` may be ANOTHER origin's config: fetched with CORS (so only where that server
 *   allows it), no credentials, bounded, validated by parseClientConfig, and its origin is shown
 *   in the widget's head ("config from …"); a failure is a coded `vigil-error`;
 * - `?config-from=parent`: a ClientConfig object posted by the parent element (its `config`
 *   property), validated the same way and shown as "config from <parent origin>".
 */
import { resolveConfigUrl } from '../client/page/page'
import { parseClientConfig, type ClientConfig } from '../client/shared/config'
import { toErrorRecord, type ErrorRecord } from '../core/errors'
import { defineWidget, FORWARDED_EVENTS, WIDGET_TAG, type FrameMessage } from './element'

const CONFIG_FETCH_TIMEOUT_MS = 10_000
const CONFIG_MAX_BYTES = 64 * 1024

defineWidget()
const params = new URLSearchParams(location.search)
const el = document.createElement(WIDGET_TAG)
for (const k of ['block', 'tip', 'theme'] as const) {
  const v = params.get(k)
  if (v) el.setAttribute(k, v)
}

/** Where the parent's messages go: the embedding page's origin when known, else any parent (the data is public). */
const parentOrigin = (() => {
  const p = params.get('parent-origin')
  try {
    return p ? new URL(p).origin : '*'
  } catch {
    return '*'
  }
})()

const post = (m: FrameMessage) => {
  if (window.parent !== window) window.parent.postMessage(m, parentOrigin)
}

const configError = (message: string, details: Record<string, string | number | boolean | null> = {}): ErrorRecord => ({ code: 'CONFIG_INVALID', severity: 'hard', message, details })

/** Another origin's config, only where its server allows it (CORS); size- and time-bounded, then validated. */
async function fetchForeignConfig(raw: string): Promise<{ config: ClientConfig; origin: string }> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw configError(`config-url ${JSON.stringify(raw.slice(0, 200))} is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(`config-url must be http(s), got ${url.protocol}`)
  let res: Response
  try {
    res = await fetch(url, { mode: 'cors', credentials: 'omit', cache: 'no-store', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(CONFIG_FETCH_TIMEOUT_MS) })
  } catch (e) {
    throw {
      code: 'SOURCE_UNAVAILABLE',
      severity: 'soft',
      message: `cannot fetch the config at ${url.href} (its server must allow this origin with CORS: Access-Control-Allow-Origin): ${e instanceof Error ? e.message : String(e)}`,
      details: { url: url.href },
    } satisfies ErrorRecord
  }
  if (!res.ok) throw { code: res.status === 404 ? 'NOT_FOUND' : 'SOURCE_BAD_RESPONSE', severity: 'soft', message: `the config at ${url.href} answered HTTP ${res.status}`, details: { url: url.href, status: res.status } } satisfies ErrorRecord
  const text = await res.text()
  if (text.length > CONFIG_MAX_BYTES) throw configError(`the config at ${url.href} is larger than ${CONFIG_MAX_BYTES} bytes`, { url: url.href })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw configError(`the config at ${url.href} is not JSON`, { url: url.href })
  }
  try {
    return { config: parseClientConfig(json), origin: url.origin }
  } catch (e) {
    const rec = toErrorRecord(e)
    throw { ...rec, details: { ...(rec.details ?? {}), url: url.href } } satisfies ErrorRecord
  }
}

/** The parent element's `config` object: asked for by message, accepted only from the parent window and origin. */
function configFromParent(): Promise<{ config: ClientConfig; origin: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      window.removeEventListener('message', onMessage)
      reject(configError('the embedding page did not send its config'))
    }, CONFIG_FETCH_TIMEOUT_MS)
    const onMessage = (e: MessageEvent) => {
      if (e.source !== window.parent || (parentOrigin !== '*' && e.origin !== parentOrigin)) return
      const d = e.data as { type?: string; config?: unknown }
      if (d?.type !== 'vigil-widget-config') return
      clearTimeout(timer)
      window.removeEventListener('message', onMessage)
      try {
        resolve({ config: parseClientConfig(d.config), origin: e.origin })
      } catch (err) {
        reject(toErrorRecord(err))
      }
    }
    window.addEventListener('message', onMessage)
    post({ type: 'vigil-widget-config-request' })
  })
}

for (const name of FORWARDED_EVENTS) el.addEventListener(name, (e) => post({ type: 'vigil-widget-event', event: name, detail: (e as CustomEvent<unknown>).detail }))

const foreign = params.get('config-url') ? fetchForeignConfig(params.get('config-url')!) : params.get('config-from') === 'parent' ? configFromParent() : null
if (foreign) {
  // nothing starts until the config is known and valid
  el.setAttribute('config-pending', '')
} else {
  try {
    el.setAttribute('config', resolveConfigUrl(undefined, location.href))
  } catch (e) {
    el.setAttribute('config', 'about:invalid')
    console.error(e)
  }
}
el.style.maxWidth = 'none'
document.body.append(el)

if (foreign) {
  foreign.then(
    ({ config, origin }) => {
      if (origin !== location.origin) el.configOrigin = origin
      el.config = config
      el.removeAttribute('config-pending')
    },
    (e: unknown) => el.fail(typeof e === 'object' && e !== null && 'code' in e ? (e as ErrorRecord) : toErrorRecord(e)),
  )
}

const report = () => post({ type: 'vigil-widget-size', height: document.documentElement.scrollHeight, state: el.dataset.state ?? null })
new ResizeObserver(report).observe(document.documentElement)
new MutationObserver(report).observe(el, { attributes: true, attributeFilter: ['data-state'] })
report()
