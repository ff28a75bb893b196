// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @notice Fuzz tests of the debit, withdrawal and pull arithmetic and of the documented rounding rule.
contract UsageSettlementFuzzTest is SettlementBase {
    address internal constant SPLIT = address(0x5001);
    address internal constant OTHER = address(0x5002);

    function _postTwoLeaves(
        uint64 epoch,
        address token,
        uint256 amountSplit,
        uint256 amountOther,
        uint256 debit,
        uint256 pid
    ) internal returns (bytes32[] memory tree, bytes32 leaf) {
        bytes32[] memory leaves = new bytes32[](2);
        leaf = MerkleHelper.settlementLeaf(SPLIT, token, amountSplit, _units(1));
        leaves[0] = leaf;
        leaves[1] = MerkleHelper.settlementLeaf(OTHER, token, amountOther, _units(2));
        tree = MerkleHelper.build(leaves);
        _post(_report(epoch, MerkleHelper.root(tree), _debits1(pid, debit)));
    }

    function testFuzz_DebitTakesExactlyFromEscrow(uint256 escrow, uint256 debit) public {
        escrow = bound(escrow, 1, 1e30);
        debit = bound(debit, 0, 2e30);
        _fundUsd(escrow);
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _debits1(pidUsd, debit));
        bytes[] memory sigs = _sigs(_digest(r), 2);
        if (debit > escrow) {
            vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsufficientEscrow.selector, pidUsd, escrow, debit));
            settlement.post(r, sigs);
            assertEq(settlement.platform(pidUsd).escrow, escrow);
            assertEq(settlement.totalDebited(address(usd)), 0);
        } else {
            settlement.post(r, sigs);
            assertEq(settlement.platform(pidUsd).escrow, escrow - debit);
            assertEq(settlement.totalEscrow(address(usd)), escrow - debit);
            assertEq(settlement.totalDebited(address(usd)), debit);
            assertEq(usd.balanceOf(address(settlement)), escrow); // debits stay in the contract until pulled
        }
    }

    function testFuzz_WithdrawPaysMinOfRequestAndEscrow(uint256 escrow, uint256 request, uint256 debit) public {
        escrow = bound(escrow, 1, 1e30);
        request = bound(request, 1, 2e30);
        debit = bound(debit, 0, escrow);
        _fundUsd(escrow);
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, request);
        _post(_report(1, keccak256("r"), _debits1(pidUsd, debit))); // debited during the notice period
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.prank(payerUsd);
        uint256 paid = settlement.withdraw(pidUsd, payerUsd);
        uint256 left = escrow - debit;
        uint256 expected = request < left ? request : left;
        assertEq(paid, expected);
        assertEq(usd.balanceOf(payerUsd), expected);
        assertEq(settlement.platform(pidUsd).escrow, left - expected);
        assertEq(usd.balanceOf(address(settlement)), left - expected + debit);
    }

    /// @dev Two epochs of growing cumulative amounts: the split receives exactly the last cumulative amount in total.
    function testFuzz_PullPaysCumulativeDifference(uint256 a1, uint256 a2, bool pullFirst) public {
        a1 = bound(a1, 1, 1e30);
        a2 = bound(a2, a1, 2e30);
        _fundUsd(a2);
        (bytes32[] memory t1, bytes32 l1) = _postTwoLeaves(1, address(usd), a1, 0, a1, pidUsd);
        uint256 first;
        if (pullFirst) first = settlement.pull(SPLIT, address(usd), a1, _units(1), MerkleHelper.proof(t1, l1));
        (bytes32[] memory t2, bytes32 l2) = _postTwoLeaves(2, address(usd), a2, 0, a2 - a1, pidUsd);
        uint256 second;
        if (a2 > first) second = settlement.pull(SPLIT, address(usd), a2, _units(1), MerkleHelper.proof(t2, l2));
        assertEq(first + second, a2);
        assertEq(usd.balanceOf(SPLIT), a2);
        assertEq(settlement.pulled(SPLIT, address(usd)), a2);
        assertEq(settlement.totalPulled(address(usd)), a2);
        assertEq(usd.balanceOf(address(settlement)), 0);
    }

    /// @dev A pull succeeds iff it stays within what was debited and not yet pulled.
    function testFuzz_PullNeverExceedsDebited(uint256 debited, uint256 amountSplit, uint256 amountOther) public {
        debited = bound(debited, 0, 1e24);
        amountSplit = bound(amountSplit, 1, 2e24);
        amountOther = bound(amountOther, 0, 2e24);
        _fundEth(1e24 + 1);
        (bytes32[] memory t, bytes32 l) = _postTwoLeaves(1, NATIVE, amountSplit, amountOther, debited, pidEth);
        bytes32[] memory p = MerkleHelper.proof(t, l);
        uint256[6] memory u = _units(1);
        if (amountSplit > debited) {
            vm.expectRevert(
                abi.encodeWithSelector(IUsageSettlement.InsolventPull.selector, NATIVE, amountSplit, debited)
            );
            settlement.pull(SPLIT, NATIVE, amountSplit, u, p);
        } else {
            assertEq(settlement.pull(SPLIT, NATIVE, amountSplit, u, p), amountSplit);
            assertEq(SPLIT.balance, amountSplit);
        }
        assertLe(settlement.totalPulled(NATIVE), settlement.totalDebited(NATIVE));
        assertEq(address(settlement).balance, 1e24 + 1 - settlement.totalPulled(NATIVE));
    }

    /// @dev The documented rounding rule, end to end: each epoch the oracle posts
    /// cumulativeAmount = floor(cumulativeMicroUnits * rate / 1e12) and debits the increase. Whatever the increments,
    /// the split ends up with floor(total * rate / 1e12): less than one base unit below the exact value, for life.
    function testFuzz_RoundingLossBelowOneUnitForLife(uint256 rate, uint256[4] memory increments) public {
        rate = bound(rate, 1, 1e15); // up to 1e9 base units per unit
        _fundUsd(type(uint128).max);
        uint256 cumulativeUnits;
        uint256 previousAmount;
        uint256 paidTotal;
        uint256 perEpochFloorSum; // what naive per-epoch rounding would have paid
        for (uint256 i; i < 4; ++i) {
            uint256 inc = bound(increments[i], 0, 1e15); // up to 1e9 units per epoch, in micro-units
            cumulativeUnits += inc;
            perEpochFloorSum += inc * rate / 1e12;
            uint256 amount = cumulativeUnits * rate / (settlement.UNIT_SCALE() * settlement.RATE_SCALE());
            (bytes32[] memory t, bytes32 l) =
                _postTwoLeaves(uint64(i + 1), address(usd), amount, 0, amount - previousAmount, pidUsd);
            if (amount > settlement.pulled(SPLIT, address(usd))) {
                paidTotal += settlement.pull(SPLIT, address(usd), amount, _units(1), MerkleHelper.proof(t, l));
            }
            previousAmount = amount;
        }
        assertEq(paidTotal, cumulativeUnits * rate / 1e12);
        uint256 exactScaled = cumulativeUnits * rate; // exact value times 1e12
        assertLt(exactScaled - paidTotal * 1e12, 1e12, "loss below one base unit");
        assertGe(paidTotal, perEpochFloorSum, "cumulative rounding never pays less than per-epoch rounding");
        assertEq(settlement.totalDebited(address(usd)), paidTotal);
    }

    function testFuzz_RevokeRefundsExactly(uint256 escrow, uint256 debit) public {
        escrow = bound(escrow, 1, 1e30);
        debit = bound(debit, 0, escrow);
        _fundUsd(escrow);
        vm.prank(owner);
        settlement.setRootDelay(1 days);
        IUsageSettlement.Debit[] memory d = _debits1(pidUsd, debit);
        _post(_report(1, keccak256("r"), d));
        assertEq(settlement.platform(pidUsd).escrow, escrow - debit);
        vm.prank(guardian);
        settlement.revoke(1, d);
        assertEq(settlement.platform(pidUsd).escrow, escrow);
        assertEq(settlement.totalDebited(address(usd)), 0);
        assertEq(settlement.totalEscrow(address(usd)), escrow);
    }
}
