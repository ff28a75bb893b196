// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/// @title SplitClone
/// @notice The code of a TrackSplit clone: an EIP-1167 minimal proxy with immutable args, preceded by a branch that
/// accepts plain ETH transfers (empty calldata) without delegating, so a split accepts ETH sent with the 2,300-gas
/// stipend of Solidity's `transfer`/`send` (a standard clone spends 2,600 on the cold DELEGATECALL before any code
/// runs, so such a transfer into it always failed).
/// @dev Runtime code (51 bytes, then the 96 bytes of args):
///
///     0x00  36            CALLDATASIZE
///     0x01  6005          PUSH1 0x05
///     0x03  57            JUMPI                 any calldata: delegate (0x05)
///     0x04  00            STOP                  empty calldata: accept the ETH (15 gas in all, no storage, no log)
///     0x05  5b            JUMPDEST
///     0x06  EIP-1167 body with the success jump moved to 0x31:
///           363d3d373d3d3d363d73 <implementation> 5af43d82803e903d91603157fd5bf3
///     0x33  abi.encode(bytes32 recipientsRoot, uint256 recipientCount, bytes32 effectiveSalt)
///
/// A plain ETH transfer therefore emits no event (like a transfer to an EOA): what a split received is
/// `totalReceived(token)`, and payers log their own side (editions, settlement claims). Emitting an event from the
/// clone would also fit in the stipend (~1.4k gas) but costs 47 more bytes of code, 9,400 gas on every createSplit.
/// The init code is OpenZeppelin's for clones with immutable args: `61 <len> 3d81600a3d39f3` then the runtime.
library SplitClone {
    /// @notice Where the immutable args start in a clone's runtime code.
    uint256 internal constant ARGS_OFFSET = 0x33;

    /// @notice The length of the immutable args: three words.
    uint256 internal constant ARGS_LENGTH = 0x60;

    /// @notice The runtime code length of every clone (51 + 96 = 147 bytes).
    uint256 internal constant CODE_LENGTH = ARGS_OFFSET + ARGS_LENGTH;

    /// @notice The creation code of a clone of `implementation` with these args.
    function initCode(address implementation, bytes32 root, uint256 count, bytes32 effectiveSalt)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            hex"6100933d81600a3d39f3", // PUSH2 147, RETURNDATASIZE, DUP2, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURN
            hex"36600557005b363d3d373d3d3d363d73",
            implementation,
            hex"5af43d82803e903d91603157fd5bf3",
            root,
            count,
            effectiveSalt
        );
    }

    /// @notice Deploys the clone with CREATE2; reverts OpenZeppelin `Errors.FailedDeployment` if it exists already.
    function deploy(address implementation, bytes32 root, uint256 count, bytes32 effectiveSalt)
        internal
        returns (address)
    {
        return Create2.deploy(0, effectiveSalt, initCode(implementation, root, count, effectiveSalt));
    }

    /// @notice The address {deploy} gives when run by `deployer`.
    function predict(address implementation, bytes32 root, uint256 count, bytes32 effectiveSalt, address deployer)
        internal
        pure
        returns (address)
    {
        return Create2.computeAddress(
            effectiveSalt, keccak256(initCode(implementation, root, count, effectiveSalt)), deployer
        );
    }

    /// @notice The immutable args of the clone at `instance` (garbage for an address that is not a clone).
    function args(address instance) internal view returns (bytes32 root, uint256 count, bytes32 effectiveSalt) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            extcodecopy(instance, ptr, ARGS_OFFSET, ARGS_LENGTH)
            root := mload(ptr)
            count := mload(add(ptr, 0x20))
            effectiveSalt := mload(add(ptr, 0x40))
        }
    }
}
