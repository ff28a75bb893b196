// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockStablecoin
/// @notice "Mock USD" (mUSD), a 6-decimal ERC-20 whose `mint` is open to anyone.
/// @dev DEVELOPMENT AND TESTS ONLY. Anyone can mint any amount, so it has no value; never deploy it as a real
/// payment token.
contract MockStablecoin is ERC20 {
    constructor() ERC20("Mock USD", "mUSD") {}

    /// @notice Mints `amount` base units (6 decimals) to `to`; open to anyone (development only).
    /// @param to The recipient (not the zero address: reverts ERC20InvalidReceiver).
    /// @param amount The amount in base units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice 6 decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
