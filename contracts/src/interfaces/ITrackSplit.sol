// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITrackSplit
/// @notice One royalty split per track: a clone (made by the SplitFactory, code in SplitClone) that receives ETH and
/// any ERC-20 from anyone and lets every recipient pull its share. A plain ETH transfer (empty calldata) is accepted
/// by the clone's own code without delegating to the implementation: 15 gas, no storage and no event, so ETH sent
/// with a 2,300-gas stipend (`transfer`/`send`, as EIP-2981 payers often do) is accepted. The implementation itself
/// has no receive(): ETH sent to it reverts. Recipients are hash-stored: the clone's immutable
/// args are `abi.encode(bytes32 recipientsRoot, uint256 recipientCount, bytes32 effectiveSalt)` (the salt is the
/// factory's, see ISplitFactory), and a recipient proves its `(account, share)` leaf with a Merkle proof when it
/// releases. The recipient list itself is in the factory's SplitCreated event.
/// @dev Recipients tree: leaf = keccak256(bytes.concat(keccak256(abi.encode(account, share)))), leaves in the
/// order of the (strictly ascending) recipients, combined pairwise left to right with
/// OpenZeppelin `Hashes.commutativeKeccak256`; an odd last node is carried up unchanged. A one-recipient split's
/// root is its leaf and its proof is empty.
///
/// Accounting (pull, O(1) per deposit, nothing written on deposit):
///   totalReceived(token) = balance(token) + totalReleased(token)
///   releasable(account)  = floor(totalReceived * share / SCALE) - released[token][account]
/// Rounding: every recipient's entitlement is floored, so at most one base unit per recipient (fewer than
/// recipientCount base units in all) stays in the split as dust; it is not lost: it becomes claimable as soon as
/// more of that token arrives, because entitlements are always recomputed from the cumulative total.
/// Undeliverable payouts are held for the recipient (`held`), never lost: see {release} and {withdrawHeld}.
/// `released` counts held amounts, `totalReleased` only what has left the split.
/// Tokens whose balance can fall without a transfer out (rebasing, fee-on-transfer on the way out) are not supported.
/// The split is its own EIP-712 verifying contract: domain {name: "TrackSplit", version: "1", chainId,
/// verifyingContract: the clone}; `nonces(account)` (OpenZeppelin Nonces) is the next WithdrawHeld nonce and
/// `eip712Domain()` (ERC-5267) describes the domain.
interface ITrackSplit {
    /// @notice `(account, share)` is not a leaf of this split's recipients tree under `proof`.
    /// @param account The account that was claimed for.
    /// @param share The share that was claimed.
    error InvalidRecipientProof(address account, uint256 share);

    /// @notice Sending `amount` wei to `account` failed (the account reverted or ran out of gas).
    /// Only this account's own release fails; nothing is recorded and other recipients are unaffected.
    /// @param account The recipient that could not be paid.
    /// @param amount The amount that was due.
    error EthTransferFailed(address account, uint256 amount);

    /// @notice The payout to `account` failed having used up the gas it was given (`gasleft() <= gas before / 63`
    /// after the call), so it may have failed only for want of gas: nothing is recorded; retry with more gas. A
    /// payout is held only when it failed with gas to spare, so nobody can push a recipient's payout into `held`
    /// by under-funding the call. (A recipient that burns all gas it is given therefore cannot be paid by
    /// release; its money stays releasable in the split.)
    /// @param account The recipient.
    /// @param amount The amount that was due.
    error PayoutOutOfGas(address account, uint256 amount);

    /// @notice Nothing of `token` is held for `account`.
    error NothingHeld(address token, address account);

    /// @notice A held balance cannot be withdrawn to the zero address.
    error ZeroAddressDestination();

    /// @notice The WithdrawHeld signature's `deadline` has passed (`currentTime`).
    error HeldSignatureExpired(uint256 deadline, uint256 currentTime);

    /// @notice The signature is not `account`'s (ECDSA for an EOA, ERC-1271 for a contract) over the WithdrawHeld
    /// message with the account's current nonce.
    error InvalidHeldSignature(address account);

    /// @notice `amount` of `token` was paid to `account`.
    /// @param token The ERC-20 paid, or the native token address (0xEeee...EEeE) for ETH.
    /// @param account The recipient paid.
    /// @param amount The amount paid, in the token's base units.
    event Released(address indexed token, address indexed account, uint256 amount);

    /// @notice A payout of `amount` of `token` to `account` could not be delivered (the transfer reverted or
    /// returned false) and is held for the account in this split: see {withdrawHeld}.
    event PayoutHeld(address indexed token, address indexed account, uint256 amount);

