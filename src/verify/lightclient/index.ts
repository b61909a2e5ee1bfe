export * from './config'
export * from './bls'
export * from './store'
