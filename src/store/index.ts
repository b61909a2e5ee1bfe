export * from './db'
export * from './chain-store'
