// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ISplitFactory} from "./interfaces/ISplitFactory.sol";
import {ITrackSplit} from "./interfaces/ITrackSplit.sol";
import {RecipientsTree} from "./libraries/RecipientsTree.sol";
import {TrackSplit} from "./TrackSplit.sol";

/// @title SplitFactory
/// @notice Creates TrackSplit clones (EIP-1167 with immutable args, CREATE2) and releases from many splits at once.
/// @dev createSplit writes no storage at all: it deploys a 141-byte clone whose immutable args are
/// `abi.encode(recipientsRoot, recipientCount, effectiveSalt)`. Keeping the CREATE2 salt in the clone lets
/// {isSplit} prove, from the code alone, that this factory deployed an address (CREATE2 addresses commit to the
/// deployer, the salt and the init code), which costs 6,400 gas of code deposit instead of a 22,100-gas SSTORE.
/// Validation and the root are computed by RecipientsTree (see there for the order of checks and the
/// 200-recipient cap).
contract SplitFactory is ISplitFactory {
    /// @notice At most 200 recipients per split (see RecipientsTree.MAX_RECIPIENTS for why).
    uint256 public constant MAX_RECIPIENTS = RecipientsTree.MAX_RECIPIENTS;

    /// @notice Shares are out of SCALE: 1e6 = 100%.
    uint256 public constant SCALE = RecipientsTree.SCALE;

    /// @inheritdoc ISplitFactory
    address public immutable implementation;

    /// @dev Runtime code length of a clone: 45 bytes of EIP-1167 proxy and three 32-byte args.
    uint256 private constant CLONE_CODE_LENGTH = 0x2d + 0x60;

    /// @notice Deploys the TrackSplit implementation every clone delegates to.
    constructor() {
        implementation = address(new TrackSplit());
    }

    /// @inheritdoc ISplitFactory
    function createSplit(address[] calldata recipients, uint256[] calldata shares, bytes32 salt)
        external
        returns (address split)
    {
        bytes32 root = RecipientsTree.validateAndRoot(recipients, shares);
        bytes32 effectiveSalt = _effectiveSalt(msg.sender, salt);
        split = Clones.cloneDeterministicWithImmutableArgs(
            implementation, abi.encode(root, recipients.length, effectiveSalt), effectiveSalt
        );
        emit SplitCreated(split, msg.sender, root, recipients.length);
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
        return Clones.predictDeterministicAddressWithImmutableArgs(
            implementation, abi.encode(root, recipients.length, effectiveSalt), effectiveSalt
        );
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
            if (split.code.length != CLONE_CODE_LENGTH) revert NotASplit(split);
            amounts[i] = ITrackSplit(payable(split)).release(request.token, account, request.share, request.proof);
        }
    }

    /// @inheritdoc ISplitFactory
    function isSplit(address split) public view returns (bool) {
        if (split.code.length != CLONE_CODE_LENGTH) return false;
        bytes memory args = Clones.fetchCloneArgs(split);
        (,, bytes32 effectiveSalt) = abi.decode(args, (bytes32, uint256, bytes32));
        return Clones.predictDeterministicAddressWithImmutableArgs(implementation, args, effectiveSalt) == split;
    }

    function _effectiveSalt(address creator, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }
}
