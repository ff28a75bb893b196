// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISplitFactory} from "./interfaces/ISplitFactory.sol";
import {ITrackRegistry} from "./interfaces/ITrackRegistry.sol";
import {UsageClasses} from "./libraries/UsageClasses.sol";

/// @title TrackRegistry
/// @notice Tracks, their splits, controllers, licence tiers, consent per usage class and metadata hashes.
/// @dev See ITrackRegistry for the rules. Registration is open to anyone (naming any non-zero controller); the
/// registry is the split's creator, so a track's split address depends only on the registry, the recipients and the
/// track id, and no one can occupy it in advance.
///
/// Consent storage: every class has a list of windows [grantedAt, revokedAt) (revokedAt 0 = open), chronological
/// and non-overlapping. The windows opened at registration (classes 0-3 and the opted-in AI classes) are implicit:
/// a bit in `implicitConsent` stands for the window [registeredAt, open) until the first change to that class
/// writes it out. Registration therefore costs no per-class storage.
contract TrackRegistry is ITrackRegistry {
    /// @dev The classes consented from registration without opting in: STREAM, DOWNLOAD, UGC_VIDEO, SYNC.
    /// All six classes (0x3F) minus the AI classes (0x30).
    uint8 private constant NON_AI_CLASSES_MASK = 0x3F & ~UsageClasses.AI_CLASSES_MASK;

    struct Track {
        // slot 0
        address split;
        uint8 tier;
        uint64 registeredAt;
        uint8 implicitConsent;
        // slot 1
        address controller;
        // slot 2
        bytes32 metadataHash;
    }

    struct ConsentWindow {
        uint64 grantedAt;
        uint64 revokedAt;
    }

    ISplitFactory private immutable _splitFactory;

    uint256 private _trackCount;
    mapping(uint256 trackId => Track) private _tracks;
    mapping(uint256 trackId => mapping(uint8 usageClass => ConsentWindow[])) private _windows;

    /// @inheritdoc ITrackRegistry
    mapping(address split => uint256 trackId) public trackOfSplit;

    /// @param splitFactory_ The factory that creates every track's split.
    constructor(ISplitFactory splitFactory_) {
        _splitFactory = splitFactory_;
    }

    /// @inheritdoc ITrackRegistry
    function registerTrack(
        address controller,
        address[] calldata recipients,
        uint256[] calldata shares,
        uint8 tier,
        uint8 aiConsentMask,
        bytes32 metadataHash
    ) external returns (uint256 trackId, address split) {
        if (controller == address(0)) revert ZeroAddressController();
        if (UsageClasses.tierMask(tier) == 0) revert InvalidTier(tier);
        if (aiConsentMask & ~UsageClasses.AI_CLASSES_MASK != 0) revert InvalidAiConsentMask(aiConsentMask);

        trackId = ++_trackCount;
        split = _splitFactory.createSplit(recipients, shares, bytes32(trackId));
        uint64 now_ = uint64(block.timestamp);
        _tracks[trackId] = Track({
            split: split,
            tier: tier,
            registeredAt: now_,
            implicitConsent: NON_AI_CLASSES_MASK | aiConsentMask,
            controller: controller,
            metadataHash: metadataHash
        });
        trackOfSplit[split] = trackId;

        emit TrackRegistered(trackId, split, controller, tier, metadataHash);
        // forge-lint: disable-next-line(incorrect-shift)
        if (aiConsentMask & (1 << UsageClasses.AI_GENERATION) != 0) {
            emit ConsentChanged(trackId, UsageClasses.AI_GENERATION, true, now_);
        }
        // forge-lint: disable-next-line(incorrect-shift)
        if (aiConsentMask & (1 << UsageClasses.AI_REMIX) != 0) {
            emit ConsentChanged(trackId, UsageClasses.AI_REMIX, true, now_);
        }
    }

    /// @inheritdoc ITrackRegistry
    function setTier(uint256 trackId, uint8 tier) external {
        Track storage t = _controlled(trackId);
        if (UsageClasses.tierMask(tier) == 0) revert InvalidTier(tier);
        uint8 previous = t.tier;
        t.tier = tier;
        emit TierChanged(trackId, previous, tier);
    }

    /// @inheritdoc ITrackRegistry
    function setConsent(uint256 trackId, uint8 usageClass, bool granted, uint64 effectiveAt) external {
        Track storage t = _controlled(trackId);
        if (usageClass >= UsageClasses.NUM_CLASSES) revert InvalidUsageClass(usageClass);
        uint64 now_ = uint64(block.timestamp);
        ConsentWindow[] storage windows = _materialized(t, trackId, usageClass);
        uint256 n = windows.length;

        if (granted) {
            if (effectiveAt != 0 && effectiveAt != now_) revert GrantEffectiveAtNotNow(effectiveAt, now_);
            if (n != 0) {
                ConsentWindow storage last = windows[n - 1];
                uint64 revokedAt = last.revokedAt;
                if (revokedAt == 0) revert ConsentAlreadyGranted(trackId, usageClass);
                if (revokedAt > now_) {
                    // Cancel the pending revocation: the current window simply stays open.
                    last.revokedAt = 0;
                    emit ConsentChanged(trackId, usageClass, true, now_);
                    return;
                }
            }
            windows.push(ConsentWindow({grantedAt: now_, revokedAt: 0}));
            emit ConsentChanged(trackId, usageClass, true, now_);
        } else {
            if (effectiveAt < now_) revert RetroactiveRevocation(effectiveAt, now_);
            if (n == 0) revert ConsentNotGranted(trackId, usageClass);
            ConsentWindow storage last = windows[n - 1];
            uint64 revokedAt = last.revokedAt;
            if (revokedAt != 0 && revokedAt <= now_) revert ConsentNotGranted(trackId, usageClass);
            // grantedAt <= now_ <= effectiveAt, so the window stays well formed and the past is untouched.
            last.revokedAt = effectiveAt;
            emit ConsentChanged(trackId, usageClass, false, effectiveAt);
        }
    }

    /// @inheritdoc ITrackRegistry
    function setMetadataHash(uint256 trackId, bytes32 metadataHash) external {
        _controlled(trackId).metadataHash = metadataHash;
        emit MetadataHashChanged(trackId, metadataHash);
    }

    /// @inheritdoc ITrackRegistry
    function transferControl(uint256 trackId, address newController) external {
        Track storage t = _controlled(trackId);
        if (newController == address(0)) revert ZeroAddressController();
        address previous = t.controller;
        t.controller = newController;
        emit ControlTransferred(trackId, previous, newController);
    }

    /// @inheritdoc ITrackRegistry
    function track(uint256 trackId) external view returns (TrackInfo memory) {
        Track storage t = _existing(trackId);
        return TrackInfo({
            split: t.split,
            controller: t.controller,
            tier: t.tier,
            metadataHash: t.metadataHash,
            registeredAt: t.registeredAt
        });
    }

    /// @inheritdoc ITrackRegistry
    function consent(uint256 trackId, uint8 usageClass) external view returns (uint64 grantedAt, uint64 revokedAt) {
        Track storage t = _existing(trackId);
        if (usageClass >= UsageClasses.NUM_CLASSES) revert InvalidUsageClass(usageClass);
        if ((t.implicitConsent >> usageClass) & 1 == 1) return (t.registeredAt, 0);
        ConsentWindow[] storage windows = _windows[trackId][usageClass];
        uint256 n = windows.length;
        if (n == 0) return (0, 0);
        ConsentWindow storage last = windows[n - 1];
        return (last.grantedAt, last.revokedAt);
    }

    /// @inheritdoc ITrackRegistry
    function isUsageAllowed(uint256 trackId, uint8 usageClass, uint64 timestamp) external view returns (bool) {
        Track storage t = _existing(trackId);
        if (usageClass >= UsageClasses.NUM_CLASSES) revert InvalidUsageClass(usageClass);
        if (!UsageClasses.tierAllows(t.tier, usageClass)) return false;
        if ((t.implicitConsent >> usageClass) & 1 == 1) return timestamp >= t.registeredAt;

        // Binary search for the last window with grantedAt <= timestamp (windows are chronological).
        ConsentWindow[] storage windows = _windows[trackId][usageClass];
        uint256 low = 0;
        uint256 high = windows.length;
        while (low < high) {
            // Cannot overflow: low < high <= windows.length.
            unchecked {
                uint256 mid = (low + high) >> 1;
                if (windows[mid].grantedAt <= timestamp) low = mid + 1;
                else high = mid;
            }
        }
        if (low == 0) return false;
        // Cannot underflow: low != 0.
        unchecked {
            uint64 revokedAt = windows[low - 1].revokedAt;
            return revokedAt == 0 || timestamp < revokedAt;
        }
    }

    /// @inheritdoc ITrackRegistry
    function trackCount() external view returns (uint256) {
        return _trackCount;
    }

    /// @inheritdoc ITrackRegistry
    function tierMask(uint8 tier) external pure returns (uint8) {
        return UsageClasses.tierMask(tier);
    }

    /// @inheritdoc ITrackRegistry
    function splitFactory() external view returns (address) {
        return address(_splitFactory);
    }

    /// @dev The track, reverting UnknownTrack if it does not exist.
    function _existing(uint256 trackId) private view returns (Track storage t) {
        t = _tracks[trackId];
        if (t.split == address(0)) revert UnknownTrack(trackId);
    }

    /// @dev The track, reverting UnknownTrack / NotTrackController unless the caller controls it.
    function _controlled(uint256 trackId) private view returns (Track storage t) {
        t = _existing(trackId);
        if (t.controller != msg.sender) revert NotTrackController(trackId, msg.sender);
    }

    /// @dev The class's window list, with the implicit registration window written out first if it was pending.
    function _materialized(Track storage t, uint256 trackId, uint8 usageClass)
        private
        returns (ConsentWindow[] storage windows)
    {
        windows = _windows[trackId][usageClass];
        // forge-lint: disable-next-line(incorrect-shift)
        uint8 bit = uint8(1 << usageClass);
        if (t.implicitConsent & bit != 0) {
            t.implicitConsent &= ~bit;
            windows.push(ConsentWindow({grantedAt: t.registeredAt, revokedAt: 0}));
        }
    }
}
