/**
 * `widget.js` as the site build emits it (vite.config.ts PAGE_INPUTS): a tiny unhashed loader
 * that imports the content-hashed widget chunk. Serve it with a short cache (`no-cache`, or a
 * few minutes) and `assets/*` as immutable: a redeploy then changes only which hashed chunk the
 * loader names, and a cached loader never points at a chunk that is gone (docs/widget.md).
 * Library users import `vigil/widget` (src/widget/main.ts) instead.
 */
import('./main').catch((e: unknown) => {
  console.error('vigil-widget: the widget chunk failed to load (a redeploy removed it? reload the page)', e)
})
