// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
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
    address internal attacker = makeAddr("attacker");
    address[] internal recipients;
    uint256 internal saltCounter;
    uint256[] internal shares;

    function setUp() public {
        vm.warp(T0);
        factory = new SplitFactory();
        registry = new TrackRegistry(factory, address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), operator);
        (address a, address b) = artist < producer ? (artist, producer) : (producer, artist);
        recipients.push(a);
        recipients.push(b);
        shares.push(700_000);
        shares.push(300_000);
    }

    function _register(uint8 tier, uint8 aiMask) internal returns (uint256 id, address split) {
        vm.prank(operator);
        return registry.registerTrack(
            artist, recipients, shares, tier, aiMask, keccak256("meta"), bytes32(++saltCounter), false
        );
    }

    // ---------------------------------------------------------------- registration

    function test_RegisterTrack_AssignsSequentialIdsAndCreatesTheSplitThroughTheFactory() public {
        bytes32 salt = bytes32(uint256(1));
        address predicted = registry.predictSplitAddress(artist, recipients, shares, salt);
        assertEq(
            predicted,
            factory.predictSplitAddress(address(registry), recipients, shares, keccak256(abi.encode(artist, salt)))
        );
        vm.expectEmit(address(registry));
        emit ITrackRegistry.TrackRegistered(1, predicted, artist, 4, keccak256("meta"), salt, false);
        (uint256 id, address split) = _register(4, 0);
        assertEq(id, 1);
        assertEq(split, predicted);
        assertTrue(factory.isSplit(split));
        assertEq(TrackSplit(payable(split)).recipientsRoot(), factory.recipientsRoot(recipients, shares));

        address predicted2 = registry.predictSplitAddress(artist, recipients, shares, bytes32(uint256(2)));
        (uint256 id2, address split2) = _register(1, 0);
        assertEq(id2, 2);
        assertEq(split2, predicted2);
        assertEq(registry.trackCount(), 2);
        assertEq(registry.trackOfSplit(split), 1);
        assertEq(registry.trackOfSplit(split2), 2);
        assertEq(registry.trackOfSplit(makeAddr("nobody")), 0);
        assertEq(registry.splitFactory(), address(factory));
    }

    function test_RegisterTrack_ARegistrarMayRegisterForAnotherController() public {
        (uint256 id,) = _register(2, 0);
        ITrackRegistry.TrackInfo memory info = registry.track(id);
        assertEq(info.controller, artist);
        assertEq(info.tier, 2);
        assertEq(info.metadataHash, keccak256("meta"));
        assertEq(info.registeredAt, T0);
        assertFalse(info.settleToSplit);
        // the operator who registered has no control
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, operator));
        registry.setTier(id, 3);
    }

    function test_RegisterTrack_AnyoneMayRegisterATrackItControls() public {
        vm.prank(producer);
        (uint256 id, address split) =
            registry.registerTrack(producer, recipients, shares, 3, 0, bytes32(0), bytes32("mine"), false);
        assertEq(registry.track(id).controller, producer);
        assertEq(split, registry.predictSplitAddress(producer, recipients, shares, bytes32("mine")));
    }

    function test_RegisterTrack_SettleToSplitIsRecordedAndEmitted() public {
        vm.expectEmit(address(registry));
        emit ITrackRegistry.TrackRegistered(
            1,
            registry.predictSplitAddress(artist, recipients, shares, bytes32("s")),
            artist,
            6,
            keccak256("meta"),
            bytes32("s"),
            true
        );
        vm.prank(operator);
        (uint256 id,) = registry.registerTrack(artist, recipients, shares, 6, 0, keccak256("meta"), bytes32("s"), true);
        assertTrue(registry.track(id).settleToSplit);
        // nothing the controller can call changes it
        vm.startPrank(artist);
        registry.setTier(id, 2);
        registry.setMetadataHash(id, bytes32(0));
        registry.transferControl(id, producer);
        vm.stopPrank();
        assertTrue(registry.track(id).settleToSplit);
    }

    function test_RegistrarRole_OnlyTheAdminGrantsIt() public {
        bytes32 role = registry.REGISTRAR_ROLE();
        bytes32 admin = registry.DEFAULT_ADMIN_ROLE();
        assertTrue(registry.hasRole(admin, address(this)));
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, admin)
        );
        registry.grantRole(role, attacker);
        registry.revokeRole(role, operator);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotRegistrar.selector, operator, artist));
        registry.registerTrack(artist, recipients, shares, 1, 0, bytes32(0), bytes32(0), false);
    }

    // ---------------------------------------------------------------- attack: taking a predicted split address

    /// @dev Before: the split salt was bytes32(trackId), so an address predicted from trackCount()+1 went to
    /// whichever registration landed first. Now the address depends on (controller, salt, recipients), not on the
    /// order of registrations: another registration first changes nothing.
    function test_Attack_RegistrationFirstDoesNotMoveAPredictedSplit() public {
        address predicted = registry.predictSplitAddress(artist, recipients, shares, bytes32("release-1"));
        // the attacker registers the same recipients and salt first, as its own track
        vm.prank(attacker);
        (, address attackersSplit) =
            registry.registerTrack(attacker, recipients, shares, 6, 0x30, bytes32(0), bytes32("release-1"), true);
        assertTrue(attackersSplit != predicted);
        vm.prank(operator);
        (uint256 id, address split) =
            registry.registerTrack(artist, recipients, shares, 4, 0, keccak256("meta"), bytes32("release-1"), false);
        assertEq(split, predicted);
        assertEq(registry.track(id).controller, artist);
    }

    /// @dev Nor can the attacker register under the victim's controller to occupy the victim's address with its own
    /// terms (tier, AI consent, settleToSplit).
    function test_Attack_RevertWhen_RegisteringUnderSomeoneElsesController() public {
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotRegistrar.selector, attacker, artist));
        registry.registerTrack(artist, recipients, shares, 6, 0x30, bytes32(0), bytes32("release-1"), true);
    }

    function test_RevertWhen_TheSameControllerSaltAndRecipientsAreRegisteredTwice() public {
        vm.startPrank(operator);
        registry.registerTrack(artist, recipients, shares, 1, 0, bytes32(0), bytes32("x"), false);
        vm.expectRevert(Errors.FailedDeployment.selector);
        registry.registerTrack(artist, recipients, shares, 1, 0, bytes32(0), bytes32("x"), false);
        vm.stopPrank();
    }

    function test_RevertWhen_TheAdminIsZero() public {
        vm.expectRevert(ITrackRegistry.ZeroAddressAdmin.selector);
        new TrackRegistry(factory, address(0));
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

    /// @dev Before: a tier change applied to every timestamp, so an upgrade made unsettled past AI usage billable
    /// and a downgrade cancelled usage that was licensed when it happened. Now each timestamp keeps its tier.
    function test_Attack_TierChangeIsNeverRetroactive() public {
        (uint256 id,) = _register(5, AI_BOTH);
        assertTrue(registry.isUsageAllowed(id, AI_GEN, T0));
        assertFalse(registry.isUsageAllowed(id, AI_REMIX, T0), "tier 5 excludes AI_REMIX");
        vm.warp(T0 + 10);
        vm.prank(artist);
        registry.setTier(id, 6);
        assertFalse(registry.isUsageAllowed(id, AI_REMIX, T0 + 1), "an upgrade reached into the past");
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0 + 10));
        vm.warp(T0 + 20);
        vm.prank(artist);
        registry.setTier(id, 1);
        assertTrue(registry.isUsageAllowed(id, DOWNLOAD, T0 + 1), "a downgrade reached into the past");
        assertTrue(registry.isUsageAllowed(id, AI_REMIX, T0 + 19));
        assertFalse(registry.isUsageAllowed(id, DOWNLOAD, T0 + 20));
        assertTrue(registry.isUsageAllowed(id, STREAM, T0 + 20));
        assertEq(registry.tierAt(id, T0), 5);
        assertEq(registry.tierAt(id, T0 + 15), 6);
        assertEq(registry.tierAt(id, T0 + 20), 1);
        assertEq(registry.track(id).tier, 1);
    }

    function test_TierAt_ZeroBeforeRegistration() public {
        (uint256 id,) = _register(4, 0);
        assertEq(registry.tierAt(id, T0 - 1), 0);
        assertEq(registry.tierAt(id, T0), 4);
    }

    function test_SetTierAt_SchedulesAFutureChange() public {
        (uint256 id,) = _register(4, 0);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.TierChanged(id, 4, 2, T0 + 100);
        vm.prank(artist);
        registry.setTierAt(id, 2, T0 + 100);
        assertEq(registry.track(id).tier, 4, "not yet");
        assertTrue(registry.isUsageAllowed(id, SYNC, T0 + 99));
        assertFalse(registry.isUsageAllowed(id, SYNC, T0 + 100));
        vm.warp(T0 + 100);
        assertEq(registry.track(id).tier, 2);
    }

    function test_SetTierAt_ZeroMeansNow() public {
        (uint256 id,) = _register(4, 0);
        vm.warp(T0 + 5);
        vm.prank(artist);
        registry.setTierAt(id, 6, 0);
        assertEq(registry.tierAt(id, T0 + 4), 4);
        assertEq(registry.tierAt(id, T0 + 5), 6);
    }

    /// @dev A change scheduled earlier than pending ones cancels them; changes already in force stay.
    function test_SetTierAt_CancelsPendingChangesAtOrAfterIt() public {
        (uint256 id,) = _register(4, 0);
        vm.startPrank(artist);
        vm.warp(T0 + 10);
        registry.setTier(id, 5); // in force from T0 + 10
        registry.setTierAt(id, 3, T0 + 100);
        registry.setTierAt(id, 2, T0 + 200);
        vm.warp(T0 + 50);
        vm.expectEmit(address(registry));
        emit ITrackRegistry.TierChanged(id, 5, 6, T0 + 100);
        registry.setTierAt(id, 6, T0 + 100);
        vm.stopPrank();
        (uint8 initial, ITrackRegistry.TierChange[] memory changes) = registry.tierHistory(id);
        assertEq(initial, 4);
        assertEq(changes.length, 2);
        assertEq(changes[0].effectiveFrom, T0 + 10);
        assertEq(changes[0].tier, 5);
        assertEq(changes[1].effectiveFrom, T0 + 100);
        assertEq(changes[1].tier, 6);
        assertEq(registry.tierAt(id, T0 + 9), 4);
        assertEq(registry.tierAt(id, T0 + 99), 5);
        assertEq(registry.tierAt(id, T0 + 500), 6);
    }

    function test_RevertWhen_TierChangeIsRetroactive() public {
        (uint256 id,) = _register(4, 0);
        vm.warp(T0 + 100);
        vm.prank(artist);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.RetroactiveTierChange.selector, T0 + 99, T0 + 100));
        registry.setTierAt(id, 6, T0 + 99);
    }

    function test_RevertWhen_SetTierAtByANonController() public {
        (uint256 id,) = _register(4, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.NotTrackController.selector, id, address(this)));
        registry.setTierAt(id, 6, T0 + 1);
    }

    function test_RevertWhen_TierAtForAnUnknownTrack() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.UnknownTrack.selector, 3));
        registry.tierAt(3, T0);
    }

    /// @dev Random tier changes (now or scheduled) over time: the tier answer for a past second never changes.
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_Tier_NeverChangesForThePast(uint256 seed) public {
        (uint256 id,) = _register(3, 0);
        uint64 start = T0;
        uint8[64] memory answers;
        vm.startPrank(artist);
        for (uint256 step = 0; step < 12; step++) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            vm.warp(block.timestamp + 1 + (r % 5));
            uint64 now_ = uint64(block.timestamp);
            for (uint64 t = start; t < now_ && t - start < 64; t++) {
                answers[t - start] = registry.tierAt(id, t);
            }
            uint8 tier = uint8(1 + ((r >> 8) % 6));
            if ((r >> 16) % 2 == 0) registry.setTier(id, tier);
            else registry.setTierAt(id, tier, now_ + uint64((r >> 24) % 8));
            for (uint64 t = start; t < now_ && t - start < 64; t++) {
                assertEq(registry.tierAt(id, t), answers[t - start], "the past changed");
            }
        }
        vm.stopPrank();
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
        emit ITrackRegistry.TierChanged(id, 2, 4, T0);
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
        vm.prank(operator);
        vm.expectRevert(ITrackRegistry.ZeroAddressController.selector);
        registry.registerTrack(address(0), recipients, shares, 1, 0, bytes32(0), bytes32(0), false);
    }

    function test_RevertWhen_RegisteringTierZero() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidTier.selector, 0));
        registry.registerTrack(artist, recipients, shares, 0, 0, bytes32(0), bytes32(0), false);
    }

    function test_RevertWhen_RegisteringTierSeven() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidTier.selector, 7));
        registry.registerTrack(artist, recipients, shares, 7, 0, bytes32(0), bytes32(0), false);
    }

    function test_RevertWhen_AiConsentMaskHasNonAiBits() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.InvalidAiConsentMask.selector, 0x31));
        registry.registerTrack(artist, recipients, shares, 6, 0x31, bytes32(0), bytes32(0), false);
    }

    function test_RevertWhen_RegisteringAnInvalidSplit() public {
        shares[1] = 1;
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, 700_001, 1e6));
        registry.registerTrack(artist, recipients, shares, 1, 0, bytes32(0), bytes32(0), false);
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
