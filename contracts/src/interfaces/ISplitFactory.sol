// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ISplitFactory
/// @notice Creates TrackSplit clones at CREATE2-predictable addresses and pays one account from many splits in one
/// transaction.
/// @dev The factory deploys the TrackSplit implementation in its constructor ({implementation}). A split's CREATE2
/// salt is `effectiveSalt = keccak256(abi.encode(creator, salt))`, so nobody can take another creator's address, and
/// its clone args are `abi.encode(recipientsRoot, recipientCount, effectiveSalt)` (the salt lets {isSplit} check an
/// address without any storage).
interface ISplitFactory {
    /// @notice One release in a {releaseMany} batch.
    /// @param split The TrackSplit to release from.
    /// @param token The ERC-20, or 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE for ETH.
    /// @param share The account's share in that split, out of 1e6.
    /// @param proof The Merkle proof of the account's `(account, share)` leaf in that split.
    struct ReleaseRequest {
        address split;
        address token;
        uint256 share;
        bytes32[] proof;
    }

    /// @notice The recipient list is empty.
    error NoRecipients();

    /// @notice More than `max` recipients were given.
    /// @param count The number of recipients given.
    /// @param max The cap, MAX_RECIPIENTS (200).
    error TooManyRecipients(uint256 count, uint256 max);

    /// @notice The recipients and shares arrays differ in length.
    /// @param recipients The number of recipients.
    /// @param shares The number of shares.
    error LengthMismatch(uint256 recipients, uint256 shares);

    /// @notice Recipients must be strictly ascending by address; `current` at `index` is not above `previous`
    /// (equal means a duplicate).
    /// @param index The index of the offending recipient.
    /// @param previous The recipient at `index - 1`.
    /// @param current The recipient at `index`.
    error RecipientsNotSorted(uint256 index, address previous, address current);

    /// @notice The recipient at `index` has a zero share.
    /// @param index The index of the offending recipient.
    /// @param recipient The recipient.
    error ZeroShare(uint256 index, address recipient);

    /// @notice The recipient at `index` is the zero address.
    /// @param index The index of the offending recipient.
    error ZeroAddressRecipient(uint256 index);

    /// @notice The shares add up to `sum` instead of `expected` (1e6).
    /// @param sum The sum of the shares given.
    /// @param expected SCALE, 1e6.
    error SharesSumMismatch(uint256 sum, uint256 expected);

    /// @notice {releaseMany} was called with no requests.
    error NoReleaseRequests();

    /// @notice `split` is not a split: in {releaseMany}, an address without a TrackSplit clone's code (147 bytes).
    /// @param split The offending address.
    error NotASplit(address split);

    /// @notice A split was created. The event carries the whole recipient list, so anyone can rebuild a split's
    /// recipients from logs alone, whatever contract (registry, contract wallet, multicall) called {createSplit}.
    /// @dev `recipients[i] = (share_i << 160) | uint160(account_i)`, in the (strictly ascending) order of the tree:
    /// account = the low 160 bits, share = the rest (out of 1e6). Packing halves the event's cost: each recipient
    /// adds 32 bytes of log data (256 gas) and one memory word, ~290 gas in all, instead of ~530 for two arrays.
    /// Check a list rebuilt this way against `recipientsRoot` (it is, by construction) before building proofs.
    /// @param split The new clone.
    /// @param creator The caller of {createSplit} (the TrackRegistry for registered tracks).
    /// @param recipientsRoot The Merkle root of the recipients tree.
    /// @param recipients The recipients and shares, packed one word each; the length is the recipient count.
    event SplitCreated(address indexed split, address indexed creator, bytes32 recipientsRoot, uint256[] recipients);

    /// @notice Creates a split with CREATE2 salt `keccak256(abi.encode(msg.sender, salt))`.
    /// @dev Validates the recipients: 1 to 200, strictly ascending, non-zero addresses, non-zero shares summing to
    /// exactly 1e6. Reverts with the matching custom error. Creating the same split twice with the same salt reverts
    /// (OpenZeppelin `Errors.FailedDeployment`).
    /// @param recipients The recipients, strictly ascending by address.
    /// @param shares Their shares out of 1e6.
    /// @param salt The creator's salt.
    /// @return split The new clone's address.
    function createSplit(address[] calldata recipients, uint256[] calldata shares, bytes32 salt)
        external
        returns (address split);

    /// @notice The address {createSplit} gives `creator` for these arguments. Validates like {createSplit}.
    function predictSplitAddress(
        address creator,
        address[] calldata recipients,
        uint256[] calldata shares,
        bytes32 salt
    ) external view returns (address);

    /// @notice The recipients-tree root for these recipients. Validates like {createSplit}.
    function recipientsRoot(address[] calldata recipients, uint256[] calldata shares) external pure returns (bytes32);

    /// @notice Pays `account` from every split in `requests` (each a full {ITrackSplit-release}); a request with
    /// nothing due pays 0. Permissionless: the money always goes to `account`.
    /// @dev Each address must have a split clone's code (else {NotASplit}); the full {isSplit} proof is not run,
    /// since the factory holds nothing a look-alike could take. Use {isSplit} off chain to vet addresses.
    /// @param requests The splits, tokens, shares and proofs.
    /// @param account The account to pay.
    /// @return amounts The amount paid by each request, in order.
    function releaseMany(ReleaseRequest[] calldata requests, address account)
        external
        returns (uint256[] memory amounts);

    /// @notice Whether `split` was created by this factory: its code is a clone of {implementation} whose CREATE2
    /// address, recomputed from this factory, its args and the salt in them, is `split`. Uses no storage.
    function isSplit(address split) external view returns (bool);

    /// @notice The TrackSplit implementation every clone delegates to.
    function implementation() external view returns (address);
}
