// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISplitFactory} from "./interfaces/ISplitFactory.sol";
import {ITrackSplit} from "./interfaces/ITrackSplit.sol";
import {RecipientsTree} from "./libraries/RecipientsTree.sol";
import {SplitClone} from "./libraries/SplitClone.sol";
import {TrackSplit} from "./TrackSplit.sol";

/// @title SplitFactory
/// @notice Creates TrackSplit clones (CREATE2, see SplitClone for the code) and releases from many splits at once.
/// @dev createSplit writes no storage at all: it deploys a 147-byte clone whose immutable args are
/// `abi.encode(recipientsRoot, recipientCount, effectiveSalt)`. Keeping the CREATE2 salt in the clone lets
/// {isSplit} prove, from the code alone, that this factory deployed an address (CREATE2 addresses commit to the
/// deployer, the salt and the init code), which costs 6,400 gas of code deposit instead of a 22,100-gas SSTORE.
/// The SplitCreated event carries the whole recipient list (packed, 32 bytes per recipient), so a split's
/// recipients can be rebuilt from logs alone whatever contract called createSplit.
/// Validation and the root are computed by RecipientsTree (see there for the order of checks and the
/// 200-recipient cap).
contract SplitFactory is ISplitFactory {
    /// @notice At most 200 recipients per split (see RecipientsTree.MAX_RECIPIENTS for why).
    uint256 public constant MAX_RECIPIENTS = RecipientsTree.MAX_RECIPIENTS;

    /// @notice Shares are out of SCALE: 1e6 = 100%.
    uint256 public constant SCALE = RecipientsTree.SCALE;

    /// @inheritdoc ISplitFactory
    address public immutable implementation;

    /// @notice Deploys the TrackSplit implementation every clone delegates to.
    constructor() {
        implementation = address(new TrackSplit());
    }

    /// @inheritdoc ISplitFactory
    function createSplit(address[] calldata recipients, uint256[] calldata shares, bytes32 salt)
        external
        returns (address split)
    {
        (bytes32 root, bytes memory eventData) = RecipientsTree.validateRootAndEventData(recipients, shares);
        bytes32 effectiveSalt = _effectiveSalt(msg.sender, salt);
        split = SplitClone.deploy(implementation, root, recipients.length, effectiveSalt);
        // emit SplitCreated(split, msg.sender, root, packed), from the buffer that already holds abi.encode(root,
        // packed) (built by the validation loop), instead of Solidity re-encoding the array.
        bytes32 topic = SplitCreated.selector;
        assembly ("memory-safe") {
            log3(add(eventData, 0x20), mload(eventData), topic, split, caller())
        }
    }

    /// @inheritdoc ISplitFactory
    function predictSplitAddress(
        address creator,
        address[] calldata recipients,
        uint256[] calldata shares,
        bytes32 salt
    ) external view returns (address) {
        bytes32 root = RecipientsTree.validateAndRoot(recipients, shares);
        bytes32 effectiveSalt = _effectiveSalt(creator, salt);
        return SplitClone.predict(implementation, root, recipients.length, effectiveSalt, address(this));
    }

    /// @inheritdoc ISplitFactory
    function recipientsRoot(address[] calldata recipients, uint256[] calldata shares) external pure returns (bytes32) {
        return RecipientsTree.validateAndRoot(recipients, shares);
    }

    /// @inheritdoc ISplitFactory
    function releaseMany(ReleaseRequest[] calldata requests, address account)
        external
        returns (uint256[] memory amounts)
    {
        uint256 n = requests.length;
        if (n == 0) revert NoReleaseRequests();
        amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ReleaseRequest calldata request = requests[i];
            address split = request.split;
            // Only the code length is checked here (it also warms the account for the call below), not the full
            // CREATE2 proof of {isSplit}, which would add ~1.7k gas per split and protect nothing: this factory
            // holds no funds, approvals or roles, so calling a look-alike is no different from the caller calling
            // it directly. The check turns typos (EOAs, other contracts) into a clear NotASplit error.
            if (split.code.length != SplitClone.CODE_LENGTH) revert NotASplit(split);
            amounts[i] = ITrackSplit(payable(split)).release(request.token, account, request.share, request.proof);
        }
    }

    /// @inheritdoc ISplitFactory
    function isSplit(address split) public view returns (bool) {
        if (split.code.length != SplitClone.CODE_LENGTH) return false;
        (bytes32 root, uint256 count, bytes32 effectiveSalt) = SplitClone.args(split);
        return SplitClone.predict(implementation, root, count, effectiveSalt, address(this)) == split;
    }

    function _effectiveSalt(address creator, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }
}
