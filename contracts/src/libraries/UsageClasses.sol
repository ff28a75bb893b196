// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title UsageClasses
/// @notice Usage classes, licence tiers and the fixed-point scales shared by the registry, the settlement and the oracle.
/// @dev Classes: 0 STREAM, 1 DOWNLOAD, 2 UGC_VIDEO, 3 SYNC, 4 AI_GENERATION, 5 AI_REMIX.
/// Tiers 1-6 are cumulative bitmasks of allowed classes (bit i = class i):
/// 1 = STREAM, 2 = +DOWNLOAD, 3 = +UGC_VIDEO, 4 = +SYNC, 5 = +AI_GENERATION, 6 = +AI_REMIX.
library UsageClasses {
    uint8 internal constant STREAM = 0;
    uint8 internal constant DOWNLOAD = 1;
    uint8 internal constant UGC_VIDEO = 2;
    uint8 internal constant SYNC = 3;
    uint8 internal constant AI_GENERATION = 4;
    uint8 internal constant AI_REMIX = 5;
    uint8 internal constant NUM_CLASSES = 6;

    /// @notice Bitmask of the classes that are opt-in (AI classes).
    uint8 internal constant AI_CLASSES_MASK = uint8((1 << AI_GENERATION) | (1 << AI_REMIX));

    uint8 internal constant MIN_TIER = 1;
    uint8 internal constant MAX_TIER = 6;

    /// @notice Usage units are fixed point: 1e6 micro-units are one stream, download or generation.
    uint256 internal constant UNIT_SCALE = 1e6;
    /// @notice Rates are token base units per unit, scaled by 1e6.
    uint256 internal constant RATE_SCALE = 1e6;

    /// @notice The bitmask of classes a tier allows; 0 for an unknown tier.
    function tierMask(uint8 tier) internal pure returns (uint8) {
        if (tier < MIN_TIER || tier > MAX_TIER) return 0;
        return uint8((1 << tier) - 1);
    }

    /// @notice Whether `tier` allows `usageClass`.
    function tierAllows(uint8 tier, uint8 usageClass) internal pure returns (bool) {
        return usageClass < NUM_CLASSES && (tierMask(tier) >> usageClass) & 1 == 1;
    }

    /// @notice Whether `usageClass` is an opt-in AI class.
    function isAiClass(uint8 usageClass) internal pure returns (bool) {
        return usageClass < NUM_CLASSES && (AI_CLASSES_MASK >> usageClass) & 1 == 1;
    }
}
