/**
 * The devnet's optional services, started in this order after the core network (anvil,
 * rollup, proposer, validators, bootstrap node, gateway) is up. Each is `(ctx) => Promise<void>`
 * (see DevnetService in ../network.ts). Add a service by importing it and listing it here.
 */
import type { DevnetService } from '../context'
import { l2RpcService } from './l2rpc'
import { snapshotService } from './snapshots'
import { fileStoreService } from './filestore'
import { txGossipService } from './txs'
import { beaconFaultService } from './beacon'
import { fullNodesService } from './full-nodes'
import { adminService } from './admin'
import { l1RpcsService } from './l1-rpcs'

export const SERVICES: DevnetService[] = [
  fileStoreService, // first: other services write into it (fileStoreOf(ctx))
  txGossipService,
  beaconFaultService,
  l2RpcService,
  snapshotService, // after fileStoreService: publishes into it
  fullNodesService, // archival + pruned req/resp full nodes (their addrs join info.bootstrap)
  l1RpcsService, // three L1 JSON-RPC endpoints in front of anvil (info.l1.rpcUrls, quorum), the L1 RPC faults
  adminService, // loopback fault knobs (info.devnet.adminUrl)
]
