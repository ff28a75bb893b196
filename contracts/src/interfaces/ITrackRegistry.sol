// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITrackRegistry
/// @notice Registers tracks: each gets a sequential id (from 1), a TrackSplit made through the SplitFactory, a
/// controller, a licence tier (1-6, see UsageClasses) with its history, consent per usage class, a metadata hash (AI
/// disclosure, content hash, ISRC, model and dataset attribution, kept off chain) and an immutable `settleToSplit`.
/// @dev Who can do what: the admin (DEFAULT_ADMIN_ROLE, governance) grants REGISTRAR_ROLE; a registrar (the API's
/// operator key) registers tracks naming any controller; anyone registers tracks it controls itself
/// (`controller == msg.sender`); only the controller changes a track afterwards.
///
/// Split address: the registry creates the split with factory salt `keccak256(abi.encode(controller, salt))`, where
/// `salt` is chosen by whoever registers; the address is therefore fixed by (registry, controller, salt, recipients)
/// ({predictSplitAddress}) and cannot be taken by another registration: a different controller gives a different
/// address, and only the controller or a registrar may register under a controller. Registering the same
/// controller, salt and recipients twice reverts (OpenZeppelin `Errors.FailedDeployment`).
///
/// Consent: classes 0-3 (STREAM, DOWNLOAD, UGC_VIDEO, SYNC) are consented from registration; the AI classes
/// (4 AI_GENERATION, 5 AI_REMIX) only when opted in, through `aiConsentMask` at registration or {setConsent}.
/// A grant takes effect at the current block's timestamp; a revocation at a chosen `effectiveAt >= now`, never
/// earlier, so usage that happened while consent stood stays allowed forever. Every grant opens a consent window
/// [grantedAt, revokedAt) that is kept, so re-granting later does not change the answer for past timestamps.
///
/// Tiers: like consent, a tier change takes effect from a timestamp `>= now` ({setTier}: now; {setTierAt}: later)
/// and never earlier; the history is kept, so {tierAt} answers for any timestamp and usage is judged by the tier in
/// force when it happened, never by a later change (up or down).
///
/// {isUsageAllowed}(trackId, class, t) = the tier in force at `t` ({tierAt}) allows `class` AND consent for
/// `class` was in force at time `t` (t inside one of its windows; t before registration is never consented).
interface ITrackRegistry {
    /// @notice A track as returned by {track}.
    /// @param split The track's TrackSplit.
    /// @param controller The account that may change the track.
    /// @param tier The licence tier, 1-6.
    /// @param metadataHash Hash of the off-chain metadata document.
    /// @param registeredAt Timestamp of registration.
    /// @param settleToSplit Immutable, set at registration. When true the oracle does not flatten this track
    /// through its recipients: it settles the track's whole amount to the split itself as the account (a leaf for
    /// the split's address), the split claims it, and the recipients release from the split on chain.
    struct TrackInfo {
        address split;
        address controller;
        uint8 tier;
        bytes32 metadataHash;
        uint64 registeredAt;
        bool settleToSplit;
    }

    /// @notice One tier change: `tier` is in force from `effectiveFrom` until the next change.
    struct TierChange {
        uint64 effectiveFrom;
        uint8 tier;
    }

    /// @notice `caller` may not register a track for `controller`: it is neither the controller nor a registrar.
    error NotRegistrar(address caller, address controller);

    /// @notice The admin may not be the zero address.
    error ZeroAddressAdmin();

    /// @notice A tier change may not take effect before now: `effectiveAt` < `currentTime`.
    error RetroactiveTierChange(uint64 effectiveAt, uint64 currentTime);

    /// @notice No track has id `trackId`.
    error UnknownTrack(uint256 trackId);

    /// @notice `caller` is not the controller of `trackId`.
    error NotTrackController(uint256 trackId, address caller);

    /// @notice The controller may not be the zero address.
    error ZeroAddressController();

    /// @notice `tier` is not a licence tier (1-6).
    error InvalidTier(uint8 tier);

