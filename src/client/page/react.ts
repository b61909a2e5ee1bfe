'use client'
/**
 * `vigil/react`: hooks over a VigilClient, shaped like wagmi's (docs/library.md). Everything is
 * in react-core.ts (no DOM needed); this entry's VigilProvider adds the default `create` for
 * `<VigilProvider config>`: the worker-backed `createLightClient` of `vigil`, loaded on first
 * use (a dynamic import: an app that passes its own `client` never loads it through here).
 */
import { createElement } from 'react'
import { VigilProvider as CoreProvider, type ProviderCreateOptions, type VigilProviderProps } from './react-core'
import type { ClientConfig } from '../shared/config'
import type { CreateOptions } from './api'
import type { VigilClient } from './remote'

export * from './react-core'

async function createInWorker(config: ClientConfig | string, options: ProviderCreateOptions): Promise<VigilClient> {
  const { createLightClient } = await import('./api')
  return createLightClient(config, options as CreateOptions)
}

/**
 * `<VigilProvider config={…}>` creates the light client (a Web Worker) on mount and closes it on
 * unmount; `<VigilProvider client={…}>` shares one you created. Hooks below it need no argument.
 */
export function VigilProvider(props: VigilProviderProps) {
  return createElement(CoreProvider, props.client || props.create ? props : { ...props, create: createInWorker })
}
