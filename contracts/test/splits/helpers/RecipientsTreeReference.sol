// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice An independent, deliberately plain implementation of the recipients tree (docs/INTERFACES.md, TrackSplit)
/// to cross-check the factory's RecipientsTree: leaves with abi.encode + keccak256, pairs sorted by value before
/// hashing, odd last node carried up; plus proof building, which the contracts never do.
library RecipientsTreeReference {
    function leaf(address account, uint256 share) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, share))));
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function leaves(address[] memory recipients, uint256[] memory shares) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](recipients.length);
        for (uint256 i = 0; i < recipients.length; i++) {
            out[i] = leaf(recipients[i], shares[i]);
        }
    }

    function nextLevel(bytes32[] memory level) internal pure returns (bytes32[] memory up) {
        up = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < up.length; i++) {
            if (2 * i + 1 < level.length) up[i] = hashPair(level[2 * i], level[2 * i + 1]);
            else up[i] = level[2 * i];
        }
    }

    function root(address[] memory recipients, uint256[] memory shares) internal pure returns (bytes32) {
        bytes32[] memory level = leaves(recipients, shares);
        while (level.length > 1) {
            level = nextLevel(level);
        }
        return level[0];
    }

    /// @notice The proof of recipient `index`: its sibling at every level where it has one.
    function proof(address[] memory recipients, uint256[] memory shares, uint256 index)
        internal
        pure
        returns (bytes32[] memory)
    {
        bytes32[] memory level = leaves(recipients, shares);
        bytes32[] memory buffer = new bytes32[](16);
        uint256 count = 0;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) buffer[count++] = level[sibling];
            level = nextLevel(level);
            index /= 2;
        }
        bytes32[] memory out = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            out[i] = buffer[i];
        }
        return out;
    }
}
