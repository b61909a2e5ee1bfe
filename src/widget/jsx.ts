/**
 * JSX typings for `<vigil-widget>` in React (18 and 19 read `React.JSX`): import this module
 * for its types once in a React app (`import type {} from '@vigil-lc/client/widget/jsx'`, or a
 * `/// <reference types=…>`), then `<vigil-widget block="2" tip="mined" />` type-checks.
 * Kept apart from the widget entry so a page without React needs no React types.
 *
 * React 19 passes an object to a custom element's `config` property; React 18 sets attributes
 * only, so there give `config` a URL (or set the property from a ref).
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react'
import type { ClientConfig } from '../client/shared/config'
import type { LiveStatus } from '../core/types'
import type { VigilWidget } from './element'

/** The attributes of `<vigil-widget>` (docs/widget.md). */
export interface VigilWidgetAttributes {
  /** URL of the chain config, or (React 19) a ClientConfig object for the `config` property. */
  config?: string | ClientConfig
  /** iframe mode: another origin's config, fetched with CORS by the widget page. */
  'config-url'?: string
  /** `latest` (default), a height, or a block hash. */
  block?: string | number
  /** Which tip `latest` follows. */
  tip?: LiveStatus
  mode?: 'inline' | 'iframe'
  theme?: 'light' | 'dark'
}

/** What `<vigil-widget …>` takes in JSX: React's own element props plus the widget's attributes. */
export type VigilWidgetJsxProps = DetailedHTMLProps<HTMLAttributes<VigilWidget>, VigilWidget> & VigilWidgetAttributes

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'vigil-widget': VigilWidgetJsxProps
    }
  }
}