    /// @notice `usageClass` is not a usage class (0-5).
    error InvalidUsageClass(uint8 usageClass);

    /// @notice `mask` sets bits other than the AI classes (4 and 5), i.e. outside 0x30.
    error InvalidAiConsentMask(uint8 mask);

    /// @notice A revocation may not take effect before now: `effectiveAt` < `currentTime`.
    error RetroactiveRevocation(uint64 effectiveAt, uint64 currentTime);

    /// @notice Grants take effect at the current block; `effectiveAt` must be 0 (or the current timestamp).
    error GrantEffectiveAtNotNow(uint64 effectiveAt, uint64 currentTime);

    /// @notice Consent for `usageClass` of `trackId` is already granted with no revocation pending.
    error ConsentAlreadyGranted(uint256 trackId, uint8 usageClass);

    /// @notice Consent for `usageClass` of `trackId` is not in force (never granted, or revoked already), so there
    /// is nothing to revoke.
    error ConsentNotGranted(uint256 trackId, uint8 usageClass);

    /// @notice A track was registered. Initially granted AI classes each also emit {ConsentChanged}; classes 0-3
    /// are consented from `registeredAt` without an event. The split's recipients are in the factory's
    /// SplitCreated event of the same transaction.
    /// @param trackId The new id.
    /// @param split The track's split, at the address given by (registry, controller, salt, recipients).
    /// @param controller The controller.
    /// @param tier The licence tier at registration.
    /// @param metadataHash Hash of the off-chain metadata document.
    /// @param salt The registrant's salt (the factory salt is keccak256(abi.encode(controller, salt))).
    /// @param settleToSplit Immutable: when true the oracle settles the track's whole amount to the split itself
    /// as the account, and recipients release from the split (see {TrackInfo}).
    event TrackRegistered(
        uint256 indexed trackId,
        address indexed split,
        address indexed controller,
        uint8 tier,
        bytes32 metadataHash,
        bytes32 salt,
        bool settleToSplit
    );

    /// @notice The licence tier of `trackId` becomes `tier` from `effectiveAt` (>= the block's timestamp).
    /// Changes of this track scheduled at or after `effectiveAt` are cancelled by it; `previousTier` is the tier
    /// in force just before `effectiveAt` after that cancellation. {tierHistory} gives the resulting list.
    event TierChanged(uint256 indexed trackId, uint8 previousTier, uint8 tier, uint64 effectiveAt);

    /// @notice Consent for `usageClass` of `trackId` was granted (`granted`, from `effectiveAt`) or revoked
    /// (from `effectiveAt`). A grant that cancels a pending revocation is emitted as granted at now.
    event ConsentChanged(uint256 indexed trackId, uint8 indexed usageClass, bool granted, uint64 effectiveAt);

    /// @notice The metadata hash of `trackId` became `metadataHash`.
    event MetadataHashChanged(uint256 indexed trackId, bytes32 metadataHash);

    /// @notice Control of `trackId` passed from `previousController` to `newController`.
    event ControlTransferred(
        uint256 indexed trackId, address indexed previousController, address indexed newController
    );

    /// @notice Registers a track and creates its split (creator this registry, factory salt
    /// `keccak256(abi.encode(controller, salt))`). Only the controller itself or a REGISTRAR_ROLE holder may call it
    /// ({NotRegistrar}).
    /// @param controller The account that will control the track (not zero).
    /// @param recipients The split's recipients, strictly ascending (validated by the factory).
    /// @param shares Their shares out of 1e6.
    /// @param tier The licence tier, 1-6.
    /// @param aiConsentMask AI classes opted in now: bit 4 AI_GENERATION, bit 5 AI_REMIX (0x00, 0x10, 0x20, 0x30).
    /// @param metadataHash Hash of the off-chain metadata document.
    /// @param salt Chosen by the registrant; with the controller and recipients it fixes the split's address.
    /// @param settleToSplit Immutable: true to have the oracle settle the whole track amount to the split itself as
    /// the account (recipients then release from the split), false to have it flattened to the recipients.
    /// @return trackId The new id (sequential from 1).
    /// @return split The track's new TrackSplit.
    function registerTrack(
        address controller,
        address[] calldata recipients,
        uint256[] calldata shares,
        uint8 tier,
        uint8 aiConsentMask,
        bytes32 metadataHash,
        bytes32 salt,
        bool settleToSplit
    ) external returns (uint256 trackId, address split);

