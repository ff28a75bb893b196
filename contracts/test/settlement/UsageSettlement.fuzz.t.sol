// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @notice Fuzz tests of the debit, withdrawal and claim arithmetic and of the documented rounding rule.
contract UsageSettlementFuzzTest is SettlementBase {
    address internal constant ACCOUNT = address(0x5001);
    address internal constant OTHER = address(0x5002);
    uint256 internal constant ACCOUNTS = 4;
    uint256 internal constant EPOCHS = 4;

    function _postTwoLeaves(
        uint64 epoch,
        address token,
        uint256 amountAccount,
        uint256 amountOther,
        uint256 debit,
        uint256 pid
    ) internal returns (bytes32[] memory tree, bytes32 leaf) {
        bytes32[] memory leaves = new bytes32[](2);
        leaf = MerkleHelper.accountLeaf(ACCOUNT, token, amountAccount);
        leaves[0] = leaf;
        leaves[1] = MerkleHelper.accountLeaf(OTHER, token, amountOther);
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
            // held back, not taken; the post itself goes through
            vm.expectEmit(address(settlement));
            emit IUsageSettlement.DebitHeldBack(1, pidUsd, debit, escrow);
            settlement.post(r, sigs);
            assertEq(settlement.lastEpoch(), 1);
            assertEq(settlement.platform(pidUsd).escrow, escrow);
            assertEq(settlement.totalDebited(address(usd)), 0);
        } else {
            settlement.post(r, sigs);
            assertEq(settlement.platform(pidUsd).escrow, escrow - debit);
            assertEq(settlement.totalEscrow(address(usd)), escrow - debit);
            assertEq(settlement.totalDebited(address(usd)), debit);
            assertEq(usd.balanceOf(address(settlement)), escrow); // debits stay in the contract until claimed
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
        uint256 capped = request < escrow ? request : escrow; // capped at the escrow at request time
        uint256 expected = capped < left ? capped : left;
        assertEq(paid, expected);
        assertEq(usd.balanceOf(payerUsd), expected);
        assertEq(settlement.platform(pidUsd).escrow, left - expected);
        assertEq(usd.balanceOf(address(settlement)), left - expected + debit);
    }

    /// @dev Two epochs of growing cumulative amounts: the account receives exactly the last cumulative amount in total.
    function testFuzz_ClaimPaysCumulativeDifference(uint256 a1, uint256 a2, bool claimFirst) public {
        a1 = bound(a1, 1, 1e30);
        a2 = bound(a2, a1, 2e30);
        _fundUsd(a2);
        (bytes32[] memory t1, bytes32 l1) = _postTwoLeaves(1, address(usd), a1, 0, a1, pidUsd);
        uint256 first;
        if (claimFirst) first = settlement.claim(ACCOUNT, address(usd), a1, MerkleHelper.proof(t1, l1));
        (bytes32[] memory t2, bytes32 l2) = _postTwoLeaves(2, address(usd), a2, 0, a2 - a1, pidUsd);
        uint256 second;
        if (a2 > first) second = settlement.claim(ACCOUNT, address(usd), a2, MerkleHelper.proof(t2, l2));
        assertEq(first + second, a2);
        assertEq(usd.balanceOf(ACCOUNT), a2);
        assertEq(settlement.claimed(ACCOUNT, address(usd)), a2);
        assertEq(settlement.totalClaimed(address(usd)), a2);
        assertEq(usd.balanceOf(address(settlement)), 0);
    }

    uint256[ACCOUNTS] internal latest; // each account's latest cumulative leaf (testFuzz_CumulativeClaimsInAnyOrder)

    function _accountAt(uint256 a) internal pure returns (address) {
        return address(uint160(0x7000 + a));
    }

    /// @dev The tree over the accounts' `latest` mUSD leaves.
    function _latestTree() internal view returns (bytes32[] memory tree, bytes32[] memory leaves) {
        address[] memory accounts = new address[](ACCOUNTS);
        address[] memory tokens = new address[](ACCOUNTS);
        uint256[] memory amounts = new uint256[](ACCOUNTS);
        for (uint256 a; a < ACCOUNTS; ++a) {
            (accounts[a], tokens[a], amounts[a]) = (_accountAt(a), address(usd), latest[a]);
        }
        return _tree(accounts, tokens, amounts);
    }

    /// @dev The accounts in `mask`, in a fuzzed order (start anywhere, odd stride: a permutation of 4), with proofs.
    function _entries(uint256 seed, uint256 mask) internal view returns (IUsageSettlement.Claim[] memory entries) {
        (bytes32[] memory tree, bytes32[] memory leaves) = _latestTree();
        uint256 start = uint256(keccak256(abi.encode(seed, "start"))) % ACCOUNTS;
        uint256 stride = (uint256(keccak256(abi.encode(seed, "stride"))) % 2) * 2 + 1;
        entries = new IUsageSettlement.Claim[](ACCOUNTS);
        uint256 n;
        for (uint256 k; k < ACCOUNTS; ++k) {
            uint256 a = (start + k * stride) % ACCOUNTS;
            if ((mask >> a) & 1 == 0) continue;
            entries[n++] =
                IUsageSettlement.Claim(_accountAt(a), address(usd), latest[a], MerkleHelper.proof(tree, leaves[a]));
        }
        assembly ("memory-safe") {
            mstore(entries, n) // shrink to the n entries used
        }
    }

    function _claimAll(IUsageSettlement.Claim[] memory entries, bool batch) internal {
        if (batch) {
            settlement.claimMany(entries);
            return;
        }
        for (uint256 k; k < entries.length; ++k) {
            IUsageSettlement.Claim memory c = entries[k];
            if (c.cumulativeAmount > settlement.claimed(c.account, c.token)) {
                settlement.claim(c.account, c.token, c.cumulativeAmount, c.proof);
            }
        }
    }

    function _checkPaid(uint256 mask) internal view {
        uint256 claimedSum;
        for (uint256 a; a < ACCOUNTS; ++a) {
            uint256 got = usd.balanceOf(_accountAt(a));
            assertLe(got, latest[a], "an account was paid more than its latest leaf");
            assertEq(got, settlement.claimed(_accountAt(a), address(usd)));
            if ((mask >> a) & 1 == 1) assertEq(got, latest[a]);
            claimedSum += got;
        }
        assertEq(settlement.totalClaimed(address(usd)), claimedSum);
        assertLe(claimedSum, settlement.totalDebited(address(usd)));
    }

    /// @dev Cumulative claims in any order: 4 accounts, 4 epochs of growing leaves, and after each post a fuzzed
    /// subset of accounts claims (singly or in one claimMany batch) in a fuzzed order. No account is ever paid more
    /// than its latest leaf, each claimer holds exactly its latest leaf, and at the end everyone holds its last leaf.
    function testFuzz_CumulativeClaimsInAnyOrder(uint256 seed, uint256[EPOCHS] memory masks, bool batch) public {
        _fundUsd(type(uint128).max);
        uint256 debitedSoFar;
        for (uint256 e; e < EPOCHS; ++e) {
            uint256 sum;
            for (uint256 a; a < ACCOUNTS; ++a) {
                latest[a] += bound(uint256(keccak256(abi.encode(seed, e, a))), 0, 1e24);
                sum += latest[a];
            }
            (bytes32[] memory tree,) = _latestTree();
            _post(_report(uint64(e + 1), MerkleHelper.root(tree), _debits1(pidUsd, sum - debitedSoFar)));
            debitedSoFar = sum;
            _claimAll(_entries(uint256(keccak256(abi.encode(seed, e))), masks[e]), batch);
            _checkPaid(masks[e]);
        }
        _claimAll(_entries(seed, (1 << ACCOUNTS) - 1), !batch);
        _checkPaid((1 << ACCOUNTS) - 1);
        assertEq(settlement.totalClaimed(address(usd)), settlement.totalDebited(address(usd)));
    }

    /// @dev A claim succeeds iff it stays within what was debited and not yet claimed.
    function testFuzz_ClaimNeverExceedsDebited(uint256 debited, uint256 amountAccount, uint256 amountOther) public {
        debited = bound(debited, 0, 1e24);
        amountAccount = bound(amountAccount, 1, 2e24);
        amountOther = bound(amountOther, 0, 2e24);
        _fundEth(1e24 + 1);
        (bytes32[] memory t, bytes32 l) = _postTwoLeaves(1, NATIVE, amountAccount, amountOther, debited, pidEth);
        bytes32[] memory p = MerkleHelper.proof(t, l);
        if (amountAccount > debited) {
            vm.expectRevert(
                abi.encodeWithSelector(IUsageSettlement.InsolventClaim.selector, NATIVE, amountAccount, debited)
            );
            settlement.claim(ACCOUNT, NATIVE, amountAccount, p);
        } else {
            assertEq(settlement.claim(ACCOUNT, NATIVE, amountAccount, p), amountAccount);
            assertEq(ACCOUNT.balance, amountAccount);
        }
        assertLe(settlement.totalClaimed(NATIVE), settlement.totalDebited(NATIVE));
        assertEq(address(settlement).balance, 1e24 + 1 - settlement.totalClaimed(NATIVE));
    }

    /// @dev The documented rounding rule, end to end: each epoch the oracle posts
    /// cumulativeAmount = floor(cumulativeMicroUnits * rate / 1e12) and debits the increase. Whatever the increments,
    /// the account ends up with floor(total * rate / 1e12): less than one base unit below the exact value, for life.
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
            if (amount > settlement.claimed(ACCOUNT, address(usd))) {
                paidTotal += settlement.claim(ACCOUNT, address(usd), amount, MerkleHelper.proof(t, l));
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
        _setRootDelay(1 days);
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
