/** The Aztec Ignition adapter core (browser-safe): decode, hash, verify offline, prove on L1. */
export * from './abi'
export * from './attestations'
export * from './decode'
export * from './header'
export * from './layout'
export * from './network'
export * from './prove'
export * from './verify'
