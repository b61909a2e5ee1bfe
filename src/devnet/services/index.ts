/**
 * The devnet's optional services, started in this order after the core network (anvil,
 * rollup, proposer, validators, bootstrap node, gateway) is up. Each is `(ctx) => Promise<void>`
 * (see DevnetService in ../network.ts). Add a service by importing it and listing it here.
 */
import type { DevnetService } from '../network'

export const SERVICES: DevnetService[] = []
