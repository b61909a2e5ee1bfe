// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title VigilRollup
 * @notice The L1 side of the Vigil L2: a validator registry, the L2 clock (slots and
 * epochs), committee and proposer sampling, and the log of checkpoints.
 *
 * A checkpoint (the blocks of one L2 slot) is posted by the slot's proposer with
 * `propose(checkpoint, attestations)`: the headers travel as calldata in exactly the
 * encoding of src/protocol/checkpoint.ts, the block bodies as EIP-4844 blobs whose
 * versioned hashes the checkpoint lists.
 *
 * Like Aztec's rollup, this contract does NOT check the committee's attestations when a
 * checkpoint is proposed: it only keeps their hash and carries them in calldata. A mined
 * checkpoint is therefore not valid by being mined; clients verify the signatures (quorum of
 * the epoch's committee) themselves. And like Aztec's rollup (invalidateBadAttestation /
 * invalidateInsufficientAttestations), anyone can prove on chain that a checkpoint's
 * attestations do not make it valid with `invalidate`: that checkpoint and every one after it
 * are pruned, and the chain continues from the one before. See docs/contract.md, docs/reorgs.md.
 *
 * Deliberately no immutables: every parameter lives in storage, so the code anvil holds
 * after deployment is byte-for-byte the compiler's deployedBytecode.
 */
contract VigilRollup {
    // ------------------------------------------------------------------ wire format
    // Mirrors src/protocol/checkpoint.ts and header.ts. All integers are big-endian.
    //
    // checkpoint := version u8 (=1) | checkpointNumber u64 | slot u64 | blockCount u8
    //               | blockCount x header (162 bytes) | blobCount u8 | blobCount x bytes32
    // header     := version u8 (=1) | chainId u64 | height u64 | slot u64
    //               | checkpointNumber u64 | indexInCheckpoint u8 | timestamp u64 (ms)
    //               | parentHash bytes32 | bodyHash bytes32 | stateRoot bytes32
    //               | proposer address (20) | txCount u32
    // block hash := keccak256(header bytes)

    uint8 internal constant CHECKPOINT_VERSION = 1;
    uint8 internal constant HEADER_VERSION = 1;
    uint256 internal constant HEADER_SIZE = 162;
    uint256 internal constant MAX_BLOCKS_PER_CHECKPOINT = 32;
    uint256 internal constant MAX_BLOBS_PER_CHECKPOINT = 9;

    uint256 internal constant CP_NUMBER = 1;
    uint256 internal constant CP_SLOT = 9;
    uint256 internal constant CP_BLOCK_COUNT = 17;
    uint256 internal constant CP_HEADERS = 18;

    uint256 internal constant H_CHAIN_ID = 1;
    uint256 internal constant H_HEIGHT = 9;
    uint256 internal constant H_SLOT = 17;
    uint256 internal constant H_CHECKPOINT_NUMBER = 25;
    uint256 internal constant H_INDEX = 33;
    uint256 internal constant H_PARENT_HASH = 42;
    uint256 internal constant H_PROPOSER = 138;

    // attestations := count u16 | count x (r bytes32 | s bytes32 | v u8), signed over the EIP-712
    // digest of CheckpointAttestation(bytes32 checkpointDigest) (src/protocol/domain.ts)
    uint256 internal constant SIGNATURE_SIZE = 65;
    uint256 internal constant MAX_ATTESTATIONS = 1024;
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256("CheckpointAttestation(bytes32 checkpointDigest)");
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ------------------------------------------------------------------ types

    struct Validator {
        address attester;
        /** First epoch whose committee may include this validator. */
        uint64 activationEpoch;
        uint256 stake;
    }

    /** What `invalidate` needs of a checkpoint in the chain, and what the tip goes back to. */
    struct CheckpointLog {
        bytes32 lastBlockHash;
        /** keccak256 of the checkpoint bytes (the client's checkpoint digest). */
        bytes32 digest;
        /** keccak256 of the attestations calldata as posted. */
        bytes32 attestationsHash;
        uint64 lastHeight;
        uint64 slot;
    }

    // ------------------------------------------------------------------ storage

    /** L2 chain id: every header must carry it. */
    uint64 public l2ChainId;
    /** Unix seconds at which slot 0 starts. */
    uint64 public genesisTime;
    /** Seconds per slot. */
    uint32 public slotDuration;
    /** Slots per epoch. */
    uint32 public epochDuration;
    /** Committee size when at least this many validators are active. */
    uint32 public targetCommitteeSize;
    /** Wei a deposit must carry at least. */
    uint256 public minimumStake;

    /** Append-only: activation epochs are non-decreasing, so the active set of an epoch is a prefix. */
    Validator[] internal validators;
    mapping(address => bool) public isRegistered;

    uint64 internal tipCheckpointNumber;
    uint64 internal tipHeight;
    uint64 internal lastSlot;
    bytes32 internal tipBlockHash;
    /** Checkpoints in the chain by number (entries above the tip are stale: pruned). */
    mapping(uint64 => CheckpointLog) internal checkpointLog;

    // ------------------------------------------------------------------ events

    event ValidatorRegistered(address indexed attester, uint256 index, uint64 activationEpoch);

    event CheckpointProposed(
        uint64 indexed checkpointNumber,
        uint64 indexed slot,
        bytes32 checkpointDigest,
        bytes32 lastBlockHash,
        uint64 lastHeight,
        address proposer
    );

    /** Checkpoint `checkpointNumber` (and every one after it) was pruned: its attestations do not make it valid. */
    event CheckpointInvalidated(uint64 indexed checkpointNumber, bytes32 checkpointDigest, address by);

    // ------------------------------------------------------------------ errors

    error InvalidParameters();
    error ZeroAttester();
    error StakeTooLow(uint256 value, uint256 minimumStake);
    error AlreadyRegistered(address attester);
    error ValidatorIndexOutOfRange(uint256 index, uint256 count);
    error EmptyCommittee(uint64 epoch);

    error CheckpointMalformed(uint256 length, uint256 expectedLength);
    error UnsupportedCheckpointVersion(uint8 version);
    error InvalidBlockCount(uint256 blockCount);
    error InvalidBlobCount(uint256 blobCount);
    error InvalidCheckpointNumber(uint64 expected, uint64 got);
    error SlotNotAfterTip(uint64 slot, uint64 lastSlot);
    error SlotInFuture(uint64 slot, uint64 currentSlot);
    error NotProposer(address sender, address proposer);

    error UnsupportedHeaderVersion(uint256 index, uint8 version);
    error HeaderWrongChainId(uint256 index, uint64 chainId);
    error HeaderWrongSlot(uint256 index, uint64 slot);
    error HeaderWrongCheckpointNumber(uint256 index, uint64 checkpointNumber);
    error HeaderWrongIndex(uint256 index, uint8 indexInCheckpoint);
    error HeaderWrongHeight(uint256 index, uint64 expected, uint64 got);
    error HeaderWrongParent(uint256 index, bytes32 expected, bytes32 got);
    error HeaderWrongProposer(uint256 index, address proposer);

    error CheckpointNotInChain(uint64 checkpointNumber, uint64 tipCheckpointNumber);
    error AttestationsMismatch(uint64 checkpointNumber);
    error AttestationsValid(uint64 checkpointNumber);

    error BlobHashMismatch(uint256 index, bytes32 expected, bytes32 actual);
    error UnexpectedBlob(uint256 index, bytes32 actual);

    // ------------------------------------------------------------------ setup

    constructor(
        uint64 l2ChainId_,
        uint64 genesisTime_,
        uint32 slotDuration_,
        uint32 epochDuration_,
        uint32 targetCommitteeSize_,
        uint256 minimumStake_
    ) {
        if (l2ChainId_ == 0 || slotDuration_ == 0 || epochDuration_ == 0 || targetCommitteeSize_ == 0) {
            revert InvalidParameters();
        }
        l2ChainId = l2ChainId_;
        genesisTime = genesisTime_;
        slotDuration = slotDuration_;
        epochDuration = epochDuration_;
        targetCommitteeSize = targetCommitteeSize_;
        minimumStake = minimumStake_;
    }

    // ------------------------------------------------------------------ validators

    /**
     * Registers `attester` with the attached stake (anyone may pay for it). Active from the
     * epoch after the current one, so a started epoch's committee never changes; a
     * registration before genesis is active from epoch 0 (epoch 0 has not started yet).
     */
    function deposit(address attester) external payable {
        if (attester == address(0)) revert ZeroAttester();
        if (msg.value < minimumStake) revert StakeTooLow(msg.value, minimumStake);
        if (isRegistered[attester]) revert AlreadyRegistered(attester);
        uint64 activationEpoch = block.timestamp < genesisTime ? 0 : getEpochAt(getCurrentSlot()) + 1;
        isRegistered[attester] = true;
        uint256 index = validators.length;
        validators.push(Validator({attester: attester, activationEpoch: activationEpoch, stake: msg.value}));
        emit ValidatorRegistered(attester, index, activationEpoch);
    }

    function getValidatorCount() external view returns (uint256) {
        return validators.length;
    }

    function getValidator(uint256 index) external view returns (address attester, uint64 activationEpoch, uint256 stake) {
        if (index >= validators.length) revert ValidatorIndexOutOfRange(index, validators.length);
        Validator storage v = validators[index];
        return (v.attester, v.activationEpoch, v.stake);
    }

    /** Number of validators active at `epoch`: the length of the prefix with activationEpoch <= epoch. */
    function getActiveValidatorCount(uint64 epoch) public view returns (uint256) {
        uint256 lo = 0;
        uint256 hi = validators.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (validators[mid].activationEpoch <= epoch) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // ------------------------------------------------------------------ time

    function getCurrentSlot() public view returns (uint64) {
        if (block.timestamp < genesisTime) return 0;
        return uint64((block.timestamp - genesisTime) / slotDuration);
    }

    function getCurrentEpoch() external view returns (uint64) {
        return getEpochAt(getCurrentSlot());
    }

    function getEpochAt(uint64 slot) public view returns (uint64) {
        return slot / epochDuration;
    }

    // ------------------------------------------------------------------ committee and proposer

    /** keccak256(abi.encode(address(this), uint256(l2ChainId), uint256(epoch))); src/protocol/schedule.ts epochSeed. */
    function epochSeed(uint64 epoch) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), uint256(l2ChainId), uint256(epoch)));
    }

    /**
     * Partial Fisher-Yates over the indices of the n validators active at `epoch`:
     * for i < k: j = i + uint256(keccak256(abi.encode(seed, i))) % (n - i); swap(idx[i], idx[j]).
     * The committee is validators[idx[0..k)], k = min(targetCommitteeSize, n).
     */
    function _sampleIndices(uint64 epoch) internal view returns (uint256[] memory idx, uint256 k) {
        uint256 n = getActiveValidatorCount(epoch);
        k = n < targetCommitteeSize ? n : targetCommitteeSize;
        idx = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) idx[i] = i;
        bytes32 seed = epochSeed(epoch);
        for (uint256 i = 0; i < k; ++i) {
            uint256 j = i + (uint256(keccak256(abi.encode(seed, i))) % (n - i));
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
    }

    function getCommittee(uint64 epoch) public view returns (address[] memory committee) {
        (uint256[] memory idx, uint256 k) = _sampleIndices(epoch);
        committee = new address[](k);
        for (uint256 i = 0; i < k; ++i) committee[i] = validators[idx[i]].attester;
    }

    /** committee[uint256(keccak256(abi.encode(epochSeed(epoch), uint256(slot)))) % k]; schedule.ts proposerIndex. */
    function getProposer(uint64 slot) public view returns (address) {
        uint64 epoch = getEpochAt(slot);
        (uint256[] memory idx, uint256 k) = _sampleIndices(epoch);
        if (k == 0) revert EmptyCommittee(epoch);
        uint256 p = uint256(keccak256(abi.encode(epochSeed(epoch), uint256(slot)))) % k;
        return validators[idx[p]].attester;
    }

    // ------------------------------------------------------------------ checkpoints

    function tip() public view returns (uint64 checkpointNumber, bytes32 blockHash, uint64 height, uint64 slot) {
        return (tipCheckpointNumber, tipBlockHash, tipHeight, lastSlot);
    }

    /**
     * Appends the checkpoint of one slot. `attestations` (u16 count | count x 65-byte
     * signatures) is carried for clients and deliberately not checked here.
     */
    function propose(bytes calldata checkpoint, bytes calldata attestations) external {
        uint256 base;
        assembly {
            base := checkpoint.offset
        }
        (uint64 number, uint64 slot, uint256 blockCount, uint256 blobCount) = _checkLayout(base, checkpoint.length);
        _checkSchedule(number, slot);
        bytes32 lastHash = _checkHeaders(base + CP_HEADERS, blockCount, number, slot, tipHeight, tipBlockHash);
        _checkBlobs(base + CP_HEADERS + blockCount * HEADER_SIZE + 1, blobCount);
        _append(number, slot, blockCount, lastHash, keccak256(checkpoint), keccak256(attestations));
    }

    /**
     * Prunes checkpoint `number` and every checkpoint after it, when the attestations it was
     * posted with (`attestations`, exactly as posted) do not make it valid by the clients' rule
     * (src/verify/rules.ts verifyQuorum): every signature a low-s secp256k1 signature of a
     * distinct member of the slot's epoch committee over the EIP-712 attestation digest, and
     * at least floor(2k/3) + 1 of them. The tip goes back to checkpoint `number` - 1; the last
     * slot stays, so the next checkpoint `number` belongs to a later slot. Anyone may call it.
     */
    function invalidate(uint64 number, bytes calldata attestations) external {
        uint64 tipNumber = tipCheckpointNumber;
        if (number == 0 || number > tipNumber) revert CheckpointNotInChain(number, tipNumber);
        CheckpointLog storage c = checkpointLog[number];
        if (keccak256(attestations) != c.attestationsHash) revert AttestationsMismatch(number);
        if (_attestationsValid(c.digest, getEpochAt(c.slot), attestations)) revert AttestationsValid(number);
        bytes32 digest = c.digest;
        if (number == 1) {
            tipHeight = 0;
            tipBlockHash = bytes32(0);
        } else {
            CheckpointLog storage prev = checkpointLog[number - 1];
            tipHeight = prev.lastHeight;
            tipBlockHash = prev.lastBlockHash;
        }
        tipCheckpointNumber = number - 1;
        emit CheckpointInvalidated(number, digest, msg.sender);
    }

    /** The clients' quorum rule over an attestation list (false on any malformed, outside or repeated signature). */
    function _attestationsValid(bytes32 digest, uint64 epoch, bytes calldata att) internal view returns (bool) {
        if (att.length < 2) return false;
        uint256 count = (uint256(uint8(att[0])) << 8) | uint256(uint8(att[1]));
        if (count > MAX_ATTESTATIONS || att.length != 2 + SIGNATURE_SIZE * count) return false;
        address[] memory committee = getCommittee(epoch);
        uint256 k = committee.length;
        if (k == 0) return false;
        bytes32 separator = keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("Vigil"), keccak256("1"), block.chainid, address(this)));
        bytes32 signing = keccak256(abi.encodePacked(hex"1901", separator, keccak256(abi.encode(ATTESTATION_TYPEHASH, digest))));
        bool[] memory seen = new bool[](k);
        uint256 signers = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 o = 2 + SIGNATURE_SIZE * i;
            uint256 r = uint256(bytes32(att[o:o + 32]));
            uint256 s = uint256(bytes32(att[o + 32:o + 64]));
            uint8 v = uint8(att[o + 64]);
            if (v != 27 && v != 28) return false;
            if (r == 0 || r >= SECP256K1_N || s == 0 || s > SECP256K1_N / 2) return false;
            address signer = ecrecover(signing, v, bytes32(r), bytes32(s));
            if (signer == address(0)) return false;
            uint256 j = 0;
            while (j < k && committee[j] != signer) ++j;
            if (j == k || seen[j]) return false;
            seen[j] = true;
            ++signers;
        }
        return signers >= (2 * k) / 3 + 1;
    }

    /** Version, counts and exact length; returns the checkpoint's number, slot and counts. */
    function _checkLayout(uint256 base, uint256 len)
        internal
        pure
        returns (uint64 number, uint64 slot, uint256 blockCount, uint256 blobCount)
    {
        if (len < CP_HEADERS + 1) revert CheckpointMalformed(len, CP_HEADERS + 1);
        uint8 version = uint8(_u8(base));
        if (version != CHECKPOINT_VERSION) revert UnsupportedCheckpointVersion(version);
        blockCount = _u8(base + CP_BLOCK_COUNT);
        if (blockCount == 0 || blockCount > MAX_BLOCKS_PER_CHECKPOINT) revert InvalidBlockCount(blockCount);
        uint256 blobCountAt = CP_HEADERS + blockCount * HEADER_SIZE;
        if (len < blobCountAt + 1) revert CheckpointMalformed(len, blobCountAt + 1);
        blobCount = _u8(base + blobCountAt);
        if (blobCount == 0 || blobCount > MAX_BLOBS_PER_CHECKPOINT) revert InvalidBlobCount(blobCount);
        uint256 expectedLen = blobCountAt + 1 + 32 * blobCount;
        if (len != expectedLen) revert CheckpointMalformed(len, expectedLen);
        number = _u64(base + CP_NUMBER);
        slot = _u64(base + CP_SLOT);
    }

    /** Consecutive number, a slot after the tip's and not in the future, sent by that slot's proposer. */
    function _checkSchedule(uint64 number, uint64 slot) internal view {
        uint64 prevNumber = tipCheckpointNumber;
        if (number != prevNumber + 1) revert InvalidCheckpointNumber(prevNumber + 1, number);
        // after the whole chain was pruned (invalidate(1)) the pruned slot still counts
        if ((prevNumber != 0 || lastSlot != 0) && slot <= lastSlot) revert SlotNotAfterTip(slot, lastSlot);
        // slot <= getCurrentSlot(), and never before genesis (slot 0 starts at genesisTime)
        if (block.timestamp < uint256(genesisTime) + uint256(slot) * slotDuration) {
            revert SlotInFuture(slot, getCurrentSlot());
        }
        address proposer = getProposer(slot);
        if (msg.sender != proposer) revert NotProposer(msg.sender, proposer);
    }

    function _append(uint64 number, uint64 slot, uint256 blockCount, bytes32 lastHash, bytes32 digest, bytes32 attestationsHash) internal {
        uint64 height = tipHeight + uint64(blockCount);
        tipCheckpointNumber = number;
        tipHeight = height;
        lastSlot = slot;
        tipBlockHash = lastHash;
        checkpointLog[number] = CheckpointLog({lastBlockHash: lastHash, digest: digest, attestationsHash: attestationsHash, lastHeight: height, slot: slot});
        emit CheckpointProposed(number, slot, digest, lastHash, height, msg.sender);
    }

    /** Checks every header against the checkpoint and its predecessor; returns the last block's hash. */
    function _checkHeaders(
        uint256 start,
        uint256 blockCount,
        uint64 number,
        uint64 slot,
        uint64 prevHeight,
        bytes32 parent
    ) internal view returns (bytes32) {
        uint64 chainId = l2ChainId;
        for (uint256 i = 0; i < blockCount; ++i) {
            uint256 h = start + i * HEADER_SIZE;
            uint8 v = uint8(_u8(h));
            if (v != HEADER_VERSION) revert UnsupportedHeaderVersion(i, v);
            uint64 x = _u64(h + H_CHAIN_ID);
            if (x != chainId) revert HeaderWrongChainId(i, x);
            x = _u64(h + H_SLOT);
            if (x != slot) revert HeaderWrongSlot(i, x);
            x = _u64(h + H_CHECKPOINT_NUMBER);
            if (x != number) revert HeaderWrongCheckpointNumber(i, x);
            if (_u8(h + H_INDEX) != i) revert HeaderWrongIndex(i, uint8(_u8(h + H_INDEX)));
            x = _u64(h + H_HEIGHT);
            if (x != prevHeight + 1 + i) revert HeaderWrongHeight(i, uint64(prevHeight + 1 + i), x);
            bytes32 ph = _b32(h + H_PARENT_HASH);
            if (ph != parent) revert HeaderWrongParent(i, parent, ph);
            address p = _addr(h + H_PROPOSER);
            if (p != msg.sender) revert HeaderWrongProposer(i, p);
            parent = _hashCalldata(h, HEADER_SIZE);
        }
        return parent;
    }

    /** The transaction must carry exactly the listed blobs, in order. */
    function _checkBlobs(uint256 start, uint256 blobCount) internal view {
        for (uint256 i = 0; i < blobCount; ++i) {
            bytes32 expected = _b32(start + 32 * i);
            bytes32 actual = blobhash(i);
            if (actual != expected) revert BlobHashMismatch(i, expected, actual);
        }
        bytes32 extra = blobhash(blobCount);
        if (extra != bytes32(0)) revert UnexpectedBlob(blobCount, extra);
    }

    // ------------------------------------------------------------------ calldata readers (bounds checked by the caller)

    function _u8(uint256 pos) private pure returns (uint256 v) {
        assembly {
            v := shr(248, calldataload(pos))
        }
    }

    function _u64(uint256 pos) private pure returns (uint64 v) {
        assembly {
            v := shr(192, calldataload(pos))
        }
    }

    function _b32(uint256 pos) private pure returns (bytes32 v) {
        assembly {
            v := calldataload(pos)
        }
    }

    function _addr(uint256 pos) private pure returns (address v) {
        assembly {
            v := shr(96, calldataload(pos))
        }
    }

    function _hashCalldata(uint256 pos, uint256 len) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, pos, len)
            h := keccak256(p, len)
        }
    }
}
