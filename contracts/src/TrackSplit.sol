// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ITrackSplit} from "./interfaces/ITrackSplit.sol";
import {RecipientsTree} from "./libraries/RecipientsTree.sol";
import {SplitClone} from "./libraries/SplitClone.sol";

/// @title TrackSplit
/// @notice A track's royalty split: a hash-stored, pull-based splitter deployed as a clone (see SplitClone) with
/// immutable args `abi.encode(bytes32 recipientsRoot, uint256 recipientCount, bytes32 effectiveSalt)` by the
/// SplitFactory.
/// @dev Nothing is written when money arrives. A recipient's entitlement to a token is
///   floor((balance + totalReleased[token]) * share / SCALE)          (rounded down, Math.mulDiv, no overflow)
/// and {release} pays the entitlement minus what it was already credited. Rounding: each entitlement is floored, so
/// at most one base unit per recipient (below recipientCount in all) is left in the split; because entitlements are
/// recomputed from the cumulative total, that dust is paid out as soon as enough more arrives, never lost, and no
/// recipient is ever credited more than floor(totalReceived * share / SCALE). Since the shares sum to SCALE, the
/// entitlements sum to at most totalReceived, so the split is always solvent for every recipient at once.
///
/// Undeliverable payouts: when the transfer of a release fails (an ETH recipient that reverts, an ERC-20 that
/// refuses the account, e.g. a blocklist), the amount is credited to `held[token][account]` instead and stays in the
/// split; `released` counts it (it is no longer releasable) but `totalReleased` does not (it has not left), so
/// totalReceived = balance + totalReleased still holds and the held money is reserved for that account alone. The
/// account withdraws it later to any address it chooses: calling {withdrawHeld} itself, or by an EIP-712 signature
/// (or ERC-1271 for a contract account) through {withdrawHeldWithSig}. A failed payout never reverts the release, so
/// it blocks no one, and a payout is held only when it failed with gas to spare (see {release}).
/// The contract follows checks-effects-interactions: `released` and `totalReleased` are updated before any
/// transfer, which keeps totalReceived unchanged across a re-entrant call and leaves nothing more to claim.
contract TrackSplit is ITrackSplit, EIP712, Nonces {
    using SafeERC20 for IERC20;

    /// @notice The ERC-7528 address that stands for native ETH.
    address public constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    /// @notice Shares are out of SCALE: 1e6 = 100%.
    uint256 public constant SCALE = RecipientsTree.SCALE;

    /// @inheritdoc ITrackSplit
    bytes32 public constant WITHDRAW_HELD_TYPEHASH =
        keccak256("WithdrawHeld(address token,address account,address to,uint256 nonce,uint256 deadline)");

    address private immutable _factory;

    /// @inheritdoc ITrackSplit
    mapping(address token => uint256 amount) public totalReleased;

    /// @inheritdoc ITrackSplit
    mapping(address token => mapping(address account => uint256 amount)) public released;

    /// @inheritdoc ITrackSplit
    mapping(address token => mapping(address account => uint256 amount)) public held;

    /// @notice Deployed once, by the SplitFactory, as the implementation behind every clone.
    /// @dev EIP712 caches the domain separator for the implementation's own address; in a clone `address(this)`
    /// differs, so OpenZeppelin rebuilds it with the clone's address (each clone is its own verifying contract).
    constructor() EIP712("TrackSplit", "1") {
        _factory = msg.sender;
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
        // alreadyTotal + amount <= balance + alreadyTotal = received, because amount <= balance (the pending amounts
        // of all recipients together never exceed the balance minus what is held).
        unchecked {
            released[token][account] = alreadyPaid + amount;
            totalReleased[token] = alreadyTotal + amount;
        }

        uint256 gasBefore = gasleft();
        // All gas is forwarded and no return data is copied.
        bool delivered = token == NATIVE_TOKEN
            ? LowLevelCall.callNoReturn(account, amount, "")
            : IERC20(token).trySafeTransfer(account, amount);
        if (delivered) {
            emit Released(token, account, amount);
            return amount;
        }
        // A call that failed having used up what it was given may have failed only because the caller sent too
        // little gas; holding then would let anyone push a healthy recipient's payout aside. Revert instead.
        if (gasleft() <= gasBefore / 63) revert PayoutOutOfGas(account, amount);
        // The money has not left: undo the totalReleased increase (by subtraction, so a re-entrant release that
        // did succeed during the failed transfer stays counted) and reserve it for the account.
        // Cannot underflow: totalReleased[token] >= alreadyTotal + amount, it only grows during the call.
        unchecked {
            totalReleased[token] -= amount;
        }
        held[token][account] += amount;
        emit PayoutHeld(token, account, amount);
        return 0;
    }

    /// @inheritdoc ITrackSplit
    function withdrawHeld(address token, address to) external returns (uint256) {
        return _withdrawHeld(token, msg.sender, to);
    }

    /// @inheritdoc ITrackSplit
    function withdrawHeldWithSig(address token, address account, address to, uint256 deadline, bytes calldata signature)
        external
        returns (uint256)
    {
        if (block.timestamp > deadline) revert HeldSignatureExpired(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(WITHDRAW_HELD_TYPEHASH, token, account, to, _useNonce(account), deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) revert InvalidHeldSignature(account);
        return _withdrawHeld(token, account, to);
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
        (root,,) = SplitClone.args(address(this));
    }

    /// @inheritdoc ITrackSplit
    function recipientCount() external view returns (uint256 count) {
        (, count,) = SplitClone.args(address(this));
    }

    /// @inheritdoc ITrackSplit
    function factory() external view returns (address) {
        return _factory;
    }

    /// @inheritdoc ITrackSplit
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev Pays everything held for `account` in `token` to `to`; the transfer must succeed (the account chose
    /// `to`), otherwise the whole call reverts and the balance stays held.
    function _withdrawHeld(address token, address account, address to) private returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddressDestination();
        amount = held[token][account];
        if (amount == 0) revert NothingHeld(token, account);
        held[token][account] = 0;
        totalReleased[token] += amount;
        emit HeldWithdrawn(token, account, to, amount);
        if (token == NATIVE_TOKEN) {
            if (!LowLevelCall.callNoReturn(to, amount, "")) revert EthTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    /// @dev Reverts unless `(account, share)` is a leaf of the recipients tree under `proof`.
    function _verify(address account, uint256 share, bytes32[] calldata proof) private view {
        if (!MerkleProof.verifyCalldata(proof, _root(), RecipientsTree.leaf(account, share))) {
            revert InvalidRecipientProof(account, share);
        }
    }

    /// @dev floor(received * share / SCALE) - paid, or 0 when paid is already above that (only possible with
    /// unsupported tokens whose balance shrinks on its own; their releases that the balance cannot cover are held,
    /// and withdrawing them reverts in the token). For every supported token it never exceeds the balance.
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

    /// @dev The recipients root alone, for the release path: the first word of the clone args, read with one
    /// 32-byte EXTCODECOPY into the scratch space.
    function _root() private view returns (bytes32 root) {
        uint256 offset = SplitClone.ARGS_OFFSET;
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, offset, 0x20)
            root := mload(0x00)
        }
    }
}
