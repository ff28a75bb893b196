// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {SplitClone} from "../../src/libraries/SplitClone.sol";
import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {ITrackSplit} from "../../src/interfaces/ITrackSplit.sol";
import {TrackSplit} from "../../src/TrackSplit.sol";
import {SplitTestBase} from "./helpers/SplitTestBase.sol";
import {RecipientsTreeReference as Ref} from "./helpers/RecipientsTreeReference.sol";

contract SplitFactoryTest is SplitTestBase {
    // ---------------------------------------------------------------- createSplit

    function test_CreateSplit_DeploysACloneAtThePredictedAddress() public {
        address[] memory r = _accounts(5, 1);
        uint256[] memory s = _shares(5, 1);
        bytes32 salt = bytes32(uint256(42));
        address predicted = factory.predictSplitAddress(address(this), r, s, salt);
        bytes32 root = Ref.root(r, s);

        vm.expectEmit(address(factory));
        emit ISplitFactory.SplitCreated(predicted, address(this), root, _packed(r, s));
        address split = factory.createSplit(r, s, salt);

        assertEq(split, predicted);
        assertTrue(factory.isSplit(split));
        bytes32 effectiveSalt = keccak256(abi.encode(address(this), salt));
        // The runtime code, spelled out byte by byte (see SplitClone): the receive branch, the EIP-1167 body, args.
        bytes memory runtime = abi.encodePacked(
            hex"36600557005b363d3d373d3d3d363d73",
            factory.implementation(),
            hex"5af43d82803e903d91603157fd5bf3",
            abi.encode(root, uint256(5), effectiveSalt)
        );
        assertEq(split.code, runtime);
        assertEq(
            split,
            Create2.computeAddress(
                effectiveSalt, keccak256(abi.encodePacked(hex"6100933d81600a3d39f3", runtime)), address(factory)
            )
        );
        assertEq(TrackSplit(payable(split)).recipientsRoot(), root);
        assertEq(TrackSplit(payable(split)).factory(), address(factory));
    }

    /// @dev Issue 11 item 7: the recipient list is in the event, unpacked by the rule in ISplitFactory.
    function test_CreateSplit_EventCarriesEveryRecipientAndShare() public {
        address[] memory r = _accounts(7, 9);
        uint256[] memory s = _shares(7, 9);
        vm.recordLogs();
        address split = factory.createSplit(r, s, bytes32("event"));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[0], ISplitFactory.SplitCreated.selector);
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(split))));
        (bytes32 root, uint256[] memory packed) = abi.decode(logs[0].data, (bytes32, uint256[]));
        assertEq(root, Ref.root(r, s));
        assertEq(packed.length, 7);
        for (uint256 i = 0; i < 7; i++) {
            assertEq(address(uint160(packed[i])), r[i]);
            assertEq(packed[i] >> 160, s[i]);
        }
    }

    function _packed(address[] memory r, uint256[] memory s) internal pure returns (uint256[] memory out) {
        out = new uint256[](r.length);
        for (uint256 i = 0; i < r.length; i++) {
            out[i] = (s[i] << 160) | uint160(r[i]);
        }
    }

    function test_CreateSplit_WritesNoStorage() public {
        address[] memory r = _accounts(3, 2);
        uint256[] memory s = _shares(3, 2);
        vm.record();
        factory.createSplit(r, s, bytes32(0));
        (, bytes32[] memory writes) = vm.accesses(address(factory));
        assertEq(writes.length, 0);
    }

    function test_CreateSplit_SaltIsPerCreator() public {
        address[] memory r = _accounts(2, 3);
        uint256[] memory s = _equalShares(2);
        address mine = factory.createSplit(r, s, bytes32(0));
        vm.prank(makeAddr("other creator"));
        address theirs = factory.createSplit(r, s, bytes32(0));
        assertTrue(mine != theirs);
        assertTrue(factory.isSplit(theirs));
    }

    function test_CreateSplit_AcceptsTheMaximumOf200Recipients() public {
        address[] memory r = _accounts(200, 4);
        uint256[] memory s = _shares(200, 4);
        TrackSplit split = _create(r, s, bytes32(0));
        assertEq(split.recipientCount(), 200);
        _fund(split, address(token), 1e12);
        assertEq(_release(split, address(token), r, s, 199), 1e12 * s[199] / SCALE);
    }

    function test_IsSplit_FalseForOtherAddresses() public {
        assertFalse(factory.isSplit(address(0)));
        assertFalse(factory.isSplit(makeAddr("eoa")));
        assertFalse(factory.isSplit(address(factory)));
        assertFalse(factory.isSplit(factory.implementation()));
    }

    /// @dev A clone of the same implementation made by someone else, even with the same args and salt, is not one
    /// of this factory's splits.
    function test_IsSplit_FalseForAForeignCloneOfTheImplementation() public {
        address[] memory r = _accounts(2, 5);
        uint256[] memory s = _equalShares(2);
        bytes32 effectiveSalt = keccak256(abi.encode(address(this), bytes32(0)));
        // the very same init code, deployed by this test contract instead of the factory
        address foreign = SplitClone.deploy(factory.implementation(), Ref.root(r, s), 2, effectiveSalt);
        assertEq(foreign.code.length, SplitClone.CODE_LENGTH);
        assertEq(foreign.code.length, 147);
        assertFalse(factory.isSplit(foreign));
    }

    function test_RecipientsRoot_MatchesTheReferenceForOddAndEvenSizes() public view {
        for (uint256 n = 1; n <= 9; n++) {
            address[] memory r = _accounts(n, n);
            uint256[] memory s = _shares(n, n);
            assertEq(factory.recipientsRoot(r, s), Ref.root(r, s));
        }
    }

    // ---------------------------------------------------------------- validation: one test per revert path

    function test_RevertWhen_NoRecipients() public {
        vm.expectRevert(ISplitFactory.NoRecipients.selector);
        factory.createSplit(new address[](0), new uint256[](0), bytes32(0));
    }

    function test_RevertWhen_TooManyRecipients() public {
        address[] memory r = _accounts(201, 1);
        uint256[] memory s = _shares(201, 1);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.TooManyRecipients.selector, 201, 200));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_LengthsDiffer() public {
        address[] memory r = _accounts(3, 1);
        uint256[] memory s = _equalShares(2);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.LengthMismatch.selector, 3, 2));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_FirstRecipientIsTheZeroAddress() public {
        address[] memory r = _accounts(2, 1);
        r[0] = address(0);
        uint256[] memory s = _equalShares(2);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.ZeroAddressRecipient.selector, 0));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_RecipientsAreNotAscending() public {
        address[] memory r = _accounts(4, 1);
        (r[1], r[2]) = (r[2], r[1]);
        uint256[] memory s = _equalShares(4);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.RecipientsNotSorted.selector, 2, r[1], r[2]));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_ARecipientIsDuplicated() public {
        address[] memory r = _accounts(3, 1);
        r[2] = r[1];
        uint256[] memory s = _equalShares(3);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.RecipientsNotSorted.selector, 2, r[1], r[1]));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_AShareIsZero() public {
        address[] memory r = _accounts(3, 1);
        uint256[] memory s = new uint256[](3);
        (s[0], s[1], s[2]) = (600_000, 0, 400_000);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.ZeroShare.selector, 1, r[1]));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_SharesSumBelowScale() public {
        address[] memory r = _accounts(2, 1);
        uint256[] memory s = new uint256[](2);
        (s[0], s[1]) = (500_000, 499_999);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, 999_999, SCALE));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_SharesSumAboveScale() public {
        address[] memory r = _accounts(3, 1);
        uint256[] memory s = new uint256[](3);
        (s[0], s[1], s[2]) = (500_000, 500_001, 1);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, 1_000_001, SCALE));
        factory.createSplit(r, s, bytes32(0));
    }

    /// @dev A share near 2^256 must not wrap the sum around to exactly 1e6.
    function test_RevertWhen_AShareWouldOverflowTheSum() public {
        address[] memory r = _accounts(2, 1);
        uint256[] memory s = new uint256[](2);
        (s[0], s[1]) = (1_000_000, type(uint256).max); // 1e6 + (2^256 - 1) would wrap; the error saturates
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, type(uint256).max, SCALE));
        factory.createSplit(r, s, bytes32(0));
    }

    function test_RevertWhen_ARecipientAddressHasDirtyUpperBits() public {
        address[] memory r = _accounts(2, 1);
        uint256[] memory s = _equalShares(2);
        bytes memory data = abi.encodeCall(ISplitFactory.createSplit, (r, s, bytes32(0)));
        bytes32 clean = bytes32(uint256(uint160(r[1])));
        uint256 at = _find(data, clean);
        bytes32 dirty = clean | bytes32(uint256(1) << 200);
        assembly {
            mstore(add(add(data, 0x20), at), dirty)
        }
        (bool ok, bytes memory ret) = address(factory).call(data);
        assertFalse(ok);
        assertEq(ret.length, 0, "not an ABI decoding failure");
    }

    /// @dev A CREATE2 address collision makes CREATE2 fail and burn the gas it was given (EVM rule).
    function test_RevertWhen_TheSameSplitIsCreatedTwice() public {
        address[] memory r = _accounts(2, 1);
        uint256[] memory s = _equalShares(2);
        factory.createSplit(r, s, bytes32(0));
        vm.expectRevert(Errors.FailedDeployment.selector);
        factory.createSplit{gas: 1_000_000}(r, s, bytes32(0));
    }

    function test_RevertWhen_PredictingAnInvalidSplit() public {
        address[] memory r = _accounts(2, 1);
        uint256[] memory s = new uint256[](2);
        (s[0], s[1]) = (1, 1);
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, 2, SCALE));
        factory.predictSplitAddress(address(this), r, s, bytes32(0));
    }

    function test_RevertWhen_RootOfAnInvalidSplit() public {
        vm.expectRevert(ISplitFactory.NoRecipients.selector);
        factory.recipientsRoot(new address[](0), new uint256[](0));
    }

    // ---------------------------------------------------------------- releaseMany

    function test_ReleaseMany_PaysOneAccountFromManySplitsAndTokens() public {
        address me = makeAddr("claimant");
        ISplitFactory.ReleaseRequest[] memory requests = new ISplitFactory.ReleaseRequest[](4);
        for (uint256 k = 0; k < 3; k++) {
            (address[] memory r, uint256[] memory s, uint256 idx) = _withAccount(me, 3 + k, k);
            TrackSplit split = _create(r, s, bytes32(k));
            _fund(split, ETH, 1 ether);
            _fund(split, address(token), 1_000_000);
            requests[k] = ISplitFactory.ReleaseRequest(address(split), ETH, s[idx], _proof(r, s, idx));
            if (k == 0) {
                requests[3] = ISplitFactory.ReleaseRequest(address(split), address(token), s[idx], _proof(r, s, idx));
            }
        }
        vm.prank(makeAddr("relayer"));
        uint256[] memory amounts = factory.releaseMany(requests, me);
        uint256 eth = 0;
        for (uint256 k = 0; k < 3; k++) {
            assertEq(amounts[k], 1 ether * requests[k].share / SCALE);
            eth += amounts[k];
        }
        assertEq(me.balance, eth);
        assertEq(token.balanceOf(me), 1_000_000 * requests[3].share / SCALE);
        assertEq(amounts[3], token.balanceOf(me));
    }

    function test_ReleaseMany_NothingDueAnywherePaysZero() public {
        address me = makeAddr("claimant");
        (address[] memory r, uint256[] memory s, uint256 idx) = _withAccount(me, 4, 9);
        TrackSplit split = _create(r, s, bytes32(0));
        ISplitFactory.ReleaseRequest[] memory requests = new ISplitFactory.ReleaseRequest[](1);
        requests[0] = ISplitFactory.ReleaseRequest(address(split), ETH, s[idx], _proof(r, s, idx));
        assertEq(factory.releaseMany(requests, me)[0], 0);
    }

    function test_RevertWhen_ReleaseManyHasNoRequests() public {
        vm.expectRevert(ISplitFactory.NoReleaseRequests.selector);
        factory.releaseMany(new ISplitFactory.ReleaseRequest[](0), address(this));
    }

    function test_RevertWhen_ReleaseManyNamesANonSplit() public {
        address fake = makeAddr("not a split");
        ISplitFactory.ReleaseRequest[] memory requests = new ISplitFactory.ReleaseRequest[](1);
        requests[0] = ISplitFactory.ReleaseRequest(fake, ETH, SCALE, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(ISplitFactory.NotASplit.selector, fake));
        factory.releaseMany(requests, address(this));
    }

    function test_RevertWhen_ReleaseManyHasABadProof() public {
        address me = makeAddr("claimant");
        (address[] memory r, uint256[] memory s, uint256 idx) = _withAccount(me, 4, 1);
        TrackSplit split = _create(r, s, bytes32(0));
        ISplitFactory.ReleaseRequest[] memory requests = new ISplitFactory.ReleaseRequest[](1);
        requests[0] = ISplitFactory.ReleaseRequest(address(split), ETH, s[idx] + 1, _proof(r, s, idx));
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidRecipientProof.selector, me, s[idx] + 1));
        factory.releaseMany(requests, me);
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Any valid list is accepted, lands where predicted and has the reference root; breaking one rule at a
    /// random index is rejected with that rule's error and index.
    function testFuzz_CreateSplit_ValidatesEveryRule(uint256 n, uint256 seed, uint256 rule, uint256 at) public {
        n = bound(n, 2, 30);
        at = bound(at, 1, n - 1);
        address[] memory r = _accounts(n, seed);
        uint256[] memory s = _shares(n, seed);
        rule = bound(rule, 0, 3);
        bytes memory expected;
        if (rule == 0) {
            address predicted = factory.predictSplitAddress(address(this), r, s, bytes32(seed));
            assertEq(factory.createSplit(r, s, bytes32(seed)), predicted);
            assertEq(TrackSplit(payable(predicted)).recipientsRoot(), Ref.root(r, s));
            return;
        } else if (rule == 1) {
            r[at] = r[at - 1];
            expected = abi.encodeWithSelector(ISplitFactory.RecipientsNotSorted.selector, at, r[at], r[at]);
        } else if (rule == 2) {
            s[at - 1] += s[at];
            s[at] = 0;
            expected = abi.encodeWithSelector(ISplitFactory.ZeroShare.selector, at, r[at]);
        } else {
            s[at] += 1;
            uint256 sum = 0;
            for (uint256 i = 0; i < n; i++) {
                sum += s[i];
            }
            expected = abi.encodeWithSelector(ISplitFactory.SharesSumMismatch.selector, sum, SCALE);
        }
        vm.expectRevert(expected);
        factory.createSplit(r, s, bytes32(seed));
    }

    // ---------------------------------------------------------------- helpers

    /// @dev A sorted list of `n` recipients that contains `account`, its shares and the account's index.
    function _withAccount(address account, uint256 n, uint256 seed)
        internal
        pure
        returns (address[] memory r, uint256[] memory s, uint256 idx)
    {
        r = _accounts(n, seed);
        r[0] = account;
        _sort(r);
        s = _shares(n, seed);
        for (idx = 0; r[idx] != account; idx++) {}
    }

    function _find(bytes memory data, bytes32 word) internal pure returns (uint256) {
        for (uint256 i = 4; i + 32 <= data.length; i += 32) {
            bytes32 w;
            assembly {
                w := mload(add(add(data, 0x20), i))
            }
            if (w == word) return i;
        }
        revert("word not found");
    }
}
