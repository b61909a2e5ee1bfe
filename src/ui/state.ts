/** What the page can be showing. Plain data: the view renders it, useVigil produces it. */
import type { ClientSnapshot } from '../client/shared/types'
import type { ErrorRecord } from '../core/errors'
import type { VigilClient } from '../client/page/remote'

export type ViewState =
  /** Fetching the chain config, or starting the worker (store open, tips restored). */
  | { kind: 'loading'; step: 'config' | 'worker' }
  /** Could not start: a coded error and what to do. */
  | { kind: 'error'; error: ErrorRecord }
  /** Running; `problem` is set when the worker reported an error after start (data may be stale). */
  | { kind: 'live'; snapshot: ClientSnapshot; problem: ErrorRecord | null; client?: VigilClient }
