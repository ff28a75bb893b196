// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {ITrackRegistry} from "../../src/interfaces/ITrackRegistry.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {TrackRegistry} from "../../src/TrackRegistry.sol";
import {TrackSplit} from "../../src/TrackSplit.sol";
import {UsageClasses} from "../../src/libraries/UsageClasses.sol";

contract TrackRegistryTest is Test {
    uint8 internal constant STREAM = 0;
    uint8 internal constant DOWNLOAD = 1;
    uint8 internal constant SYNC = 3;
    uint8 internal constant AI_GEN = 4;
    uint8 internal constant AI_REMIX = 5;
    uint8 internal constant AI_BOTH = 0x30;
    uint64 internal constant T0 = 1_700_000_000;

    SplitFactory internal factory;
    TrackRegistry internal registry;
    address internal artist = makeAddr("artist");
    address internal operator = makeAddr("operator");
    address internal producer = makeAddr("producer");
    address[] internal recipients;
    uint256[] internal shares;

    function setUp() public {
        vm.warp(T0);
        factory = new SplitFactory();
        registry = new TrackRegistry(factory);
        (address a, address b) = artist < producer ? (artist, producer) : (producer, artist);
        recipients.push(a);
        recipients.push(b);
        shares.push(700_000);
        shares.push(300_000);
    }

    function _register(uint8 tier, uint8 aiMask) internal returns (uint256 id, address split) {
        vm.prank(operator);
        return registry.registerTrack(artist, recipients, shares, tier, aiMask, keccak256("meta"));
    }

    // ---------------------------------------------------------------- registration

    function test_RegisterTrack_AssignsSequentialIdsAndCreatesTheSplitThroughTheFactory() public {
        address predicted = factory.predictSplitAddress(address(registry), recipients, shares, bytes32(uint256(1)));
        vm.expectEmit(address(registry));
        emit ITrackRegistry.TrackRegistered(1, predicted, artist, 4, keccak256("meta"));
        (uint256 id, address split) = _register(4, 0);
        assertEq(id, 1);
        assertEq(split, predicted);
        assertTrue(factory.isSplit(split));
        assertEq(TrackSplit(payable(split)).recipientsRoot(), factory.recipientsRoot(recipients, shares));

        (uint256 id2, address split2) = _register(1, 0);
        assertEq(id2, 2);
        assertEq(split2, factory.predictSplitAddress(address(registry), recipients, shares, bytes32(uint256(2))));
        assertEq(registry.trackCount(), 2);
        assertEq(registry.trackOfSplit(split), 1);
        assertEq(registry.trackOfSplit(split2), 2);
        assertEq(registry.trackOfSplit(makeAddr("nobody")), 0);
        assertEq(registry.splitFactory(), address(factory));
    }

    function test_RegisterTrack_AnyoneMayRegisterForAnotherController() public {
        (uint256 id,) = _register(2, 0);
        ITrackRegistry.TrackInfo memory info = registry.track(id);
        assertEq(info.controller, artist);
        assertEq(info.tier, 2);
        assertEq(info.metadataHash, keccak256("meta"));
        assertEq(info.registeredAt, T0);
        // the operator who registered has no control
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, operator));
        registry.setTier(id, 3);
    }

    function test_RegisterTrack_NonAiClassesAreConsentedAndAiClassesOnlyWhenOptedIn() public {
        (uint256 id,) = _register(6, 0);
        for (uint8 c = 0; c < 4; c++) {
            (uint64 grantedAt, uint64 revokedAt) = registry.consent(id, c);
            assertEq(grantedAt, T0);
            assertEq(revokedAt, 0);
            assertTrue(registry.isUsageAllowed(id, c, T0));
        }
        (uint64 g,) = registry.consent(id, AI_GEN);
        assertEq(g, 0);
        assertFalse(registry.isUsageAllowed(id, AI_GEN, T0));
        assertFalse(registry.isUsageAllowed(id, AI_REMIX, T0 + 100));
    }

    function test_RegisterTrack_AiOptInEmitsConsentChanged() public {
        vm.expectEmit(address(registry));
        emit ITrackRegistry.ConsentChanged(1, AI_GEN, true, T0);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.ConsentChanged(1, AI_REMIX, true, T0);
        (uint256 id,) = _register(6, AI_BOTH);
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0));
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0));
    }

    function test_IsUsageAllowed_FalseBeforeRegistration() public {
        (uint256 id,) = _register(6, AI_BOTH);
        assertFalse(registry.isUsageAllowed(id, STREAM, T0 - 1));
        assertFalse(registry.isUsageAllowed(id, AI_GEN, T0 - 1));
    }

    function test_IsUsageAllowed_TierIsCheckedAsOfNow() public {
        (uint256 id,) = _register(5, AI_BOTH);
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0));
        assertFalse(registry.isUsageAllowed(id, AI_REMIX, T0), "tier 5 excludes AI_REMIX");
        vm.warp(T0 + 10);
        vm.prank(artist);
        registry.setTier(id, 6);
        // consent stood since T0, and the current tier now allows the class: allowed for a past timestamp too
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0 + 1));
        vm.prank(artist);
        registry.setTier(id, 1);
        assertFalse(registry.isUsageAllowed(id, DOWNLOAD, T0 + 1));
        assertTrue(registry.isUsageAllowed(id, STREAM, T0 + 1));
    }

    function test_TierMask_MatchesTheSpec() public view {
        assertEq(registry.tierMask(0), 0);
        assertEq(registry.tierMask(1), 0x01);
        assertEq(registry.tierMask(2), 0x03);
        assertEq(registry.tierMask(3), 0x07);
        assertEq(registry.tierMask(4), 0x0F);
        assertEq(registry.tierMask(5), 0x1F);
        assertEq(registry.tierMask(6), 0x3F);
        assertEq(registry.tierMask(7), 0);
    }

    // ---------------------------------------------------------------- controller changes

    function test_SetTier_EmitsTheChange() public {
        (uint256 id,) = _register(2, 0);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.TierChanged(id, 2, 4);
        vm.prank(artist);
        registry.setTier(id, 4);
        assertEq(registry.track(id).tier, 4);
    }

    function test_SetMetadataHash_EmitsTheChange() public {
        (uint256 id,) = _register(2, 0);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.MetadataHashChanged(id, keccak256("v2"));
        vm.prank(artist);
        registry.setMetadataHash(id, keccak256("v2"));
        assertEq(registry.track(id).metadataHash, keccak256("v2"));
    }

    function test_TransferControl_HandsOverEveryRight() public {
        (uint256 id,) = _register(2, 0);
        address label = makeAddr("label");
        vm.expectEmit(address(registry));
        emit ITrackRegistry.ControlTransferred(id, artist, label);
        vm.prank(artist);
        registry.transferControl(id, label);
        assertEq(registry.track(id).controller, label);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, artist));
        registry.setMetadataHash(id, bytes32(0));
        vm.prank(label);
        registry.setTier(id, 3);
    }

    // ---------------------------------------------------------------- consent

    function test_SetConsent_OptInTakesEffectNow() public {
        (uint256 id,) = _register(6, 0);
        vm.warp(T0 + 100);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.ConsentChanged(id, AI_GEN, true, T0 + 100);
        vm.prank(artist);
        registry.setConsent(id, AI_GEN, true, 0);
        assertFalse(registry.isUsageAllowed(id, AI_GEN, T0 + 99));
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0 + 100));
        (uint64 grantedAt, uint64 revokedAt) = registry.consent(id, AI_GEN);
        assertEq(grantedAt, T0 + 100);
        assertEq(revokedAt, 0);
    }

    function test_SetConsent_GrantAcceptsTheCurrentTimestamp() public {
        (uint256 id,) = _register(6, 0);
        vm.prank(artist);
        registry.setConsent(id, AI_REMIX, true, T0);
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0));
    }

    function test_SetConsent_OptOutFromAFutureTimestamp() public {
        (uint256 id,) = _register(4, 0);
        vm.warp(T0 + 100);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.ConsentChanged(id, SYNC, false, T0 + 200);
        vm.prank(artist);
        registry.setConsent(id, SYNC, false, T0 + 200);
        assertTrue(registry.isUsageAllowed(id, SYNC, T0 + 199));
        assertFalse(registry.isUsageAllowed(id, SYNC, T0 + 200));
        assertTrue(registry.isUsageAllowed(id, SYNC, T0), "revocation reached into the past");
        (uint64 grantedAt, uint64 revokedAt) = registry.consent(id, SYNC);
        assertEq(grantedAt, T0);
        assertEq(revokedAt, T0 + 200);
    }

    function test_SetConsent_OptOutEffectiveNow() public {
        (uint256 id,) = _register(1, 0);
        vm.warp(T0 + 50);
        vm.prank(artist);
        registry.setConsent(id, STREAM, false, T0 + 50);
        assertTrue(registry.isUsageAllowed(id, STREAM, T0 + 49));
        assertFalse(registry.isUsageAllowed(id, STREAM, T0 + 50));
    }

    function test_SetConsent_GrantCancelsAPendingRevocation() public {
        (uint256 id,) = _register(6, AI_BOTH);
        vm.startPrank(artist);
        registry.setConsent(id, AI_GEN, false, T0 + 1000);
        vm.warp(T0 + 10);
        registry.setConsent(id, AI_GEN, true, 0);
        vm.stopPrank();
        (uint64 grantedAt, uint64 revokedAt) = registry.consent(id, AI_GEN);
        assertEq(grantedAt, T0, "the window continues");
        assertEq(revokedAt, 0);
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0 + 5000));
    }

    function test_SetConsent_APendingRevocationMayMove() public {
        (uint256 id,) = _register(6, 0);
        vm.startPrank(artist);
        registry.setConsent(id, DOWNLOAD, false, T0 + 1000);
        registry.setConsent(id, DOWNLOAD, false, T0 + 500);
        vm.stopPrank();
        assertTrue(registry.isUsageAllowed(id, DOWNLOAD, T0 + 499));
        assertFalse(registry.isUsageAllowed(id, DOWNLOAD, T0 + 500));
    }

    /// @dev Opt in, opt out, opt in again: the first window still answers for its own time.
    function test_SetConsent_RegrantKeepsEarlierWindows() public {
        (uint256 id,) = _register(6, 0);
        vm.startPrank(artist);
        vm.warp(T0 + 10);
        registry.setConsent(id, AI_GEN, true, 0);
        vm.warp(T0 + 20);
        registry.setConsent(id, AI_GEN, false, T0 + 30);
        vm.warp(T0 + 40);
        registry.setConsent(id, AI_GEN, true, 0);
        vm.stopPrank();
        assertFalse(registry.isUsageAllowed(id, AI_GEN, T0 + 9));
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0 + 10));
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0 + 29));
        assertFalse(registry.isUsageAllowed(id, AI_GEN, T0 + 30));
        assertFalse(registry.isUsageAllowed(id, AI_GEN, T0 + 39));
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0 + 40));
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0 + 10_000));
    }

    /// @dev Revoking a class consented at registration writes its registration window out; the past stays allowed.
    function test_SetConsent_RevokingARegistrationConsentKeepsItsPast() public {
        (uint256 id,) = _register(6, AI_BOTH);
        vm.warp(T0 + 100);
        vm.startPrank(artist);
        registry.setConsent(id, AI_REMIX, false, T0 + 100);
        vm.warp(T0 + 200);
        registry.setConsent(id, AI_REMIX, true, 0);
        vm.stopPrank();
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0));
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0 + 99));
        assertFalse(registry.isUsageAllowed(id, AI_REMIX, T0 + 150));
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0 + 200));
    }

    // ---------------------------------------------------------------- reverts: one per path

    function test_RevertWhen_RegisteringWithoutAController() public {
        vm.expectRevert(ITrackRegistry.ZeroAddressController.selector);
        registry.registerTrack(address(0), recipients, shares, 1, 0, bytes32(0));
    }

    function test_RevertWhen_RegisteringTierZero() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidTier.selector, 0));
        registry.registerTrack(artist, recipients, shares, 0, 0, bytes32(0));
    }

    function test_RevertWhen_RegisteringTierSeven() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidTier.selector, 7));
        registry.registerTrack(artist, recipients, shares, 7, 0, bytes32(0));
    }

    function test_RevertWhen_AiConsentMaskHasNonAiBits() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidAiConsentMask.selector, 0x31));
        registry.registerTrack(artist, recipients, shares, 6, 0x31, bytes32(0));
    }

    function test_RevertWhen_RegisteringAnInvalidSplit() public {
        shares[1] = 1;
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, 700_001, 1e6));
        registry.registerTrack(artist, recipients, shares, 1, 0, bytes32(0));
        assertEq(registry.trackCount(), 0);
    }

    function test_RevertWhen_SetTierOnAnUnknownTrack() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.UnknownTrack.selector, 1));
        registry.setTier(1, 2);
    }

    function test_RevertWhen_SetTierByANonController() public {
        (uint256 id,) = _register(2, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, address(this)));
        registry.setTier(id, 3);
    }

    function test_RevertWhen_SetTierToAnInvalidTier() public {
        (uint256 id,) = _register(2, 0);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidTier.selector, 9));
        registry.setTier(id, 9);
    }

    function test_RevertWhen_SetConsentByANonController() public {
        (uint256 id,) = _register(6, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, address(this)));
        registry.setConsent(id, AI_GEN, true, 0);
    }

    function test_RevertWhen_SetConsentForAnInvalidClass() public {
        (uint256 id,) = _register(6, 0);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidUsageClass.selector, 6));
        registry.setConsent(id, 6, true, 0);
    }

    function test_RevertWhen_RevocationIsRetroactive() public {
        (uint256 id,) = _register(6, 0);
        vm.warp(T0 + 100);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.RetroactiveRevocation.selector, T0 + 99, T0 + 100));
        registry.setConsent(id, STREAM, false, T0 + 99);
    }

    function test_RevertWhen_GrantIsDatedOtherThanNow() public {
        (uint256 id,) = _register(6, 0);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.GrantEffectiveAtNotNow.selector, T0 + 5, T0));
        registry.setConsent(id, AI_GEN, true, T0 + 5);
    }

    function test_RevertWhen_GrantingAnOpenConsent() public {
        (uint256 id,) = _register(6, 0);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.ConsentAlreadyGranted.selector, id, STREAM));
        registry.setConsent(id, STREAM, true, 0);
    }

    function test_RevertWhen_RevokingANeverGrantedConsent() public {
        (uint256 id,) = _register(6, 0);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.ConsentNotGranted.selector, id, AI_GEN));
        registry.setConsent(id, AI_GEN, false, T0);
    }

    function test_RevertWhen_RevokingAnAlreadyRevokedConsent() public {
        (uint256 id,) = _register(6, 0);
        vm.startPrank(artist);
        registry.setConsent(id, STREAM, false, T0 + 10);
        vm.warp(T0 + 10);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.ConsentNotGranted.selector, id, STREAM));
        registry.setConsent(id, STREAM, false, T0 + 20);
        vm.stopPrank();
    }

    function test_RevertWhen_SetMetadataHashByANonController() public {
        (uint256 id,) = _register(6, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, address(this)));
        registry.setMetadataHash(id, bytes32(uint256(1)));
    }

    function test_RevertWhen_TransferControlByANonController() public {
        (uint256 id,) = _register(6, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, address(this)));
        registry.transferControl(id, address(this));
    }

    function test_RevertWhen_TransferControlToZero() public {
        (uint256 id,) = _register(6, 0);
        vm.prank(artist);
        vm.expectRevert(ITrackRegistry.ZeroAddressController.selector);
        registry.transferControl(id, address(0));
    }

    function test_RevertWhen_ReadingAnUnknownTrack() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.UnknownTrack.selector, 7));
        registry.track(7);
    }

    function test_RevertWhen_IsUsageAllowedForAnUnknownTrack() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.UnknownTrack.selector, 0));
        registry.isUsageAllowed(0, STREAM, T0);
    }

    function test_RevertWhen_IsUsageAllowedForAnInvalidClass() public {
        (uint256 id,) = _register(6, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidUsageClass.selector, 200));
        registry.isUsageAllowed(id, 200, T0);
    }

    function test_RevertWhen_ConsentForAnInvalidClass() public {
        (uint256 id,) = _register(6, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidUsageClass.selector, 6));
        registry.consent(id, 6);
    }

    // ---------------------------------------------------------------- fuzz: never retroactive

    /// @dev A random sequence of grants, revocations and tier-independent checks over time: once a timestamp is in
    /// the past, the consent answer for it never changes again, whatever the controller does afterwards.
    function testFuzz_Consent_NeverChangesForThePast(uint256 seed, uint8 usageClass, uint8 aiMask) public {
        usageClass = uint8(bound(usageClass, 0, 5));
        aiMask = uint8(bound(aiMask, 0, 3)) << 4;
        (uint256 id,) = _register(6, aiMask);
        uint64 start = T0;
        bool[64] memory answers;
        vm.startPrank(artist);
        for (uint256 step = 0; step < 12; step++) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            vm.warp(block.timestamp + 1 + (r % 5));
            uint64 now_ = uint64(block.timestamp);
            // record the answers for every past second so far
            for (uint64 t = start; t < now_ && t - start < 64; t++) {
                answers[t - start] = registry.isUsageAllowed(id, usageClass, t);
            }
            (, uint64 revokedAt) = registry.consent(id, usageClass);
            (uint64 grantedAt,) = registry.consent(id, usageClass);
            bool open = grantedAt != 0 && (revokedAt == 0 || revokedAt > now_);
            if ((r >> 8) % 2 == 0) {
                if (!open || revokedAt > now_) registry.setConsent(id, usageClass, true, 0);
            } else if (open) {
                registry.setConsent(id, usageClass, false, now_ + uint64((r >> 16) % 4));
            }
            for (uint64 t = start; t < now_ && t - start < 64; t++) {
                assertEq(registry.isUsageAllowed(id, usageClass, t), answers[t - start], "the past changed");
            }
        }
        vm.stopPrank();
    }
}
