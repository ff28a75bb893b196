// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @notice Issue 11 (settlement trust): each attack from the security review performed against the contract, shown
/// to fail now, beside the normal governance paths. (Sequential epochs, held-back debits and revoke: UsageSettlement.t.sol.)
contract UsageSettlementTrustTest is SettlementBase {
    address internal attackerKey;
    uint256 internal attackerPk;

    function setUp() public override {
        super.setUp();
        (attackerKey, attackerPk) = makeAddrAndKey("owner's own oracle key");
        _fundUsd(1_000_000);
    }

    function _queue(IUsageSettlement.ChangeKind kind, bytes memory data) internal returns (uint256 id, uint64 eta) {
        vm.prank(owner);
        (id, eta) = settlement.queueChange(kind, data);
    }

    // ================================================================== owner drain

    /// @dev The review's owner drain: setRootDelay(0), setSigners([ownKey], 1), then post a report debiting every
    /// escrow to a leaf the owner controls. Each step is now a queued change the guardian sees and cancels, and
    /// nothing takes effect before the governance delay.
    function test_OwnerDrainIsQueuedAndCancelled() public {
        address[] memory own = new address[](1);
        own[0] = attackerKey;
        bytes memory signersData = abi.encode(own, uint8(1));
        bytes memory delayData = abi.encode(uint64(0));
        (uint256 delayId, uint64 eta) = _queue(IUsageSettlement.ChangeKind.RootDelay, delayData);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.ChangeQueued(2, IUsageSettlement.ChangeKind.Signers, signersData, eta);
        (uint256 signersId,) = _queue(IUsageSettlement.ChangeKind.Signers, signersData);
        assertEq(eta, block.timestamp + WITHDRAWAL_DELAY); // root delay 0 + withdrawal notice

        // the owner's own report cannot be posted: the signer set is unchanged
        IUsageSettlement.Report memory r = _report(1, keccak256("owner's leaf"), _debits1(pidUsd, 1_000_000));
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sig(attackerPk, _digest(r));
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsufficientSignatures.selector, 1, 2));
        settlement.post(r, sigs);
        // nor can the change be applied early
        vm.expectRevert(
            abi.encodeWithSelector(IUsageSettlement.ChangeNotReady.selector, signersId, eta, uint64(block.timestamp))
        );
        settlement.applyChange(signersId, IUsageSettlement.ChangeKind.Signers, signersData);

        // the guardian sees ChangeQueued and cancels both
        vm.startPrank(guardian);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.ChangeCancelled(signersId, guardian);
        settlement.cancelChange(signersId);
        settlement.cancelChange(delayId);
        vm.stopPrank();
        vm.warp(eta);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownChange.selector, signersId));
        settlement.applyChange(signersId, IUsageSettlement.ChangeKind.Signers, signersData);
        assertEq(settlement.configVersion(), 1);
        assertFalse(settlement.isSigner(attackerKey));
    }

    /// @dev Even with no guardian acting, a platform that sees the queued change has the whole withdrawal notice to
    /// leave: the governance delay is at least rootDelay + withdrawalDelay.
    function test_PlatformExitsBeforeAQueuedChangeApplies() public {
        _setRootDelay(1 hours);
        assertEq(settlement.governanceDelay(), 1 hours + WITHDRAWAL_DELAY);
        address[] memory own = new address[](1);
        own[0] = attackerKey;
        (, uint64 eta) = _queue(IUsageSettlement.ChangeKind.Signers, abi.encode(own, uint8(1)));
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, 1_000_000);
        (, uint64 availableAt) = settlement.pendingWithdrawal(pidUsd);
        assertLt(availableAt, eta);
        vm.warp(availableAt);
        vm.prank(payerUsd);
        assertEq(settlement.withdraw(pidUsd, payerUsd), 1_000_000);
        assertEq(settlement.platform(pidUsd).escrow, 0);
    }

    function test_QueueAndApplyEveryKind() public {
        _govern(IUsageSettlement.ChangeKind.Guardian, abi.encode(address(0x6A2D)));
        assertEq(settlement.guardian(), address(0x6A2D));
        _govern(IUsageSettlement.ChangeKind.WithdrawalDelay, abi.encode(uint64(1 days)));
        assertEq(settlement.withdrawalDelay(), 1 days);
        _setRootDelay(2 hours);
        assertEq(settlement.rootDelay(), 2 hours);
        assertEq(settlement.governanceDelay(), 1 days + 2 hours);
        _makeSigners(4);
        _setSigners(signerAddrs, 3);
        assertEq(settlement.threshold(), 3);
        assertEq(settlement.configVersion(), 2);
        assertEq(settlement.changeCount(), 4);
    }

    /// @dev Applying is permissionless once due; the owner may cancel too; kind and data must match what was queued.
    function test_ApplyIsPermissionlessAndExact() public {
        bytes memory data = abi.encode(uint64(1 hours));
        (uint256 id, uint64 eta) = _queue(IUsageSettlement.ChangeKind.RootDelay, data);
        (bytes32 h, uint64 storedEta) = settlement.queuedChange(id);
        assertEq(h, keccak256(abi.encode(IUsageSettlement.ChangeKind.RootDelay, data)));
        assertEq(storedEta, eta);
        vm.warp(eta);
        bytes memory other = abi.encode(uint64(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageSettlement.ChangeMismatch.selector,
                id,
                h,
                keccak256(abi.encode(IUsageSettlement.ChangeKind.RootDelay, other))
            )
        );
        settlement.applyChange(id, IUsageSettlement.ChangeKind.RootDelay, other);
        vm.prank(makeAddr("anyone"));
        settlement.applyChange(id, IUsageSettlement.ChangeKind.RootDelay, data);
        assertEq(settlement.rootDelay(), 1 hours);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownChange.selector, id));
        settlement.applyChange(id, IUsageSettlement.ChangeKind.RootDelay, data); // once only

        (uint256 id2,) = _queue(IUsageSettlement.ChangeKind.RootDelay, other);
        vm.prank(owner);
        settlement.cancelChange(id2);
    }

    function test_RevertWhen_CancelChangeNotGuardian() public {
        (uint256 id,) = _queue(IUsageSettlement.ChangeKind.RootDelay, abi.encode(uint64(1)));
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotGuardian.selector, address(this), guardian));
        settlement.cancelChange(id);
    }

    function test_RevertWhen_CancelUnknownChange() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownChange.selector, 7));
        vm.prank(guardian);
        settlement.cancelChange(7);
    }

    function test_RevertWhen_QueueChangeNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        settlement.queueChange(IUsageSettlement.ChangeKind.RootDelay, abi.encode(uint64(0)));
    }

    // ================================================================== rates

    /// @dev The review: setRates was instant and repriced usage already reported but not yet settled. A rate change
    /// is now queued and in force only from a timestamp after it can apply; the rate of any past moment never changes.
    function test_RateChangeIsNeverRetroactive() public {
        uint256[6] memory doubled;
        for (uint256 i; i < 6; ++i) {
            doubled[i] = rates[i] * 2;
        }
        uint64 earliest = uint64(block.timestamp) + settlement.governanceDelay();
        vm.expectRevert(
            abi.encodeWithSelector(IUsageSettlement.RatesEffectiveTooEarly.selector, earliest - 1, earliest)
        );
        _queue(IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, doubled, earliest - 1));

        uint256 reportedAt = block.timestamp;
        _govern(IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, doubled, earliest));
        assertEq(settlement.ratesAt(pidUsd, reportedAt)[0], rates[0]);
        assertEq(settlement.ratesAt(pidUsd, earliest - 1)[0], rates[0]);
        assertEq(settlement.ratesAt(pidUsd, earliest)[0], rates[0] * 2);
        assertEq(settlement.platform(pidUsd).rates[0], rates[0] * 2); // now = earliest
    }

    function test_RevertWhen_RatesOutOfOrder() public {
        uint256[6] memory r;
        uint64 late = uint64(block.timestamp) + 30 days;
        uint64 early = uint64(block.timestamp) + 10 days;
        (uint256 lateId,) = _queue(IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, r, late));
        (uint256 earlyId, uint64 eta) = _queue(IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, r, early));
        vm.warp(eta);
        settlement.applyChange(lateId, IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, r, late));
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.RatesOutOfOrder.selector, pidUsd, early, late));
        settlement.applyChange(earlyId, IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, r, early));
    }

    // ================================================================== registrar

    /// @dev The registrar (the API's hot key) registers platforms and nothing else; the owner governs.
    function test_RegistrarIsDistinctFromOwner() public {
        address api = makeAddr("api hot key");
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.RegistrarChanged(owner, api);
        vm.prank(owner);
        settlement.setRegistrar(api);
        assertEq(settlement.registrar(), api);
        vm.prank(api);
        uint256 id = settlement.registerPlatform(makeAddr("p"), address(usd), rates);
        assertEq(id, 3);
        // the owner no longer registers, the registrar cannot govern
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotRegistrar.selector, owner, api));
        vm.prank(owner);
        settlement.registerPlatform(makeAddr("p2"), address(usd), rates);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, api));
        vm.prank(api);
        settlement.queueChange(IUsageSettlement.ChangeKind.RootDelay, abi.encode(uint64(0)));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, api));
        vm.prank(api);
        settlement.setRegistrar(api);
    }

    // ================================================================== withdrawal notice

    /// @dev The review: a request for type(uint192).max never expired, a permanent option to withdraw everything
    /// (later deposits included) with no further notice. It is now capped at the escrow at request time and expires.
    function test_WithdrawalRequestIsCappedAndExpires() public {
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, type(uint192).max);
        (uint256 amount, uint64 availableAt) = settlement.pendingWithdrawal(pidUsd);
        assertEq(amount, 1_000_000);
        _fundUsd(5_000_000); // deposited later: not covered by the old request
        vm.warp(availableAt + settlement.WITHDRAWAL_WINDOW());
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageSettlement.WithdrawalExpired.selector,
                pidUsd,
                availableAt + settlement.WITHDRAWAL_WINDOW(),
                uint64(block.timestamp)
            )
        );
        vm.prank(payerUsd);
        settlement.withdraw(pidUsd, payerUsd);

        // a fresh request restarts the notice; inside the window it pays at most the capped amount
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, 2_000_000);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY + settlement.WITHDRAWAL_WINDOW() - 1);
        vm.prank(payerUsd);
        assertEq(settlement.withdraw(pidUsd, payerUsd), 2_000_000);
        assertEq(settlement.platform(pidUsd).escrow, 4_000_000);
    }

    function test_RevertWhen_RequestWithdrawalFromEmptyEscrow() public {
        vm.expectRevert(IUsageSettlement.ZeroAmount.selector);
        vm.prank(payerEth);
        settlement.requestWithdrawal(pidEth, 1);
    }

    /// @dev Until it matures, the requested amount stays debitable: a post during the notice takes what it owes.
    function test_RequestedAmountStaysDebitableUntilMaturity() public {
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, 1_000_000);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY - 1);
        _post(_report(1, keccak256("r"), _debits1(pidUsd, 600_000)));
        assertEq(settlement.totalDebited(address(usd)), 600_000);
        vm.warp(block.timestamp + 1);
        vm.prank(payerUsd);
        assertEq(settlement.withdraw(pidUsd, payerUsd), 400_000);
    }
}
