// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

/// @notice Turns the gas of a test's last external call into what the same call costs as a transaction:
/// 21,000 + calldata (4 gas per zero byte, 16 per other byte) + the call's own gas, or the EIP-7623 calldata floor
/// (21,000 + 10 per token, a token being a zero byte or a quarter of a non-zero byte) when that is higher.
/// Callers mark the touched accounts cold first (`vm.cool`), as they are at the start of a real transaction.
abstract contract GasMeter is Test {
    function _txGas(bytes memory data) internal view returns (uint256) {
        uint256 zeros = 0;
        for (uint256 i = 0; i < data.length; i++) {
            if (data[i] == 0) zeros++;
        }
        uint256 nonZeros = data.length - zeros;
        uint256 standard = 21_000 + 4 * zeros + 16 * nonZeros + vm.lastCallGas().gasTotalUsed;
        uint256 floor = 21_000 + 10 * (zeros + 4 * nonZeros);
        return standard > floor ? standard : floor;
    }
}
