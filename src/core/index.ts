export * from './errors'
export * from './types'
export * from './logger'
export * from './abort'