    /// @notice Sets the licence tier from now on (controller only): {setTierAt} with `effectiveAt` = now.
    /// Usage before now keeps the tier that was in force then.
    function setTier(uint256 trackId, uint8 tier) external;

    /// @notice Schedules a licence tier from `effectiveAt` (controller only): 0 means now, otherwise it must be
    /// `>= block.timestamp` ({RetroactiveTierChange}). Cancels changes scheduled at or after `effectiveAt`.
    /// @param trackId The track.
    /// @param tier The new tier, 1-6.
    /// @param effectiveAt When it takes effect (0 = now).
    function setTierAt(uint256 trackId, uint8 tier, uint64 effectiveAt) external;

    /// @notice Grants or revokes consent for a usage class (controller only).
    /// @param trackId The track.
    /// @param usageClass The class, 0-5.
    /// @param granted True to grant (effective now; `effectiveAt` must be 0 or now), false to revoke.
    /// @param effectiveAt For a revocation, when it takes effect (>= now); may move a pending revocation.
    function setConsent(uint256 trackId, uint8 usageClass, bool granted, uint64 effectiveAt) external;

    /// @notice Sets the metadata hash (controller only).
    function setMetadataHash(uint256 trackId, bytes32 metadataHash) external;

    /// @notice Hands control of the track to `newController` (controller only; not zero).
    function transferControl(uint256 trackId, address newController) external;

    /// @notice The track's split, controller, tier in force now, metadata hash, registration time and
    /// settleToSplit. Reverts {UnknownTrack}.
    function track(uint256 trackId) external view returns (TrackInfo memory);

    /// @notice The licence tier in force at `timestamp`: the last change with `effectiveFrom <= timestamp`, else the
    /// tier at registration; 0 before registration. Reverts {UnknownTrack}. The oracle judges usage by it.
    function tierAt(uint256 trackId, uint64 timestamp) external view returns (uint8);

    /// @notice The tier at registration and every change since (chronological, strictly increasing
    /// `effectiveFrom`; changes in the future are pending and may still be cancelled). Reverts {UnknownTrack}.
    function tierHistory(uint256 trackId) external view returns (uint8 initialTier, TierChange[] memory changes);

    /// @notice The split address {registerTrack} gives a track with this controller, salt and recipients.
    /// Validates the recipients like the factory.
    function predictSplitAddress(
        address controller,
        address[] calldata recipients,
        uint256[] calldata shares,
        bytes32 salt
    ) external view returns (address);

    /// @notice The role that may register tracks naming any controller (the API's operator key).
    function REGISTRAR_ROLE() external view returns (bytes32);

    /// @notice The latest consent window of `usageClass`: (grantedAt, revokedAt), 0 = never.
    /// A revocation pending in the future shows as `revokedAt > block.timestamp`.
    function consent(uint256 trackId, uint8 usageClass) external view returns (uint64 grantedAt, uint64 revokedAt);

    /// @notice Whether `usageClass` of `trackId` may be used at `timestamp`: the tier in force at `timestamp`
    /// allows the class and consent was in force at `timestamp`. Reverts {UnknownTrack} and {InvalidUsageClass}.
    function isUsageAllowed(uint256 trackId, uint8 usageClass, uint64 timestamp) external view returns (bool);

    /// @notice The track id whose split is `split`, 0 if none.
    function trackOfSplit(address split) external view returns (uint256);

    /// @notice The number of tracks registered (also the highest id).
    function trackCount() external view returns (uint256);

    /// @notice The bitmask of classes licence tier `tier` allows (0 for an unknown tier).
    function tierMask(uint8 tier) external pure returns (uint8);

    /// @notice The SplitFactory used for every track's split.
    function splitFactory() external view returns (address);
}
