// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISplitFactory} from "../interfaces/ISplitFactory.sol";

/// @title RecipientsTree
/// @notice The Merkle tree over a split's `(account, share)` recipients, and the validation of a recipient list.
/// @dev Leaf = keccak256(bytes.concat(keccak256(abi.encode(account, share)))) (the OpenZeppelin StandardMerkleTree
/// leaf, so a 64-byte inner node can never pass for a leaf). Leaves keep the order of the recipients, which must be
/// strictly ascending; levels are built pairwise left to right with `Hashes.commutativeKeccak256`, and an odd last
/// node is carried up unchanged. A one-recipient tree's root is its leaf. Proofs are checked with
/// `MerkleProof.verifyCalldata` (commutative pairing, so a proof is just the list of siblings).
library RecipientsTree {
    /// @notice Shares are out of SCALE: 1e6 = 100%.
    uint256 internal constant SCALE = 1e6;

    /// @notice At most 200 recipients per split. The cap bounds what createSplit does on chain: the calldata
    /// (~520 gas per recipient), the event, and the root computation (two leaf hashes and about one inner hash per
    /// recipient, memory growing linearly), so the worst createSplit stays far under a block (~0.4M gas at 200);
    /// and it bounds a release proof to ceil(log2(200)) = 8 siblings.
    uint256 internal constant MAX_RECIPIENTS = 200;

    /// @notice The leaf of `(account, share)`.
    function leaf(address account, uint256 share) internal pure returns (bytes32 result) {
        // Equals keccak256(bytes.concat(keccak256(abi.encode(account, share)))) without allocating memory:
        // only the scratch space (0x00-0x3f) is used, which Solidity allows inline assembly to overwrite.
        assembly ("memory-safe") {
            mstore(0x00, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, share)
            mstore(0x00, keccak256(0x00, 0x40))
            result := keccak256(0x00, 0x20)
        }
    }

    /// @notice Checks a recipient list and returns its root.
    /// @dev Reverts with the ISplitFactory errors: NoRecipients, TooManyRecipients, LengthMismatch,
    /// ZeroAddressRecipient, RecipientsNotSorted (also duplicates), ZeroShare, SharesSumMismatch. Checks run in
    /// that order, recipient by recipient; SharesSumMismatch reports the running sum as soon as it exceeds SCALE
    /// (saturating, so a huge share cannot overflow), else the full sum.
    /// @param recipients The recipients, strictly ascending by address.
    /// @param shares Their shares out of SCALE.
    /// @return The recipients-tree root.
    function validateAndRoot(address[] calldata recipients, uint256[] calldata shares) internal pure returns (bytes32) {
        (bytes32 root,) = _validate(recipients, shares, false);
        return root;
    }

    /// @notice {validateAndRoot}, and the data of the SplitCreated event: `abi.encode(root, packed)` with the
    /// recipient list packed one word per recipient, `packed[i] = (shares[i] << 160) | uint160(recipients[i])` (a
    /// share is at most 1e6, so it fits the top 96 bits).
    /// @dev The packed words are written straight into the event buffer by the validation loop (one MSTORE per
    /// recipient), so emitting costs no ABI re-encoding: the log carries 32 bytes per recipient instead of 64.
    function validateRootAndEventData(address[] calldata recipients, uint256[] calldata shares)
        internal
        pure
        returns (bytes32 root, bytes memory eventData)
    {
        return _validate(recipients, shares, true);
    }

    function _validate(address[] calldata recipients, uint256[] calldata shares, bool withEventData)
        private
        pure
        returns (bytes32 root, bytes memory eventData)
    {
        uint256 n = recipients.length;
        if (n == 0) revert ISplitFactory.NoRecipients();
        if (n > MAX_RECIPIENTS) revert ISplitFactory.TooManyRecipients(n, MAX_RECIPIENTS);
        if (shares.length != n) revert ISplitFactory.LengthMismatch(n, shares.length);

        bytes32[] memory nodes = new bytes32[](n);
        // eventData = [root][0x40: offset of the array][n][packed words...]
        if (withEventData) eventData = new bytes(0x60 + (n << 5));
        uint256 sum;
        uint256 i;
        // One pass over the calldata: check every recipient and write its leaf. It stops at the first recipient
        // that breaks a rule (i < n afterwards) and the error is worked out below, off the hot path.
        // No overflow: i < n <= 200, and before each add sum <= SCALE (the loop stops as soon as sum > SCALE) while
        // a share that passes is <= SCALE, so sum stays <= 2 * SCALE; a larger share stops the loop, and the sum it
        // left (possibly wrapped) is never used (the error path recomputes it from the calldata).
        assembly ("memory-safe") {
            let previous := 0
            let offset := 0 // i << 5: the same offset into recipients, shares, nodes and the packed words
            // Where the packed words go, and how far apart: into the event buffer, or all into the scratch word
            // 0x00 (overwritten by the leaf hash right after) when no event data is wanted. No branch per recipient.
            let packOut := 0
            let packStep := 0
            if withEventData {
                packOut := add(eventData, 0x80)
                packStep := 1
            }
            for {} lt(offset, shl(5, n)) { offset := add(offset, 0x20) } {
                let current := calldataload(add(recipients.offset, offset))
                let share := calldataload(add(shares.offset, offset))
                sum := add(sum, share)
                // Ascending from previous = 0 also rules out the zero address; dirty upper address bits fail too.
                if or(
                    or(iszero(gt(current, previous)), shr(160, current)),
                    or(iszero(share), or(gt(share, SCALE), gt(sum, SCALE)))
                ) { break }
                mstore(add(packOut, mul(packStep, offset)), or(shl(160, share), current))
                // leaf(current, share), in the scratch space
                mstore(0x00, current)
                mstore(0x20, share)
                mstore(0x00, keccak256(0x00, 0x40))
                mstore(add(add(nodes, 0x20), offset), keccak256(0x00, 0x20))
                previous := current
            }
            i := shr(5, offset)
        }
        if (i < n) _revertAt(recipients, shares, i);
        if (sum != SCALE) revert ISplitFactory.SharesSumMismatch(sum, SCALE);
        root = rootOf(nodes);
        if (withEventData) {
            assembly ("memory-safe") {
                mstore(add(eventData, 0x20), root)
                mstore(add(eventData, 0x40), 0x40)
                mstore(add(eventData, 0x60), n)
            }
        }
    }

    /// @dev Reverts with the error for recipient `i`, the first one the validation loop rejected.
    function _revertAt(address[] calldata recipients, uint256[] calldata shares, uint256 i) private pure {
        uint256 raw;
        assembly ("memory-safe") {
            raw := calldataload(add(recipients.offset, shl(5, i)))
        }
        if (raw >> 160 != 0) revert(); // not an ABI-encoded address, as Solidity's own decoder would reject
        address current = recipients[i];
        if (i == 0) {
            if (current == address(0)) revert ISplitFactory.ZeroAddressRecipient(0);
        } else if (current <= recipients[i - 1]) {
            revert ISplitFactory.RecipientsNotSorted(i, recipients[i - 1], current);
        }
        uint256 share = shares[i];
        if (share == 0) revert ISplitFactory.ZeroShare(i, current);
        uint256 before;
        for (uint256 j; j < i; ++j) {
            before += shares[j]; // <= SCALE: the loop accepted these
        }
        // The loop stopped because the running sum exceeds SCALE; report it, saturating for an absurd share.
        revert ISplitFactory.SharesSumMismatch(Math.saturatingAdd(before, share), SCALE);
    }

    /// @notice The root over `nodes` (leaves in order); overwrites `nodes` while reducing it level by level.
    /// @dev Same result as pairing with `Hashes.commutativeKeccak256`; written with direct memory access because the
    /// bounds-checked version cost ~390 gas per inner node (39k of a 100-recipient createSplit).
    function rootOf(bytes32[] memory nodes) internal pure returns (bytes32 root) {
        assembly ("memory-safe") {
            let data := add(nodes, 0x20)
            let n := mload(nodes)
            for {} gt(n, 1) {} {
                let pairs := shr(1, n)
                let out := data
                for {
                    let p := data
                    let end := add(data, shl(6, pairs))
                } lt(p, end) { p := add(p, 0x40) } {
                    let a := mload(p)
                    let b := mload(add(p, 0x20))
                    // commutative pairing: hash the smaller value first (scratch space only): a goes to 0x20 if it
                    // is the larger one, else to 0x00, and b to the other word (at xor 0x20), without a branch
                    let at := shl(5, gt(a, b))
                    mstore(at, a)
                    mstore(xor(at, 0x20), b)
                    mstore(out, keccak256(0x00, 0x40))
                    out := add(out, 0x20)
                }
                // an odd last node is carried up unchanged
                if and(n, 1) { mstore(out, mload(add(data, shl(5, sub(n, 1))))) }
                n := add(pairs, and(n, 1))
            }
            root := mload(data)
        }
    }
}
