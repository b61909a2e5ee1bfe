/** The interfaces sync depends on, with their data types (ARCHITECTURE.md §5: core, protocol only). */
export type * from './l1'
export type * from './store'
export type * from './stats'
export type * from './bodies'
export type * from './exchange'
export type * from './snapshot'
