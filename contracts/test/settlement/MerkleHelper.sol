// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test-only mirror of OpenZeppelin's StandardMerkleTree (@openzeppelin/merkle-tree core.ts):
/// leaves double-hashed, sorted ascending, laid out at the end of a flat array in reverse, pairs hashed sorted.
library MerkleHelper {
    /// @dev leaf = keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount)))).
    function accountLeaf(address account, address token, uint256 cumulativeAmount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount))));
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev Builds the flat tree (length 2n - 1) exactly as StandardMerkleTree.of does after hashing the values.
    function build(bytes32[] memory leaves) internal pure returns (bytes32[] memory tree) {
        uint256 n = leaves.length;
        require(n > 0, "MerkleHelper: no leaves");
        bytes32[] memory sorted = _sort(leaves);
        tree = new bytes32[](2 * n - 1);
        for (uint256 i; i < n; ++i) {
            tree[tree.length - 1 - i] = sorted[i];
        }
        for (uint256 i = tree.length - 1 - n + 1; i > 0; --i) {
            uint256 j = i - 1;
            tree[j] = hashPair(tree[2 * j + 1], tree[2 * j + 2]);
        }
    }

    function root(bytes32[] memory tree) internal pure returns (bytes32) {
        return tree[0];
    }

    /// @dev The proof of `leaf` (which must be in the tree).
    function proof(bytes32[] memory tree, bytes32 leaf) internal pure returns (bytes32[] memory p) {
        uint256 idx = type(uint256).max;
        for (uint256 i; i < tree.length; ++i) {
            if (tree[i] == leaf && 2 * i + 1 >= tree.length) {
                idx = i;
                break;
            }
        }
        require(idx != type(uint256).max, "MerkleHelper: leaf not in tree");
        bytes32[] memory buf = new bytes32[](64);
        uint256 len;
        while (idx > 0) {
            uint256 sibling = idx % 2 == 1 ? idx + 1 : idx - 1;
            buf[len++] = tree[sibling];
            idx = (idx - 1) / 2;
        }
        p = new bytes32[](len);
        for (uint256 i; i < len; ++i) {
            p[i] = buf[i];
        }
    }

    function _sort(bytes32[] memory a) private pure returns (bytes32[] memory s) {
        s = new bytes32[](a.length);
        for (uint256 i; i < a.length; ++i) {
            s[i] = a[i];
        }
        for (uint256 i = 1; i < s.length; ++i) {
            bytes32 key = s[i];
            uint256 j = i;
            while (j > 0 && s[j - 1] > key) {
                s[j] = s[j - 1];
                --j;
            }
            s[j] = key;
        }
    }
}
