// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITrackRegistry
/// @notice Registers tracks: each gets a sequential id (from 1), a TrackSplit made through the SplitFactory with
/// salt `bytes32(trackId)`, a controller, a licence tier (1-6, see UsageClasses), consent per usage class and a
/// metadata hash (AI disclosure, content hash, ISRC, model and dataset attribution, kept off chain).
/// @dev Registration is open: anyone may register a track naming itself or another account as controller (the
/// API's operator registers for its users). Only the controller changes a track afterwards.
///
/// Consent: classes 0-3 (STREAM, DOWNLOAD, UGC_VIDEO, SYNC) are consented from registration; the AI classes
/// (4 AI_GENERATION, 5 AI_REMIX) only when opted in, through `aiConsentMask` at registration or {setConsent}.
/// A grant takes effect at the current block's timestamp; a revocation at a chosen `effectiveAt >= now`, never
/// earlier, so usage that happened while consent stood stays allowed forever. Every grant opens a consent window
/// [grantedAt, revokedAt) that is kept, so re-granting later does not change the answer for past timestamps.
///
/// {isUsageAllowed}(trackId, class, t) = the track's CURRENT tier allows `class` AND consent for `class` was in
/// force at time `t` (t inside one of its windows; t before registration is never consented).
interface ITrackRegistry {
    /// @notice A track as returned by {track}.
    /// @param split The track's TrackSplit.
    /// @param controller The account that may change the track.
    /// @param tier The licence tier, 1-6.
    /// @param metadataHash Hash of the off-chain metadata document.
    /// @param registeredAt Timestamp of registration.
    struct TrackInfo {
        address split;
        address controller;
        uint8 tier;
        bytes32 metadataHash;
        uint64 registeredAt;
    }

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
    /// are consented from `registeredAt` without an event.
    event TrackRegistered(
        uint256 indexed trackId, address indexed split, address indexed controller, uint8 tier, bytes32 metadataHash
    );

    /// @notice The licence tier of `trackId` became `tier`.
    event TierChanged(uint256 indexed trackId, uint8 previousTier, uint8 tier);

    /// @notice Consent for `usageClass` of `trackId` was granted (`granted`, from `effectiveAt`) or revoked
    /// (from `effectiveAt`). A grant that cancels a pending revocation is emitted as granted at now.
    event ConsentChanged(uint256 indexed trackId, uint8 indexed usageClass, bool granted, uint64 effectiveAt);

    /// @notice The metadata hash of `trackId` became `metadataHash`.
    event MetadataHashChanged(uint256 indexed trackId, bytes32 metadataHash);

    /// @notice Control of `trackId` passed from `previousController` to `newController`.
    event ControlTransferred(
        uint256 indexed trackId, address indexed previousController, address indexed newController
    );

    /// @notice Registers a track and creates its split (salt `bytes32(trackId)`, creator this registry).
    /// @param controller The account that will control the track (not zero).
    /// @param recipients The split's recipients, strictly ascending (validated by the factory).
    /// @param shares Their shares out of 1e6.
    /// @param tier The licence tier, 1-6.
    /// @param aiConsentMask AI classes opted in now: bit 4 AI_GENERATION, bit 5 AI_REMIX (0x00, 0x10, 0x20, 0x30).
    /// @param metadataHash Hash of the off-chain metadata document.
    /// @return trackId The new id (sequential from 1).
    /// @return split The track's new TrackSplit.
    function registerTrack(
        address controller,
        address[] calldata recipients,
        uint256[] calldata shares,
        uint8 tier,
        uint8 aiConsentMask,
        bytes32 metadataHash
    ) external returns (uint256 trackId, address split);

    /// @notice Sets the licence tier (controller only). Effective at once for {isUsageAllowed}.
    function setTier(uint256 trackId, uint8 tier) external;

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

    /// @notice The track's split, controller, tier, metadata hash and registration time. Reverts {UnknownTrack}.
    function track(uint256 trackId) external view returns (TrackInfo memory);

    /// @notice The latest consent window of `usageClass`: (grantedAt, revokedAt), 0 = never.
    /// A revocation pending in the future shows as `revokedAt > block.timestamp`.
    function consent(uint256 trackId, uint8 usageClass) external view returns (uint64 grantedAt, uint64 revokedAt);

    /// @notice Whether `usageClass` of `trackId` may be used at `timestamp`: the current tier allows the class and
    /// consent was in force at `timestamp`. Reverts {UnknownTrack} and {InvalidUsageClass}.
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
