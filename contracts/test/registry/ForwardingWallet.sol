// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A minimal contract wallet: its owner makes it call any contract (one call or a batch). It has no
/// receive(), so ETH sent to it reverts. Used to register tracks through a contract path (issue 11 item 7: the
/// recipient list must be recoverable from logs, not from the transaction's calldata) and as a recipient that
/// refuses ETH.
contract ForwardingWallet {
    error NotOwner(address caller);
    error CallFailed(uint256 index, bytes reason);

    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Makes each call in turn (a multicall); reverts with the first failure.
    function execute(address[] calldata targets, bytes[] calldata data) external returns (bytes[] memory results) {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        results = new bytes[](targets.length);
        for (uint256 i = 0; i < targets.length; i++) {
            (bool ok, bytes memory out) = targets[i].call(data[i]);
            if (!ok) revert CallFailed(i, out);
            results[i] = out;
        }
    }
}
