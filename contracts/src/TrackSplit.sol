// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ITrackSplit} from "./interfaces/ITrackSplit.sol";
import {RecipientsTree} from "./libraries/RecipientsTree.sol";

/// @title TrackSplit
/// @notice A track's royalty split: a hash-stored, pull-based splitter deployed as an EIP-1167 clone with immutable
/// args `abi.encode(bytes32 recipientsRoot, uint256 recipientCount, bytes32 effectiveSalt)` by the SplitFactory.
/// @dev Nothing is written when money arrives. A recipient's entitlement to a token is
///   floor((balance + totalReleased[token]) * share / SCALE)          (rounded down, Math.mulDiv, no overflow)
/// and {release} pays the entitlement minus what it was already paid. Rounding: each entitlement is floored, so
/// at most one base unit per recipient (below recipientCount in all) is left in the split; because entitlements are
/// recomputed from the cumulative total, that dust is paid out as soon as enough more arrives, never lost, and no
/// recipient is ever paid more than floor(totalReceived * share / SCALE). Since the shares sum to SCALE, the
/// entitlements sum to at most totalReceived, so the split is always solvent for every recipient at once.
/// The contract follows checks-effects-interactions: `released` and `totalReleased` are updated before any
/// transfer, which keeps totalReceived unchanged across a re-entrant call and leaves nothing more to claim.
contract TrackSplit is ITrackSplit {
    using SafeERC20 for IERC20;

    /// @notice The ERC-7528 address that stands for native ETH.
    address public constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @notice Shares are out of SCALE: 1e6 = 100%.
    uint256 public constant SCALE = RecipientsTree.SCALE;

    address private immutable _factory;

    /// @inheritdoc ITrackSplit
    mapping(address token => uint256 amount) public totalReleased;

    /// @inheritdoc ITrackSplit
    mapping(address token => mapping(address account => uint256 amount)) public released;

    /// @notice Deployed once, by the SplitFactory, as the implementation behind every clone.
    constructor() {
        _factory = msg.sender;
    }

    /// @inheritdoc ITrackSplit
    receive() external payable {
        emit EthReceived(msg.sender, msg.value);
    }

    /// @inheritdoc ITrackSplit
    function release(address token, address account, uint256 share, bytes32[] calldata proof)
        external
        returns (uint256 amount)
    {
        _verify(account, share, proof);
        uint256 alreadyTotal = totalReleased[token];
        uint256 alreadyPaid = released[token][account];
        amount = _pending(_balance(token) + alreadyTotal, share, alreadyPaid);
        if (amount == 0) return 0;

        // Cannot overflow where it persists: alreadyPaid + amount is the entitlement, <= received; and
        // alreadyTotal + amount <= balance + alreadyTotal = received whenever amount <= balance, which the transfer
        // below requires (otherwise it reverts and these writes are undone).
        unchecked {
            released[token][account] = alreadyPaid + amount;
            totalReleased[token] = alreadyTotal + amount;
        }
        emit Released(token, account, amount);

        if (token == NATIVE_TOKEN) {
            // All gas is forwarded and no return data is copied; a failing recipient only fails its own release.
            if (!LowLevelCall.callNoReturn(account, amount, "")) revert EthTransferFailed(account, amount);
        } else {
            IERC20(token).safeTransfer(account, amount);
        }
    }

    /// @inheritdoc ITrackSplit
    function releasable(address token, address account, uint256 share, bytes32[] calldata proof)
        external
        view
        returns (uint256)
    {
        _verify(account, share, proof);
        return _pending(totalReceived(token), share, released[token][account]);
    }

    /// @inheritdoc ITrackSplit
    function totalReceived(address token) public view returns (uint256) {
        return _balance(token) + totalReleased[token];
    }

    /// @inheritdoc ITrackSplit
    function recipientsRoot() external view returns (bytes32 root) {
        (root,) = _args();
    }

    /// @inheritdoc ITrackSplit
    function recipientCount() external view returns (uint256 count) {
        (, count) = _args();
    }

    /// @inheritdoc ITrackSplit
    function factory() external view returns (address) {
        return _factory;
    }

    /// @dev Reverts unless `(account, share)` is a leaf of the recipients tree under `proof`.
    function _verify(address account, uint256 share, bytes32[] calldata proof) private view {
        if (!MerkleProof.verifyCalldata(proof, _root(), RecipientsTree.leaf(account, share))) {
            revert InvalidRecipientProof(account, share);
        }
    }

    /// @dev floor(received * share / SCALE) - paid, or 0 when paid is already above that (only possible with
    /// unsupported tokens whose balance shrinks on its own; their releases that the balance cannot cover revert in
    /// the token). For every supported token it never exceeds the balance: the shares sum to SCALE.
    function _pending(uint256 received, uint256 share, uint256 paid) private pure returns (uint256) {
        uint256 entitled = Math.mulDiv(received, share, SCALE);
        // Cannot underflow: checked just before.
        unchecked {
            return entitled > paid ? entitled - paid : 0;
        }
    }

    function _balance(address token) private view returns (uint256) {
        return token == NATIVE_TOKEN ? address(this).balance : IERC20(token).balanceOf(address(this));
    }

    /// @dev The recipients root alone, for the release path: the first word of the clone args (they start right
    /// after the 45-byte EIP-1167 proxy code), read with one 32-byte EXTCODECOPY into the scratch space instead of
    /// copying and decoding all of `Clones.fetchCloneArgs` (which {recipientsRoot} and {recipientCount} use).
    function _root() private view returns (bytes32 root) {
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, 0x2d, 0x20)
            root := mload(0x00)
        }
    }

    function _args() private view returns (bytes32 root, uint256 count) {
        (root, count,) = abi.decode(Clones.fetchCloneArgs(address(this)), (bytes32, uint256, bytes32));
    }
}
