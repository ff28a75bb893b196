// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {SplitFactory} from "../../../src/SplitFactory.sol";
import {TrackSplit} from "../../../src/TrackSplit.sol";
import {RecipientsTreeReference as Ref} from "./RecipientsTreeReference.sol";
import {TestToken} from "./TestTokens.sol";

/// @notice Shared set-up for the split tests: a factory, a token, and recipient lists that are valid by construction.
abstract contract SplitTestBase is Test {
    address internal constant ETH = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    uint256 internal constant SCALE = 1e6;

    SplitFactory internal factory;
    TestToken internal token;

    function setUp() public virtual {
        factory = new SplitFactory();
        token = new TestToken();
    }

    /// @dev `n` distinct EOAs (no code) sorted ascending, derived from `seed`.
    function _accounts(uint256 n, uint256 seed) internal pure returns (address[] memory out) {
        out = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = address(uint160(uint256(keccak256(abi.encode("recipient", seed, i)))));
        }
        _sort(out);
    }

    function _sort(address[] memory a) internal pure {
        for (uint256 i = 1; i < a.length; i++) {
            address key = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > key) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = key;
        }
    }

    /// @dev `n` positive shares summing to SCALE, uneven, derived from `seed`.
    function _shares(uint256 n, uint256 seed) internal pure returns (uint256[] memory out) {
        out = new uint256[](n);
        uint256[] memory weights = new uint256[](n);
        uint256 totalWeight = 0;
        for (uint256 i = 0; i < n; i++) {
            weights[i] = 1 + (uint256(keccak256(abi.encode("weight", seed, i))) % 1000);
            totalWeight += weights[i];
        }
        uint256 spread = SCALE - n; // everyone gets 1 first, the rest by weight
        uint256 assigned = 0;
        for (uint256 i = 0; i < n; i++) {
            out[i] = 1 + (spread * weights[i]) / totalWeight;
            assigned += out[i];
        }
        out[n - 1] += SCALE - assigned;
    }

    /// @dev `n` shares as equal as possible (remainder to the first).
    function _equalShares(uint256 n) internal pure returns (uint256[] memory out) {
        out = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = SCALE / n;
        }
        out[0] += SCALE % n;
    }

    function _create(address[] memory recipients, uint256[] memory shares, bytes32 salt) internal returns (TrackSplit) {
        return TrackSplit(payable(factory.createSplit(recipients, shares, salt)));
    }

    function _proof(address[] memory recipients, uint256[] memory shares, uint256 index)
        internal
        pure
        returns (bytes32[] memory)
    {
        return Ref.proof(recipients, shares, index);
    }

    function _release(TrackSplit split, address tok, address[] memory recipients, uint256[] memory shares, uint256 i)
        internal
        returns (uint256)
    {
        return split.release(tok, recipients[i], shares[i], _proof(recipients, shares, i));
    }

    function _fund(TrackSplit split, address tok, uint256 amount) internal {
        if (tok == ETH) {
            vm.deal(address(this), address(this).balance + amount);
            (bool ok,) = address(split).call{value: amount}("");
            require(ok, "fund failed");
        } else {
            TestToken(tok).mint(address(split), amount);
        }
    }

    function _balanceOf(address tok, address account) internal view returns (uint256) {
        return tok == ETH ? account.balance : TestToken(tok).balanceOf(account);
    }
}
