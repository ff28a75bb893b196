// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ISplitFactory} from "./interfaces/ISplitFactory.sol";
import {ITrackRegistry} from "./interfaces/ITrackRegistry.sol";
import {UsageClasses} from "./libraries/UsageClasses.sol";

/// @title TrackRegistry
/// @notice Tracks, their splits, controllers, licence tiers, consent per usage class and metadata hashes.
/// @dev See ITrackRegistry for the rules. Who can do what:
///   - DEFAULT_ADMIN_ROLE (the governance owner, a multisig in production): grants and revokes REGISTRAR_ROLE
///     (OpenZeppelin AccessControl); it has no power over any track.
///   - REGISTRAR_ROLE (the API's hot key): registers tracks naming any controller.
///   - anyone: registers tracks it controls itself (`controller == msg.sender`), EOA or contract wallet.
///   - a track's controller: changes its tier (from now or later, never earlier), consent, metadata hash and
///     controller. `settleToSplit` and the split are immutable.
/// The split's CREATE2 salt is `keccak256(abi.encode(controller, salt))` with the registry as the factory's creator,
/// so its address depends only on the registry, the controller, the controller's salt and the recipients: it can be
/// predicted before registering ({predictSplitAddress}) and nobody else can take it, since only the controller
/// (or a registrar) can register under that controller.
///
/// Consent storage: every class has a list of windows [grantedAt, revokedAt) (revokedAt 0 = open), chronological
/// and non-overlapping. The windows opened at registration (classes 0-3 and the opted-in AI classes) are implicit:
/// a bit in `implicitConsent` stands for the window [registeredAt, open) until the first change to that class
/// writes it out. Registration therefore costs no per-class storage.
/// Tier storage: the tier at registration is in the track's first slot; every later change is appended to a
/// chronological list of (effectiveFrom, tier), so {tierAt} answers for any past timestamp.
contract TrackRegistry is ITrackRegistry, AccessControl {
    /// @dev The classes consented from registration without opting in: STREAM, DOWNLOAD, UGC_VIDEO, SYNC.
    /// All six classes (0x3F) minus the AI classes (0x30).
    uint8 private constant NON_AI_CLASSES_MASK = 0x3F & ~UsageClasses.AI_CLASSES_MASK;

    /// @inheritdoc ITrackRegistry
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    struct Track {
        // slot 0
        address split;
        uint8 tier; // the tier at registration; later changes are in _tierChanges
        uint64 registeredAt;
        uint8 implicitConsent;
        bool settleToSplit;
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
    mapping(uint256 trackId => TierChange[]) private _tierChanges;

    /// @inheritdoc ITrackRegistry
    mapping(address split => uint256 trackId) public trackOfSplit;

    /// @param splitFactory_ The factory that creates every track's split.
    /// @param admin The governance owner: holds DEFAULT_ADMIN_ROLE and grants REGISTRAR_ROLE (not zero).
    constructor(ISplitFactory splitFactory_, address admin) {
        if (admin == address(0)) revert ZeroAddressAdmin();
        _splitFactory = splitFactory_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ITrackRegistry
    function registerTrack(
        address controller,
        address[] calldata recipients,
        uint256[] calldata shares,
        uint8 tier,
        uint8 aiConsentMask,
        bytes32 metadataHash,
        bytes32 salt,
        bool settleToSplit
    ) external returns (uint256 trackId, address split) {
        bytes32 factorySalt = _checkRegistration(controller, tier, aiConsentMask, salt);
        split = _splitFactory.createSplit(recipients, shares, factorySalt);
        trackId = _record(split, controller, tier, aiConsentMask, metadataHash, salt, settleToSplit);
    }

    /// @inheritdoc ITrackRegistry
    function setTier(uint256 trackId, uint8 tier) external {
        _scheduleTier(trackId, tier, uint64(block.timestamp));
    }

    /// @inheritdoc ITrackRegistry
    function setTierAt(uint256 trackId, uint8 tier, uint64 effectiveAt) external {
        uint64 now_ = uint64(block.timestamp);
        if (effectiveAt == 0) effectiveAt = now_;
        else if (effectiveAt < now_) revert RetroactiveTierChange(effectiveAt, now_);
        _scheduleTier(trackId, tier, effectiveAt);
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
            tier: _tierAt(t, trackId, uint64(block.timestamp)),
            metadataHash: t.metadataHash,
            registeredAt: t.registeredAt,
            settleToSplit: t.settleToSplit
        });
    }

    /// @inheritdoc ITrackRegistry
    function tierAt(uint256 trackId, uint64 timestamp) external view returns (uint8) {
        Track storage t = _existing(trackId);
        if (timestamp < t.registeredAt) return 0;
        return _tierAt(t, trackId, timestamp);
    }

    /// @inheritdoc ITrackRegistry
    function tierHistory(uint256 trackId) external view returns (uint8 initialTier, TierChange[] memory changes) {
        Track storage t = _existing(trackId);
        return (t.tier, _tierChanges[trackId]);
    }

    /// @inheritdoc ITrackRegistry
    function predictSplitAddress(
        address controller,
        address[] calldata recipients,
        uint256[] calldata shares,
        bytes32 salt
    ) external view returns (address) {
        return _splitFactory.predictSplitAddress(address(this), recipients, shares, _splitSalt(controller, salt));
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
        if (!UsageClasses.tierAllows(_tierAt(t, trackId, timestamp), usageClass)) return false;
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

    /// @dev The registration checks, before the split is created; returns the factory salt for the split.
    function _checkRegistration(address controller, uint8 tier, uint8 aiConsentMask, bytes32 salt)
        private
        view
        returns (bytes32)
    {
        if (controller == address(0)) revert ZeroAddressController();
        if (controller != msg.sender && !hasRole(REGISTRAR_ROLE, msg.sender)) {
            revert NotRegistrar(msg.sender, controller);
        }
        if (UsageClasses.tierMask(tier) == 0) revert InvalidTier(tier);
        if (aiConsentMask & ~UsageClasses.AI_CLASSES_MASK != 0) revert InvalidAiConsentMask(aiConsentMask);
        return _splitSalt(controller, salt);
    }

    /// @dev Stores the new track (id = next in sequence) and emits its events. Split out of registerTrack, whose
    /// eight arguments leave no stack room for this.
    function _record(
        address split,
        address controller,
        uint8 tier,
        uint8 aiConsentMask,
        bytes32 metadataHash,
        bytes32 salt,
        bool settleToSplit
    ) private returns (uint256 trackId) {
        trackId = ++_trackCount;
        uint64 now_ = uint64(block.timestamp);
        _tracks[trackId] = Track({
            split: split,
            tier: tier,
            registeredAt: now_,
            implicitConsent: NON_AI_CLASSES_MASK | aiConsentMask,
            settleToSplit: settleToSplit,
            controller: controller,
            metadataHash: metadataHash
        });
        trackOfSplit[split] = trackId;

        emit TrackRegistered(trackId, split, controller, tier, metadataHash, salt, settleToSplit);
        // forge-lint: disable-next-line(incorrect-shift)
        if (aiConsentMask & (1 << UsageClasses.AI_GENERATION) != 0) {
            emit ConsentChanged(trackId, UsageClasses.AI_GENERATION, true, now_);
        }
        // forge-lint: disable-next-line(incorrect-shift)
        if (aiConsentMask & (1 << UsageClasses.AI_REMIX) != 0) {
            emit ConsentChanged(trackId, UsageClasses.AI_REMIX, true, now_);
        }
    }

    /// @dev The salt the registry passes to the factory: the controller's own salt, bound to the controller.
    function _splitSalt(address controller, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(controller, salt));
    }

    /// @dev Schedules `tier` from `effectiveAt` (>= now, checked by the callers). Changes scheduled at or after
    /// `effectiveAt` are cancelled first; they all lie at or after now, so the past is never rewritten.
    function _scheduleTier(uint256 trackId, uint8 tier, uint64 effectiveAt) private {
        Track storage t = _controlled(trackId);
        if (UsageClasses.tierMask(tier) == 0) revert InvalidTier(tier);
        TierChange[] storage changes = _tierChanges[trackId];
        uint256 n = changes.length;
        while (n != 0 && changes[n - 1].effectiveFrom >= effectiveAt) {
            changes.pop();
            // Cannot underflow: n != 0.
            unchecked {
                --n;
            }
        }
        // Cannot underflow: n != 0 where n - 1 is read.
        uint8 previous;
        unchecked {
            previous = n == 0 ? t.tier : changes[n - 1].tier;
        }
        changes.push(TierChange({effectiveFrom: effectiveAt, tier: tier}));
        emit TierChanged(trackId, previous, tier, effectiveAt);
    }

    /// @dev The tier in force at `timestamp` (the registration tier before the first change): binary search for the
    /// last change with effectiveFrom <= timestamp.
    function _tierAt(Track storage t, uint256 trackId, uint64 timestamp) private view returns (uint8) {
        TierChange[] storage changes = _tierChanges[trackId];
        uint256 low = 0;
        uint256 high = changes.length;
        if (high == 0) return t.tier;
        while (low < high) {
            // Cannot overflow: low < high <= changes.length.
            unchecked {
                uint256 mid = (low + high) >> 1;
                if (changes[mid].effectiveFrom <= timestamp) low = mid + 1;
                else high = mid;
            }
        }
        if (low == 0) return t.tier;
        // Cannot underflow: low != 0.
        unchecked {
            return changes[low - 1].tier;
        }
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
