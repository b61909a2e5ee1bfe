/** The committee of a slot's epoch and the slot's proposer, as L1 holds them. */
import { VigilError } from '../core/errors'
import type { Address } from '../core/types'
import { epochOfSlot, slotAt } from '../protocol/schedule'
import type { ChainRules } from '../verify/chain-rules'
import type { L1Port } from '../ports/l1'

export interface SlotCommittee {
  /** The slot's proposer (lower case). */
  expected: Address
  committee: Address[]
}

export type CommitteeLookup = (slot: number) => Promise<SlotCommittee>

/** Looks up committees through `l1` (the proposer by the network's rule); an empty committee is COMMITTEE_UNKNOWN (soft). */
export function committeeLookup(l1: L1Port, rules: Pick<ChainRules, 'proposerOf'>, now: () => number): CommitteeLookup {
  return async (slot) => {
    const params = await l1.rollupParams()
    const epoch = epochOfSlot(params, slot)
    const currentEpoch = epochOfSlot(params, slotAt(params, Math.floor(now() / 1000)))
    const committee = await l1.committee(epoch, currentEpoch)
    if (committee.length === 0) throw new VigilError('COMMITTEE_UNKNOWN', `no committee for epoch ${epoch}`, { severity: 'soft', details: { epoch } })
    return { expected: rules.proposerOf(epoch, slot, committee)!, committee }
  }
}
