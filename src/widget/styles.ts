/**
 * The widget's stylesheet, scoped to its shadow root. `:host { all: initial }` stops the host
 * page's inherited styles (font, color, line-height) at the boundary; the widget's own custom
 * properties (`--vigil-*`) are the only way in, on purpose, so a host can theme it.
 */
export const WIDGET_CSS = `
:host {
  all: initial;
  display: block;
  max-width: 420px;
  contain: content;
  --vigil-bg: #ffffff;
  --vigil-fg: #14171c;
  --vigil-muted: #5b6472;
  --vigil-border: #dfe3e8;
  --vigil-accent: #1d4ed8;
  --vigil-good: #067647;
  --vigil-good-bg: #d3f5e0;
  --vigil-bad: #b42318;
  --vigil-bad-bg: #fee4e2;
  --vigil-wait-bg: #eaecf0;
  --vigil-radius: 12px;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif;
  font-size: 14px;
  line-height: 1.4;
  color: var(--vigil-fg);
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme='light'])) {
    --vigil-bg: #151b23;
    --vigil-fg: #e6e9ee;
    --vigil-muted: #98a2b3;
    --vigil-border: #2a323d;
    --vigil-accent: #7ea6ff;
    --vigil-good: #7fe0ab;
    --vigil-good-bg: #113d29;
    --vigil-bad: #ffa69e;
    --vigil-bad-bg: #4f1a16;
    --vigil-wait-bg: #2b323d;
  }
}
:host([theme='dark']) {
  --vigil-bg: #151b23;
  --vigil-fg: #e6e9ee;
  --vigil-muted: #98a2b3;
  --vigil-border: #2a323d;
  --vigil-accent: #7ea6ff;
  --vigil-good: #7fe0ab;
  --vigil-good-bg: #113d29;
  --vigil-bad: #ffa69e;
  --vigil-bad-bg: #4f1a16;
  --vigil-wait-bg: #2b323d;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
/* the host element itself is in the page's DOM, so page rules like \`* { letter-spacing: 3px }\`
   reach it and would inherit inward: the widget's own root resets everything again */
.card {
  all: initial;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif;
  font-size: 14px;
  line-height: 1.4;
  color: var(--vigil-fg);
  box-sizing: border-box;
  background: var(--vigil-bg);
  border: 1px solid var(--vigil-border);
  border-radius: var(--vigil-radius);
  padding: 10px 12px;
  display: flex;
  flex-direction: column;
  gap: 8px;
  min-width: 0;
}
.head {
  display: flex;
  align-items: center;
  justify-content: space-between;
  gap: 8px;
  font-size: 12px;
  color: var(--vigil-muted);
}
.brand { font-weight: 700; color: var(--vigil-fg); display: inline-flex; align-items: center; gap: 6px; }
.brand svg { display: block; color: var(--vigil-accent); }
.dot { display: inline-block; width: 7px; height: 7px; border-radius: 50%; background: var(--vigil-muted); margin-right: 4px; vertical-align: middle; }
.dot.live { background: var(--vigil-good); }
.tips {
  display: grid;
  grid-template-columns: repeat(2, minmax(0, 1fr));
  gap: 4px 12px;
  margin: 0;
}
.tip { display: flex; justify-content: space-between; gap: 6px; min-width: 0; }
.tip dt { color: var(--vigil-muted); font-size: 12px; }
.tip dd { margin: 0; font-weight: 700; font-variant-numeric: tabular-nums; }
.badge {
  display: flex;
  align-items: center;
  gap: 8px;
  padding: 6px 10px;
  border-radius: 8px;
  background: var(--vigil-wait-bg);
  min-width: 0;
}
.badge[data-state='verified'] { background: var(--vigil-good-bg); color: var(--vigil-good); }
.badge[data-state='invalid'], .badge[data-state='error'] { background: var(--vigil-bad-bg); color: var(--vigil-bad); }
.mark { font-weight: 800; font-size: 16px; flex: none; }
.badge-text { display: flex; flex-direction: column; min-width: 0; }
.badge-title { font-weight: 700; }
.badge-detail { font-size: 12px; opacity: 0.9; overflow-wrap: anywhere; }
.foot { display: flex; justify-content: space-between; align-items: flex-start; gap: 8px; font-size: 11px; color: var(--vigil-muted); }
.claim { min-width: 0; overflow-wrap: anywhere; }
.details { flex: none; }
a { color: var(--vigil-accent); }
a:focus-visible { outline: 2px solid var(--vigil-accent); outline-offset: 2px; border-radius: 3px; }
code { font-family: ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
.spin { width: 14px; height: 14px; border-radius: 50%; border: 2px solid currentColor; border-right-color: transparent; animation: spin 0.9s linear infinite; flex: none; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spin { animation: none; } }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
iframe { display: block; width: 100%; border: 0; min-height: 150px; color-scheme: normal; }
`
