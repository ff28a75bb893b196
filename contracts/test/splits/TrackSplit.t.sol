// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {ITrackSplit} from "../../src/interfaces/ITrackSplit.sol";
import {TrackSplit} from "../../src/TrackSplit.sol";
import {SplitTestBase} from "./helpers/SplitTestBase.sol";
import {RecipientsTreeReference as Ref} from "./helpers/RecipientsTreeReference.sol";
import {FalseReturningToken, RevertingReceiver, ReentrantReceiver} from "./helpers/TestTokens.sol";

contract TrackSplitTest is SplitTestBase {
    address[] internal recipients;
    uint256[] internal shares;
    TrackSplit internal split;

    function setUp() public override {
        super.setUp();
        recipients = _accounts(3, 1);
        shares = new uint256[](3);
        (shares[0], shares[1], shares[2]) = (500_000, 300_000, 200_000);
        split = _create(recipients, shares, bytes32(uint256(1)));
    }

    // ---------------------------------------------------------------- views

    function test_Views_ReturnCloneArgsAndFactory() public view {
        assertEq(split.recipientsRoot(), Ref.root(recipients, shares));
        assertEq(split.recipientCount(), 3);
        assertEq(split.factory(), address(factory));
        assertEq(split.SCALE(), SCALE);
        assertEq(split.NATIVE_TOKEN(), ETH);
    }

    function test_Receive_AcceptsEthWritingNothingAndLoggingNothing() public {
        vm.deal(address(this), 1 ether);
        vm.record();
        vm.recordLogs();
        (bool ok,) = address(split).call{value: 1 ether}("");
        assertTrue(ok);
        (, bytes32[] memory writes) = vm.accesses(address(split));
        assertEq(writes.length, 0, "deposit wrote storage");
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(split.totalReceived(ETH), 1 ether);
    }

    // ---------------------------------------------------------------- release

    function test_Release_PaysEachRecipientItsShareInEth() public {
        _fund(split, ETH, 10 ether);
        for (uint256 i = 0; i < 3; i++) {
            vm.expectEmit(address(split));
            emit ITrackSplit.Released(ETH, recipients[i], 10 ether * shares[i] / SCALE);
            uint256 paid = _release(split, ETH, recipients, shares, i);
            assertEq(paid, 10 ether * shares[i] / SCALE);
            assertEq(recipients[i].balance, paid);
            assertEq(split.released(ETH, recipients[i]), paid);
        }
        assertEq(split.totalReleased(ETH), 10 ether);
        assertEq(address(split).balance, 0);
    }

    function test_Release_PaysEachRecipientItsShareInErc20() public {
        _fund(split, address(token), 1_000_000_007);
        for (uint256 i = 0; i < 3; i++) {
            uint256 paid = _release(split, address(token), recipients, shares, i);
            assertEq(paid, 1_000_000_007 * shares[i] / SCALE);
            assertEq(token.balanceOf(recipients[i]), paid);
        }
        // 1_000_000_007 * {0.5, 0.3, 0.2} floors to 500000003 + 300000002 + 200000001: one unit of dust.
        assertEq(token.balanceOf(address(split)), 1);
        assertEq(split.totalReceived(address(token)), 1_000_000_007);
    }

    function test_Release_TokensAreAccountedSeparately() public {
        _fund(split, ETH, 1 ether);
        _fund(split, address(token), 1000);
        _release(split, ETH, recipients, shares, 0);
        assertEq(split.released(address(token), recipients[0]), 0);
        assertEq(split.totalReleased(address(token)), 0);
        assertEq(_release(split, address(token), recipients, shares, 0), 500);
    }

    function test_Release_IsPermissionlessAndPaysTheAccount() public {
        _fund(split, ETH, 1 ether);
        address stranger = makeAddr("stranger");
        bytes32[] memory proof = _proof(recipients, shares, 1);
        vm.prank(stranger);
        split.release(ETH, recipients[1], shares[1], proof);
        assertEq(stranger.balance, 0);
        assertEq(recipients[1].balance, 0.3 ether);
    }

    function test_Release_ReturnsZeroAndEmitsNothingWhenNothingIsDue() public {
        _fund(split, ETH, 1 ether);
        _release(split, ETH, recipients, shares, 0);
        vm.recordLogs();
        uint256 paid = _release(split, ETH, recipients, shares, 0);
        assertEq(paid, 0);
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(split.released(ETH, recipients[0]), 0.5 ether);
        // and on a split that never received anything
        assertEq(_release(split, address(token), recipients, shares, 2), 0);
    }

    function test_Release_PaysOnlyWhatArrivedSinceTheLastRelease() public {
        _fund(split, ETH, 1 ether);
        assertEq(_release(split, ETH, recipients, shares, 0), 0.5 ether);
        _fund(split, ETH, 3 ether);
        assertEq(_release(split, ETH, recipients, shares, 0), 1.5 ether);
        assertEq(_release(split, ETH, recipients, shares, 1), 1.2 ether);
        assertEq(split.totalReceived(ETH), 4 ether);
    }

    function test_Release_DustBecomesClaimableWhenMoreArrives() public {
        // 3 base units over shares 50/30/20 %: entitlements 1, 0, 0; two units of dust remain.
        _fund(split, address(token), 3);
        assertEq(_release(split, address(token), recipients, shares, 0), 1);
        assertEq(_release(split, address(token), recipients, shares, 1), 0);
        assertEq(_release(split, address(token), recipients, shares, 2), 0);
        assertEq(token.balanceOf(address(split)), 2);
        // 7 more: total 10 -> entitlements 5, 3, 2: the dust is paid out, nothing is lost.
        _fund(split, address(token), 7);
        assertEq(_release(split, address(token), recipients, shares, 0), 4);
        assertEq(_release(split, address(token), recipients, shares, 1), 3);
        assertEq(_release(split, address(token), recipients, shares, 2), 2);
        assertEq(token.balanceOf(address(split)), 0);
    }

    /// @dev Unsupported tokens whose balance shrinks on its own (rebasing down): an account already paid beyond
    /// its recomputed entitlement gets 0 (no underflow), and a release the balance cannot cover fails loudly in the
    /// token rather than paying anyone out of turn.
    function test_Release_WhenTheBalanceFellBelowWhatWasAccounted() public {
        _fund(split, address(token), 1000);
        assertEq(_release(split, address(token), recipients, shares, 0), 500);
        deal(address(token), address(split), 0); // the remaining 500 vanish
        assertEq(_release(split, address(token), recipients, shares, 0), 0);
        bytes32[] memory proof = _proof(recipients, shares, 1);
        assertEq(split.releasable(address(token), recipients[1], shares[1], proof), 150); // floor(500 * 30 %)
        // the transfer fails in the token (insufficient balance): the amount is held, and withdrawing it fails too
        vm.expectEmit(address(split));
        emit ITrackSplit.PayoutHeld(address(token), recipients[1], 150);
        assertEq(split.release(address(token), recipients[1], shares[1], proof), 0);
        assertEq(split.held(address(token), recipients[1]), 150);
        vm.prank(recipients[1]);
        vm.expectRevert(); // the token's own insufficient-balance error
        split.withdrawHeld(address(token), recipients[1]);
    }

    function test_Release_OneRecipientSplitUsesAnEmptyProof() public {
        address[] memory solo = _accounts(1, 7);
        uint256[] memory all = new uint256[](1);
        all[0] = SCALE;
        TrackSplit single = _create(solo, all, bytes32(0));
        assertEq(single.recipientsRoot(), Ref.leaf(solo[0], SCALE));
        _fund(single, ETH, 5 wei);
        assertEq(single.release(ETH, solo[0], SCALE, new bytes32[](0)), 5 wei);
    }

    function test_Release_ReleasableMatchesRelease() public {
        _fund(split, address(token), 999);
        bytes32[] memory proof = _proof(recipients, shares, 2);
        uint256 expected = split.releasable(address(token), recipients[2], shares[2], proof);
        assertEq(expected, 199);
        assertEq(split.release(address(token), recipients[2], shares[2], proof), expected);
        assertEq(split.releasable(address(token), recipients[2], shares[2], proof), 0);
    }

    function test_Release_RevertingRecipientDoesNotBlockOthers() public {
        RevertingReceiver bad = new RevertingReceiver();
        address[] memory r = _accounts(2, 3);
        address[] memory three = new address[](3);
        (three[0], three[1], three[2]) = (r[0], r[1], address(bad));
        _sort(three);
        uint256[] memory s = _equalShares(3);
        TrackSplit t = _create(three, s, bytes32(0));
        _fund(t, ETH, 3 ether);
        uint256 badShare;
        for (uint256 i = 0; i < 3; i++) {
            if (three[i] == address(bad)) {
                badShare = s[i];
                bytes32[] memory proof = _proof(three, s, i);
                vm.expectEmit(address(t));
                emit ITrackSplit.PayoutHeld(ETH, address(bad), 3 ether * s[i] / SCALE);
                assertEq(t.release(ETH, address(bad), s[i], proof), 0);
                continue;
            }
            assertEq(_release(t, ETH, three, s, i), 3 ether * s[i] / SCALE);
        }
        // Only the refusing recipient's own entitlement stays behind, held for it.
        assertEq(address(t).balance, 3 ether * badShare / SCALE);
        assertEq(t.held(ETH, address(bad)), 3 ether * badShare / SCALE);
        assertEq(t.totalReceived(ETH), 3 ether);
    }

    function test_Release_ReentrantRecipientCannotTakeMore() public {
        ReentrantReceiver reentrant = new ReentrantReceiver();
        address[] memory r = _accounts(1, 4);
        address[] memory two = new address[](2);
        (two[0], two[1]) = (r[0], address(reentrant));
        _sort(two);
        uint256[] memory s = _equalShares(2);
        TrackSplit t = _create(two, s, bytes32(0));
        uint256 idx = two[0] == address(reentrant) ? 0 : 1;
        reentrant.arm(address(t), s[idx], _proof(two, s, idx));
        _fund(t, ETH, 2 ether);

        assertEq(_release(t, ETH, two, s, idx), 1 ether);
        assertEq(reentrant.reentries(), 1);
        assertEq(reentrant.reentryPaid(), 0);
        assertEq(address(reentrant).balance, 1 ether);
        assertEq(_release(t, ETH, two, s, 1 - idx), 1 ether);
    }

    function test_Release_NestedSplitPaysTheOriginal() public {
        // The remix's split lists the original track's split as a recipient (40 %).
        address remixer = makeAddr("remixer");
        address[] memory r = new address[](2);
        uint256[] memory s = new uint256[](2);
        (r[0], r[1]) = remixer < address(split) ? (remixer, address(split)) : (address(split), remixer);
        (s[0], s[1]) = r[0] == remixer ? (600_000, 400_000) : (400_000, 600_000);
        TrackSplit remix = _create(r, s, bytes32(uint256(2)));
        uint256 originalIdx = r[0] == address(split) ? 0 : 1;

        _fund(remix, ETH, 10 ether);
        _fund(remix, address(token), 1_000_000);
        assertEq(_release(remix, ETH, r, s, originalIdx), 4 ether);
        assertEq(_release(remix, address(token), r, s, originalIdx), 400_000);
        assertEq(_release(remix, ETH, r, s, 1 - originalIdx), 6 ether);

        // The original split now holds 4 ETH and 400_000 units and pays its own recipients.
        assertEq(split.totalReceived(ETH), 4 ether);
        assertEq(_release(split, ETH, recipients, shares, 0), 2 ether);
        assertEq(_release(split, address(token), recipients, shares, 1), 120_000);
    }

    // ---------------------------------------------------------------- reverts

    function test_RevertWhen_ProofIsInvalid() public {
        _fund(split, ETH, 1 ether);
        bytes32[] memory wrong = _proof(recipients, shares, 1);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidRecipientProof.selector, recipients[0], shares[0]));
        split.release(ETH, recipients[0], shares[0], wrong);
    }

    function test_RevertWhen_ShareIsNotTheRecipientsShare() public {
        _fund(split, ETH, 1 ether);
        bytes32[] memory proof = _proof(recipients, shares, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidRecipientProof.selector, recipients[0], SCALE));
        split.release(ETH, recipients[0], SCALE, proof);
    }

    function test_RevertWhen_AccountIsNotARecipient() public {
        address outsider = makeAddr("outsider");
        bytes32[] memory proof = _proof(recipients, shares, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidRecipientProof.selector, outsider, shares[0]));
        split.release(ETH, outsider, shares[0], proof);
    }

    function test_RevertWhen_ReleasableProofIsInvalid() public {
        bytes32[] memory wrong = _proof(recipients, shares, 2);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidRecipientProof.selector, recipients[1], shares[1]));
        split.releasable(ETH, recipients[1], shares[1], wrong);
    }

    function test_Release_RevertingEthRecipientIsHeldNotReverted() public {
        RevertingReceiver bad = new RevertingReceiver();
        address[] memory one = new address[](1);
        one[0] = address(bad);
        uint256[] memory all = new uint256[](1);
        all[0] = SCALE;
        TrackSplit t = _create(one, all, bytes32(0));
        _fund(t, ETH, 1 ether);
        assertEq(t.release(ETH, address(bad), SCALE, new bytes32[](0)), 0);
        assertEq(t.released(ETH, address(bad)), 1 ether);
        assertEq(t.held(ETH, address(bad)), 1 ether);
        assertEq(t.totalReleased(ETH), 0);
        assertEq(t.releasable(ETH, address(bad), SCALE, new bytes32[](0)), 0);
    }

    function test_Release_Erc20TransferReturningFalseIsHeld() public {
        FalseReturningToken falseToken = new FalseReturningToken();
        falseToken.mint(address(split), 100);
        bytes32[] memory proof = _proof(recipients, shares, 0);
        vm.expectEmit(address(split));
        emit ITrackSplit.PayoutHeld(address(falseToken), recipients[0], 50);
        assertEq(split.release(address(falseToken), recipients[0], shares[0], proof), 0);
        assertEq(split.held(address(falseToken), recipients[0]), 50);
        assertEq(split.totalReceived(address(falseToken)), 100);
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev One deposit, everyone releases: each gets exactly floor(amount * share / SCALE); dust < n.
    function testFuzz_Release_ShareMath(uint256 n, uint256 seed, uint256 amount) public {
        n = bound(n, 1, 40);
        amount = bound(amount, 0, type(uint128).max);
        address[] memory r = _accounts(n, seed);
        uint256[] memory s = _shares(n, seed);
        TrackSplit t = _create(r, s, bytes32(seed));
        _fund(t, address(token), amount);
        uint256 paidTotal = 0;
        for (uint256 i = 0; i < n; i++) {
            uint256 paid = _release(t, address(token), r, s, i);
            assertEq(paid, amount * s[i] / SCALE, "not floor(amount*share/SCALE)");
            paidTotal += paid;
        }
        assertLe(paidTotal, amount);
        assertLt(amount - paidTotal, n, "more than one unit of dust per recipient");
        assertEq(token.balanceOf(address(t)), amount - paidTotal);
    }

    /// @dev Shares close to the full scale and amounts near the top of uint256 neither overflow nor over-pay.
    function testFuzz_Release_HugeAmountsDoNotOverflow(uint256 amount, uint256 share0) public {
        amount = bound(amount, type(uint256).max / 2, type(uint256).max);
        share0 = bound(share0, 1, SCALE - 1);
        address[] memory r = _accounts(2, 99);
        uint256[] memory s = new uint256[](2);
        (s[0], s[1]) = (share0, SCALE - share0);
        TrackSplit t = _create(r, s, bytes32(0));
        _fund(t, address(token), amount);
        uint256 a = _release(t, address(token), r, s, 0);
        uint256 b = _release(t, address(token), r, s, 1);
        assertLe(a + b, amount);
        assertLe(amount - (a + b), 2);
    }

    /// @dev Deposits and releases interleaved in a random order end with every account paid exactly
    /// floor(total * share / SCALE), whatever the order.
    function testFuzz_Release_OrderDoesNotMatter(uint256 seed, uint256[8] memory deposits, uint256 n) public {
        n = bound(n, 2, 12);
        address[] memory r = _accounts(n, seed);
        uint256[] memory s = _shares(n, seed);
        TrackSplit t = _create(r, s, bytes32(0));
        uint256 total = 0;
        for (uint256 round = 0; round < deposits.length; round++) {
            uint256 amount = bound(deposits[round], 0, 1e30);
            _fund(t, address(token), amount);
            total += amount;
            // a pseudo-random subset of recipients releases after each deposit
            for (uint256 i = 0; i < n; i++) {
                if (uint256(keccak256(abi.encode(seed, round, i))) % 3 == 0) _release(t, address(token), r, s, i);
            }
        }
        for (uint256 i = 0; i < n; i++) {
            _release(t, address(token), r, s, n - 1 - i);
        }
        uint256 paid = 0;
        for (uint256 i = 0; i < n; i++) {
            assertEq(token.balanceOf(r[i]), total * s[i] / SCALE);
            paid += token.balanceOf(r[i]);
        }
        assertEq(t.totalReleased(address(token)), paid);
        assertLt(total - paid, n);
    }

    /// @dev Every recipient of a random split proves its leaf with the reference proof; the root matches.
    function testFuzz_RecipientsRoot_MatchesReference(uint256 n, uint256 seed) public {
        n = bound(n, 1, 70); // 200 is covered by test_CreateSplit_AcceptsTheMaximumOf200Recipients
        address[] memory r = _accounts(n, seed);
        uint256[] memory s = _shares(n, seed);
        bytes32 root = Ref.root(r, s);
        assertEq(factory.recipientsRoot(r, s), root);
        TrackSplit t = _create(r, s, bytes32(seed));
        assertEq(t.recipientsRoot(), root);
        assertEq(t.recipientCount(), n);
        uint256 i = seed % n;
        assertEq(t.releasable(ETH, r[i], s[i], Ref.proof(r, s, i)), 0);
    }

    receive() external payable {}
}
