// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain 6-decimal ERC-20 with open minting, for the split tests.
contract TestToken is ERC20 {
    constructor() ERC20("Test USD", "tUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice An ERC-20 whose transfer returns false instead of reverting (SafeERC20 must catch it).
contract FalseReturningToken is TestToken {
    function transfer(address, uint256) public pure override returns (bool) {
        return false;
    }
}

/// @notice A recipient that refuses ETH.
contract RevertingReceiver {
    error NoThanks();

    receive() external payable {
        revert NoThanks();
    }
}

interface IReleasable {
    function release(address token, address account, uint256 share, bytes32[] calldata proof) external returns (uint256);
}

/// @notice A recipient that tries to release itself again from inside its receive hook.
contract ReentrantReceiver {
    address public split;
    uint256 public share;
    bytes32[] public proof;
    uint256 public reentries;
    uint256 public reentryPaid;

    function arm(address split_, uint256 share_, bytes32[] calldata proof_) external {
        split = split_;
        share = share_;
        proof = proof_;
    }

    receive() external payable {
        if (reentries == 0) {
            reentries = 1;
            reentryPaid =
                IReleasable(split).release(0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE, address(this), share, proof);
        }
    }
}