    /// @notice `amount` of `token` held for `account` was paid to `to`.
    event HeldWithdrawn(address indexed token, address indexed account, address indexed to, uint256 amount);

    /// @notice Pays `account` everything it may claim of `token` now. Permissionless: anyone may call it, the
    /// money always goes to `account`. Returns 0 and does nothing (no event) when nothing is due.
    /// @dev ETH is sent with a low-level call forwarding all gas; ERC-20 with SafeERC20's trySafeTransfer. State
    /// is updated before the transfer (checks-effects-interactions), so re-entering cannot pay twice.
    /// If the transfer fails (reverts, or the token returns false) with gas to spare, the amount is credited to
    /// `held[token][account]` instead ({PayoutHeld}) and the call succeeds, returning 0: a recipient that refuses
    /// ETH or is blocklisted by the token never blocks a caller such as `releaseMany` and loses nothing. If it
    /// failed having used up its gas, the call reverts {PayoutOutOfGas}.
    /// @param token The ERC-20 to release, or 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE for ETH.
    /// @param account The recipient to pay.
    /// @param share The recipient's share, out of SCALE (1e6).
    /// @param proof The Merkle proof of the `(account, share)` leaf.
    /// @return amount The amount paid (0 when nothing was due or the payout was held).
    function release(address token, address account, uint256 share, bytes32[] calldata proof)
        external
        returns (uint256 amount);

    /// @notice Pays everything of `token` held for the caller (see {release}) to `to`, an address the caller
    /// chooses. The transfer must succeed, else the call reverts and the balance stays held.
    /// @param token The ERC-20, or the native token address for ETH.
    /// @param to Where to send it (not zero).
    /// @return The amount paid. Reverts {NothingHeld} if nothing is held, {ZeroAddressDestination} for `to` = 0.
    function withdrawHeld(address token, address to) external returns (uint256);

    /// @notice {withdrawHeld} on behalf of `account`, authorised by its EIP-712 signature over
    /// `WithdrawHeld(address token,address account,address to,uint256 nonce,uint256 deadline)` (nonce =
    /// `nonces(account)`, used up by this call). Anyone may submit it (a relayer), the money goes to `to`.
    /// @dev Signatures are checked with OpenZeppelin SignatureChecker: ECDSA (low-s) for an EOA, ERC-1271 for a
    /// contract account, so a contract that cannot receive ETH but can sign can still recover its money.
    /// @param token The ERC-20, or the native token address for ETH.
    /// @param account The account whose held balance is withdrawn (the signer).
    /// @param to Where to send it (not zero), as signed.
    /// @param deadline The last timestamp at which the signature is valid, as signed.
    /// @param signature The account's signature.
    /// @return The amount paid. Reverts {HeldSignatureExpired}, {InvalidHeldSignature}, {NothingHeld}.
    function withdrawHeldWithSig(address token, address account, address to, uint256 deadline, bytes calldata signature)
        external
        returns (uint256);

    /// @notice The amount of `token` held for `account` after failed payouts, waiting for {withdrawHeld}.
    function held(address token, address account) external view returns (uint256);

    /// @notice The EIP-712 type hash of the WithdrawHeld message.
    function WITHDRAW_HELD_TYPEHASH() external view returns (bytes32);

    /// @notice This split's EIP-712 domain separator (its own address is the verifying contract).
    function domainSeparator() external view returns (bytes32);

    /// @notice What {release} would pay `account` of `token` now. Reverts {InvalidRecipientProof} on a bad proof.
    /// @param token The ERC-20, or the native token address for ETH.
    /// @param account The recipient.
    /// @param share The recipient's share, out of SCALE (1e6).
    /// @param proof The Merkle proof of the `(account, share)` leaf.
    /// @return The claimable amount, in the token's base units.
    function releasable(address token, address account, uint256 share, bytes32[] calldata proof)
        external
        view
        returns (uint256);

    /// @notice The amount of `token` already credited to `account`: paid, or held for it.
    function released(address token, address account) external view returns (uint256);

    /// @notice The amount of `token` that has left the split to recipients (held amounts once withdrawn).
    function totalReleased(address token) external view returns (uint256);

    /// @notice Everything of `token` this split has received so far: its balance plus {totalReleased}.
    function totalReceived(address token) external view returns (uint256);

    /// @notice The Merkle root of the recipients tree (from the clone's immutable args).
    function recipientsRoot() external view returns (bytes32);

    /// @notice The number of recipients (from the clone's immutable args).
    function recipientCount() external view returns (uint256);

    /// @notice The SplitFactory that deployed the implementation this clone delegates to.
    function factory() external view returns (address);
}
