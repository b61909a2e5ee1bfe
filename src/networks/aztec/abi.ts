/**
 * The Aztec Ignition rollup's `propose` as deployed on Ethereum mainnet (rollup
 * 0x603bb2c05D474794ea97805e8De69bCcFb3bCA12, selector 0x48aeda19), from Aztec's sources of the
 * Ignition era (l1-contracts ProposeLib.sol `ProposeArgs`, ProposedHeaderLib.sol, AttestationLib.sol
 * `CommitteeAttestations`, SignatureLib.sol `Signature`), and the `L2BlockProposed` event. The
 * tuple shapes below are what `abi.encode` of the structs produces, field for field.
 */
export const APPEND_ONLY_TREE_SNAPSHOT = [
  { name: 'root', type: 'bytes32' },
  { name: 'nextAvailableLeafIndex', type: 'uint32' },
] as const

export const STATE_REFERENCE = [
  { name: 'l1ToL2MessageTree', type: 'tuple', components: APPEND_ONLY_TREE_SNAPSHOT },
  {
    name: 'partialStateReference',
    type: 'tuple',
    components: [
      { name: 'noteHashTree', type: 'tuple', components: APPEND_ONLY_TREE_SNAPSHOT },
      { name: 'nullifierTree', type: 'tuple', components: APPEND_ONLY_TREE_SNAPSHOT },
      { name: 'publicDataTree', type: 'tuple', components: APPEND_ONLY_TREE_SNAPSHOT },
    ],
  },
] as const

export const ORACLE_INPUT = [{ name: 'feeAssetPriceModifier', type: 'int256' }] as const

export const PROPOSED_HEADER = [
  { name: 'lastArchiveRoot', type: 'bytes32' },
  {
    name: 'contentCommitment',
    type: 'tuple',
    components: [
      { name: 'blobsHash', type: 'bytes32' },
      { name: 'inHash', type: 'bytes32' },
      { name: 'outHash', type: 'bytes32' },
    ],
  },
  { name: 'slotNumber', type: 'uint256' },
  { name: 'timestamp', type: 'uint256' },
  { name: 'coinbase', type: 'address' },
  { name: 'feeRecipient', type: 'bytes32' },
  {
    name: 'gasFees',
    type: 'tuple',
    components: [
      { name: 'feePerDaGas', type: 'uint128' },
      { name: 'feePerL2Gas', type: 'uint128' },
    ],
  },
  { name: 'totalManaUsed', type: 'uint256' },
] as const

export const COMMITTEE_ATTESTATIONS = [
  { name: 'signatureIndices', type: 'bytes' },
  { name: 'signaturesOrAddresses', type: 'bytes' },
] as const

/** ProposeLib's `ProposePayload`: what the committee signs (with the separator `blockAttestation` = 1). */
export const PROPOSE_PAYLOAD = [
  { name: 'archive', type: 'bytes32' },
  { name: 'stateReference', type: 'tuple', components: STATE_REFERENCE },
  { name: 'oracleInput', type: 'tuple', components: ORACLE_INPUT },
  { name: 'headerHash', type: 'bytes32' },
] as const

export const aztecIgnitionRollupAbi = [
  {
    type: 'function',
    name: 'propose',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: '_args',
        type: 'tuple',
        components: [
          { name: 'archive', type: 'bytes32' },
          { name: 'stateReference', type: 'tuple', components: STATE_REFERENCE },
          { name: 'oracleInput', type: 'tuple', components: ORACLE_INPUT },
          { name: 'header', type: 'tuple', components: PROPOSED_HEADER },
        ],
      },
      { name: '_attestations', type: 'tuple', components: COMMITTEE_ATTESTATIONS },
      { name: '_signers', type: 'address[]' },
      {
        name: '_attestationsAndSignersSignature',
        type: 'tuple',
        components: [
          { name: 'v', type: 'uint8' },
          { name: 'r', type: 'bytes32' },
          { name: 's', type: 'bytes32' },
        ],
      },
      { name: '_blobInput', type: 'bytes' },
    ],
    outputs: [],
  },
  {
    type: 'event',
    name: 'L2BlockProposed',
    inputs: [
      { name: 'blockNumber', type: 'uint256', indexed: true },
      { name: 'archive', type: 'bytes32', indexed: true },
      { name: 'versionedBlobHashes', type: 'bytes32[]', indexed: false },
    ],
  },
] as const

/** keccak256("propose(((bytes32,((bytes32,uint32),((bytes32,uint32),(bytes32,uint32),(bytes32,uint32))),(int256),(bytes32,(bytes32,bytes32,bytes32),uint256,uint256,address,bytes32,(uint128,uint128),uint256)),(bytes,bytes),address[],(uint8,bytes32,bytes32),bytes)")[0:4] (tested). */
export const PROPOSE_SELECTOR = '0x48aeda19' as const
