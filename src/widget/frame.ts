/**
 * `widget.html`: the widget as a page of its own, for iframe embedding (`<vigil-widget
 * mode="iframe">` or a plain `<iframe src=".../widget.html?block=…">`). It runs the client on
 * Vigil's origin and tells its parent its height (postMessage, no data beyond that).
 * `?config=` must be same-origin here: this page vouches for what it shows under its origin.
 */
import { resolveConfigUrl } from '../client/page/page'
import { defineWidget, WIDGET_TAG } from './element'

defineWidget()
const params = new URLSearchParams(location.search)
const el = document.createElement(WIDGET_TAG)
for (const k of ['block', 'tip', 'theme'] as const) {
  const v = params.get(k)
  if (v) el.setAttribute(k, v)
}
try {
  el.setAttribute('config', resolveConfigUrl(undefined, location.href))
} catch (e) {
  el.setAttribute('config', 'about:invalid')
  console.error(e)
}
el.style.maxWidth = 'none'
document.body.append(el)

const report = () => {
  if (window.parent === window) return
  window.parent.postMessage({ type: 'vigil-widget-size', height: document.documentElement.scrollHeight, state: el.dataset.state ?? null }, '*')
}
new ResizeObserver(report).observe(document.documentElement)
new MutationObserver(report).observe(el, { attributes: true, attributeFilter: ['data-state'] })
report()
