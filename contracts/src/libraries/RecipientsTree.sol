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
    function validateAndRoot(address[] calldata recipients, uint256[] calldata shares)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = recipients.length;
        if (n == 0) revert ISplitFactory.NoRecipients();
        if (n > MAX_RECIPIENTS) revert ISplitFactory.TooManyRecipients(n, MAX_RECIPIENTS);
        if (shares.length != n) revert ISplitFactory.LengthMismatch(n, shares.length);
        // Ascending order means only the first recipient can be the zero address.
        if (recipients[0] == address(0)) revert ISplitFactory.ZeroAddressRecipient(0);

        bytes32[] memory nodes = new bytes32[](n);
        uint256 sum;
        address previous;
        for (uint256 i; i < n; ++i) {
            address current = recipients[i];
            uint256 share = shares[i];
            if (i != 0 && current <= previous) revert ISplitFactory.RecipientsNotSorted(i, previous, current);
            if (share == 0) revert ISplitFactory.ZeroShare(i, current);
            if (share > SCALE) revert ISplitFactory.SharesSumMismatch(Math.saturatingAdd(sum, share), SCALE);
            // Cannot overflow: sum <= SCALE here (checked below) and share <= SCALE.
            unchecked {
                sum += share;
            }
            if (sum > SCALE) revert ISplitFactory.SharesSumMismatch(sum, SCALE);
            nodes[i] = leaf(current, share);
            previous = current;
        }
        if (sum != SCALE) revert ISplitFactory.SharesSumMismatch(sum, SCALE);
        return rootOf(nodes);
    }

    /// @notice The root over `nodes` (leaves in order); overwrites `nodes` while reducing it level by level.
    function rootOf(bytes32[] memory nodes) internal pure returns (bytes32) {
        uint256 n = nodes.length;
        while (n > 1) {
            // Cannot overflow: n <= nodes.length, a memory array length, far below 2^255;
            // i + 1 < n and 2 * pairs <= n.
            unchecked {
                uint256 pairs = n >> 1;
                for (uint256 i; i < pairs; ++i) {
                    nodes[i] = Hashes.commutativeKeccak256(nodes[2 * i], nodes[2 * i + 1]);
                }
                if (n & 1 == 1) nodes[pairs] = nodes[n - 1];
                n = pairs + (n & 1);
            }
        }
        return nodes[0];
    }
}
