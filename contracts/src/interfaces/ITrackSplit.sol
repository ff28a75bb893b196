// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITrackSplit
/// @notice One royalty split per track: an EIP-1167 clone (made by the SplitFactory) that receives ETH and any
/// ERC-20 from anyone and lets every recipient pull its share. Recipients are hash-stored: the clone's immutable
/// args are `abi.encode(bytes32 recipientsRoot, uint256 recipientCount, bytes32 effectiveSalt)` (the salt is the
/// factory's, see ISplitFactory), and a recipient proves its
/// `(account, share)` leaf with a Merkle proof when it releases.
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
/// Tokens whose balance can fall without a transfer out (rebasing, fee-on-transfer on the way out) are not supported.
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

    /// @notice `amount` of `token` was paid to `account`.
    /// @param token The ERC-20 paid, or the native token address (0xEeee...EEeE) for ETH.
    /// @param account The recipient paid.
    /// @param amount The amount paid, in the token's base units.
    event Released(address indexed token, address indexed account, uint256 amount);

    /// @notice The split received `amount` wei from `from` through `receive()`.
    /// @param from The sender.
    /// @param amount The amount received, in wei.
    event EthReceived(address indexed from, uint256 amount);

    /// @notice Accepts ETH from anyone. Writes nothing to storage, only emits {EthReceived}.
    /// @dev A clone's first call pays for cold access to the implementation, so a 2300-gas `transfer`/`send`
    /// into a split fails; send with a plain `call`.
    receive() external payable;

    /// @notice Pays `account` everything it may claim of `token` now. Permissionless: anyone may call it, the
    /// money always goes to `account`. Returns 0 and does nothing (no event) when nothing is due.
    /// @dev ETH is sent with a low-level call forwarding all gas; ERC-20 with SafeERC20. State is updated
    /// before the transfer (checks-effects-interactions), so re-entering cannot pay twice.
    /// @param token The ERC-20 to release, or 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE for ETH.
    /// @param account The recipient to pay.
    /// @param share The recipient's share, out of SCALE (1e6).
    /// @param proof The Merkle proof of the `(account, share)` leaf.
    /// @return amount The amount paid.
    function release(address token, address account, uint256 share, bytes32[] calldata proof)
        external
        returns (uint256 amount);

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

    /// @notice The amount of `token` already paid to `account`.
    function released(address token, address account) external view returns (uint256);

    /// @notice The amount of `token` already paid out to all recipients together.
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
