// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ISplitFactory} from "./interfaces/ISplitFactory.sol";
import {ITrackSplit} from "./interfaces/ITrackSplit.sol";
import {RecipientsTree} from "./libraries/RecipientsTree.sol";
import {TrackSplit} from "./TrackSplit.sol";

/// @title SplitFactory
/// @notice Creates TrackSplit clones (EIP-1167 with immutable args, CREATE2) and releases from many splits at once.
/// @dev createSplit writes one storage slot (isSplit) and deploys a 109-byte clone whose args are
/// `abi.encode(recipientsRoot, recipientCount)`: no per-recipient storage. Validation and the root are computed by
/// RecipientsTree (see there for the order of checks and the 200-recipient cap).
contract SplitFactory is ISplitFactory {
    /// @notice At most 200 recipients per split (see RecipientsTree.MAX_RECIPIENTS for why).
    uint256 public constant MAX_RECIPIENTS = RecipientsTree.MAX_RECIPIENTS;

    /// @notice Shares are out of SCALE: 1e6 = 100%.
    uint256 public constant SCALE = RecipientsTree.SCALE;

    /// @inheritdoc ISplitFactory
    address public immutable implementation;

    /// @inheritdoc ISplitFactory
    mapping(address split => bool) public isSplit;

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
        split = Clones.cloneDeterministicWithImmutableArgs(
            implementation, abi.encode(root, recipients.length), _effectiveSalt(msg.sender, salt)
        );
        isSplit[split] = true;
        emit SplitCreated(split, msg.sender, root, recipients, shares);
    }

    /// @inheritdoc ISplitFactory
    function predictSplitAddress(
        address creator,
        address[] calldata recipients,
        uint256[] calldata shares,
        bytes32 salt
    ) external view returns (address) {
        bytes32 root = RecipientsTree.validateAndRoot(recipients, shares);
        return Clones.predictDeterministicAddressWithImmutableArgs(
            implementation, abi.encode(root, recipients.length), _effectiveSalt(creator, salt)
        );
    }

    /// @inheritdoc ISplitFactory
    function recipientsRoot(address[] calldata recipients, uint256[] calldata shares)
        external
        pure
        returns (bytes32)
    {
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
            if (!isSplit[split]) revert NotASplit(split);
            amounts[i] = ITrackSplit(payable(split)).release(request.token, account, request.share, request.proof);
        }
    }

    function _effectiveSalt(address creator, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }
}
