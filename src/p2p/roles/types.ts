import type { Libp2pOptions } from 'libp2p'

export type TransportFactory = NonNullable<Libp2pOptions['transports']>[number]

/** What a role adds to the common node (WebSockets, noise, yamux, identify, ping, gossipsub). */
export interface RoleParts {
  transports: TransportFactory[]
  /** Extra services, by name (e.g. `relay`). */
  services?: Record<string, (components: never) => unknown>
  /** Addresses to listen on when the caller gives none. */
  listen?: string[]
}
