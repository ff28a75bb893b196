// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {UsageSettlement} from "../../src/UsageSettlement.sol";
import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @dev Takes 1% of every transfer (unsupported by the settlement: deposits must revert).
contract FeeToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0xdead), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @dev Refuses ETH.
contract EthRejecter {
    receive() external payable {
        revert("no ETH");
    }
}

contract UsageSettlementTest is SettlementBase {
    address internal alice = address(0x5001);
    address internal bob = address(0x5002);

    // ================================================================== constructor and config

    function test_Constructor() public view {
        assertEq(settlement.owner(), owner);
        assertEq(settlement.guardian(), guardian);
        assertEq(settlement.configVersion(), 1);
        assertEq(settlement.threshold(), 2);
        assertEq(settlement.signers(), signerAddrs);
        assertTrue(settlement.isSigner(signerAddrs[0]));
        assertFalse(settlement.isSigner(address(0)));
        assertFalse(settlement.isSigner(owner));
        assertEq(settlement.rootDelay(), 0);
        assertEq(settlement.withdrawalDelay(), WITHDRAWAL_DELAY);
        assertEq(settlement.lastEpoch(), 0);
        (bytes32 root, uint64 epoch) = settlement.currentRoot();
        assertEq(root, bytes32(0));
        assertEq(epoch, 0);
    }

    function test_DomainSeparatorMatchesHandBuilt() public view {
        assertEq(settlement.domainSeparator(), _domainSeparator(block.chainid, address(settlement)));
        assertEq(settlement.DEBIT_TYPEHASH(), DEBIT_TH);
        assertEq(settlement.REPORT_TYPEHASH(), REPORT_TH);
    }

    function test_ReportDigestMatchesHandBuilt() public view {
        IUsageSettlement.Report memory r = _report(7, keccak256("root"), _debits2(pidUsd, 123, pidEth, 456));
        assertEq(settlement.reportDigest(r), _digest(r));
        assertEq(settlement.hashDebits(r.debits), _debitsHash(r.debits));
        // empty array: keccak256 of nothing
        assertEq(settlement.hashDebits(_noDebits()), keccak256(""));
    }

    /// @dev A fixed vector from the reference JavaScript @openzeppelin/merkle-tree 1.0.8 (StandardMerkleTree.of
    /// with types ["address","address","uint256"]), so the test helper and the account leaf encoding match it.
    function test_MerkleHelperMatchesReferenceTree() public pure {
        bytes32[] memory leaves = new bytes32[](3);
        leaves[0] = MerkleHelper.accountLeaf(address(0x5001), NATIVE, 1000);
        leaves[1] = MerkleHelper.accountLeaf(address(0x5002), NATIVE, 2500);
        leaves[2] = MerkleHelper.accountLeaf(address(0x5003), address(0xaBc), 999_999);
        bytes32[] memory tree = MerkleHelper.build(leaves);
        assertEq(MerkleHelper.root(tree), 0x0cf845c7469d99cf530512b17a60aa09a2c75be889eb9d8b6f14da0fcc779d75);
        bytes32[] memory p = MerkleHelper.proof(tree, leaves[0]);
        assertEq(p.length, 1);
        assertEq(p[0], 0x49de010cd1533135f313a54d6bb0e004c7aa07afcd96f578ac29bc924c75164a);
        p = MerkleHelper.proof(tree, leaves[2]);
        assertEq(p.length, 2);
        assertEq(p[0], 0x1de66a1eec97a322215398192ff666f1ac90d1bacbb40ea933351ee5250b3df8);
        assertEq(p[1], 0xc576f361dc4de55335fd1cf251bc7af631c57be1f56a985c484d2eacfc784fa4);
    }

    function test_SetSigners() public {
        _makeSigners(4);
        address[] memory s = signerAddrs;
        bytes memory data = abi.encode(s, uint8(3));
        vm.prank(owner);
        (uint256 id, uint64 eta) = settlement.queueChange(IUsageSettlement.ChangeKind.Signers, data);
        vm.warp(eta);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.SignersChanged(2, s, 3);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.ChangeApplied(id, IUsageSettlement.ChangeKind.Signers, data);
        settlement.applyChange(id, IUsageSettlement.ChangeKind.Signers, data);
        assertEq(settlement.configVersion(), 2);
        assertEq(settlement.threshold(), 3);
        assertEq(settlement.signers(), s);
    }

    function test_SetSigners_RemovedSignerIsNoLongerSigner() public {
        address old = signerAddrs[0];
        address[] memory s = new address[](1);
        s[0] = address(0x1234);
        _setSigners(s, 1);
        assertFalse(settlement.isSigner(old));
        assertTrue(settlement.isSigner(address(0x1234)));
    }

    function test_RevertWhen_SetSignersNotOwner() public {
        address[] memory s = signerAddrs;
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(1)));
    }

    function test_RevertWhen_SetSignersEmpty() public {
        vm.expectRevert(IUsageSettlement.NoSigners.selector);
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(new address[](0), uint8(1)));
    }

    function test_RevertWhen_SetSignersTooMany() public {
        address[] memory s = new address[](33);
        for (uint256 i; i < 33; ++i) {
            s[i] = address(uint160(i + 1));
        }
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.TooManySigners.selector, 33, 32));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(1)));
    }

    function test_RevertWhen_SetSignersZeroSigner() public {
        address[] memory s = new address[](2);
        s[1] = address(1);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.ZeroSigner.selector, 0));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(1)));
    }

    function test_RevertWhen_SetSignersUnsorted() public {
        address[] memory s = new address[](2);
        s[0] = address(2);
        s[1] = address(1);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.SignersNotSorted.selector, 1, address(2), address(1)));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(1)));
    }

    function test_RevertWhen_SetSignersDuplicate() public {
        address[] memory s = new address[](2);
        s[0] = address(2);
        s[1] = address(2);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.SignersNotSorted.selector, 1, address(2), address(2)));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(1)));
    }

    function test_RevertWhen_SetSignersThresholdZero() public {
        address[] memory s = signerAddrs;
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidThreshold.selector, 0, 3));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(0)));
    }

    function test_RevertWhen_SetSignersThresholdAboveCount() public {
        address[] memory s = signerAddrs;
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidThreshold.selector, 4, 3));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Signers, abi.encode(s, uint8(4)));
    }

    function test_RevertWhen_ConstructorInvalidSigners() public {
        vm.expectRevert(IUsageSettlement.NoSigners.selector);
        new UsageSettlement(owner, guardian, new address[](0), 1, 0, 0);
    }

    function test_SetDelaysAndGuardian() public {
        _setRootDelay(1 hours);
        _govern(IUsageSettlement.ChangeKind.WithdrawalDelay, abi.encode(uint64(2 days)));
        _govern(IUsageSettlement.ChangeKind.Guardian, abi.encode(address(7)));
        assertEq(settlement.rootDelay(), 1 hours);
        assertEq(settlement.withdrawalDelay(), 2 days);
        assertEq(settlement.guardian(), address(7));
    }

    function test_RevertWhen_RootDelayTooLong() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.DelayTooLong.selector, 30 days + 1, 30 days));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.RootDelay, abi.encode(uint64(30 days + 1)));
    }

    function test_RevertWhen_WithdrawalDelayTooLong() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.DelayTooLong.selector, 31 days, 30 days));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.WithdrawalDelay, abi.encode(uint64(31 days)));
    }

    function test_RevertWhen_SetRootDelayNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        settlement.queueChange(IUsageSettlement.ChangeKind.RootDelay, abi.encode(uint64(1)));
    }

    function test_RevertWhen_SetWithdrawalDelayNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        settlement.queueChange(IUsageSettlement.ChangeKind.WithdrawalDelay, abi.encode(uint64(1)));
    }

    function test_RevertWhen_SetGuardianNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        settlement.queueChange(IUsageSettlement.ChangeKind.Guardian, abi.encode(address(1)));
    }

    function test_OwnershipTransferIsTwoStep() public {
        vm.prank(owner);
        settlement.transferOwnership(address(9));
        assertEq(settlement.owner(), owner);
        vm.prank(address(9));
        settlement.acceptOwnership();
        assertEq(settlement.owner(), address(9));
    }

    // ================================================================== platforms

    function test_RegisterPlatform() public {
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.PlatformRegistered(3, address(0xAA), address(usd), rates);
        vm.prank(owner);
        uint256 id = settlement.registerPlatform(address(0xAA), address(usd), rates);
        assertEq(id, 3);
        assertEq(settlement.platformCount(), 3);
        IUsageSettlement.PlatformInfo memory p = settlement.platform(id);
        assertEq(p.payer, address(0xAA));
        assertEq(p.token, address(usd));
        assertEq(p.rates[1], rates[1]);
        assertEq(p.escrow, 0);
    }

    function test_RevertWhen_RegisterPlatformNotRegistrar() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotRegistrar.selector, address(this), owner));
        settlement.registerPlatform(address(0xAA), address(usd), rates);
    }

    function test_RevertWhen_RegisterPlatformZeroPayer() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.ZeroAddress.selector, "payer"));
        vm.prank(owner);
        settlement.registerPlatform(address(0), address(usd), rates);
    }

    function test_RevertWhen_RegisterPlatformTokenNotContract() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidToken.selector, address(0x1234)));
        vm.prank(owner);
        settlement.registerPlatform(address(0xAA), address(0x1234), rates);
    }

    function test_SetRates() public {
        uint256[6] memory r = [uint256(1), 2, 3, 4, 5, 6];
        uint64 from = uint64(block.timestamp) + settlement.governanceDelay() + 1 days;
        bytes memory data = abi.encode(pidUsd, r, from);
        vm.prank(owner);
        (uint256 id, uint64 eta) = settlement.queueChange(IUsageSettlement.ChangeKind.Rates, data);
        vm.warp(eta);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.RatesChanged(pidUsd, r, from);
        settlement.applyChange(id, IUsageSettlement.ChangeKind.Rates, data);
        // in force only from `from`: platform() shows the card in force now
        assertEq(settlement.platform(pidUsd).rates[5], rates[5]);
        assertEq(settlement.ratesAt(pidUsd, from - 1)[5], rates[5]);
        assertEq(settlement.ratesAt(pidUsd, from)[5], 6);
        vm.warp(from);
        assertEq(settlement.platform(pidUsd).rates[5], 6);
        IUsageSettlement.RateCard[] memory cards = settlement.rateCards(pidUsd);
        assertEq(cards.length, 2);
        assertEq(cards[0].effectiveFrom, 0);
        assertEq(cards[1].effectiveFrom, from);
    }

    function test_RevertWhen_SetRatesUnknownPlatform() public {
        uint256[6] memory r;
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownPlatform.selector, 99));
        vm.prank(owner);
        settlement.queueChange(IUsageSettlement.ChangeKind.Rates, abi.encode(uint256(99), r, uint64(type(uint64).max)));
    }

    function test_RevertWhen_SetRatesNotOwner() public {
        uint256[6] memory r;
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        settlement.queueChange(IUsageSettlement.ChangeKind.Rates, abi.encode(pidUsd, r, uint64(type(uint64).max)));
    }

    function test_RevertWhen_PlatformUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownPlatform.selector, 0));
        settlement.platform(0);
    }

    // ================================================================== escrow

    function test_DepositErc20() public {
        usd.mint(address(this), 500);
        usd.approve(address(settlement), 500);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.EscrowDeposited(pidUsd, address(this), 500);
        settlement.deposit(pidUsd, 500); // anyone may deposit for a platform
        assertEq(settlement.platform(pidUsd).escrow, 500);
        assertEq(settlement.totalEscrow(address(usd)), 500);
        assertEq(usd.balanceOf(address(settlement)), 500);
    }

    function test_DepositEth() public {
        _fundEth(1 ether);
        assertEq(settlement.platform(pidEth).escrow, 1 ether);
        assertEq(settlement.totalEscrow(NATIVE), 1 ether);
        assertEq(address(settlement).balance, 1 ether);
    }

    function test_RevertWhen_DepositUnknownPlatform() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownPlatform.selector, 3));
        settlement.deposit(3, 1);
    }

    function test_RevertWhen_DepositZero() public {
        vm.expectRevert(IUsageSettlement.ZeroAmount.selector);
        settlement.deposit(pidUsd, 0);
    }

    function test_RevertWhen_DepositEthValueMismatch() public {
        vm.deal(address(this), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EthValueMismatch.selector, 1, 2));
        settlement.deposit{value: 1}(pidEth, 2);
    }

    function test_RevertWhen_DepositErc20WithEth() public {
        vm.deal(address(this), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnexpectedEthValue.selector, 5));
        settlement.deposit{value: 5}(pidUsd, 5);
    }

    function test_RevertWhen_DepositWithoutAllowance() public {
        usd.mint(address(this), 5);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(settlement), 0, 5)
        );
        settlement.deposit(pidUsd, 5);
    }

    function test_RevertWhen_DepositFeeOnTransferToken() public {
        FeeToken fee = new FeeToken();
        vm.prank(owner);
        uint256 pid = settlement.registerPlatform(payerUsd, address(fee), rates);
        fee.mint(address(this), 1000);
        fee.approve(address(settlement), 1000);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageSettlement.TransferAmountMismatch.selector, address(fee), 1000, 990)
        );
        settlement.deposit(pid, 1000);
    }

    function test_WithdrawAfterNotice() public {
        _fundUsd(1000);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.WithdrawalRequested(pidUsd, 400, uint64(block.timestamp) + WITHDRAWAL_DELAY);
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, 400);
        (uint256 amount, uint64 at) = settlement.pendingWithdrawal(pidUsd);
        assertEq(amount, 400);
        assertEq(at, block.timestamp + WITHDRAWAL_DELAY);

        vm.warp(at);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.EscrowWithdrawn(pidUsd, address(0xBEEF), 400);
        vm.prank(payerUsd);
        assertEq(settlement.withdraw(pidUsd, address(0xBEEF)), 400);
        assertEq(usd.balanceOf(address(0xBEEF)), 400);
        assertEq(settlement.platform(pidUsd).escrow, 600);
        assertEq(settlement.totalEscrow(address(usd)), 600);
        (amount,) = settlement.pendingWithdrawal(pidUsd);
        assertEq(amount, 0);
    }

    /// @dev What is owed can still be debited during the notice; the withdrawal then pays only what is left.
    /// @dev The escrow stays debitable during the notice: the withdrawal pays what is left, at most the request.
    function test_WithdrawPaysMinOfRequestAndEscrow() public {
        _fundEth(10 ether);
        vm.prank(payerEth);
        settlement.requestWithdrawal(pidEth, 10 ether);
        _post(_report(1, keccak256("r1"), _debits1(pidEth, 4 ether)));
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        vm.prank(payerEth);
        assertEq(settlement.withdraw(pidEth, address(0xBEEF)), 6 ether);
        assertEq(address(0xBEEF).balance, 6 ether);
        assertEq(settlement.platform(pidEth).escrow, 0);
        assertEq(address(settlement).balance, 4 ether);
    }

    function test_RevertWhen_RequestWithdrawalNotPayer() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotPayer.selector, pidUsd, address(this), payerUsd));
        settlement.requestWithdrawal(pidUsd, 1);
    }

    function test_RevertWhen_RequestWithdrawalZero() public {
        vm.expectRevert(IUsageSettlement.ZeroAmount.selector);
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, 0);
    }

    function test_RevertWhen_WithdrawNotPayer() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotPayer.selector, pidUsd, address(this), payerUsd));
        settlement.withdraw(pidUsd, address(this));
    }

    function test_RevertWhen_WithdrawToZero() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.ZeroAddress.selector, "to"));
        vm.prank(payerUsd);
        settlement.withdraw(pidUsd, address(0));
    }

    function test_RevertWhen_WithdrawWithoutRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NoWithdrawalRequested.selector, pidUsd));
        vm.prank(payerUsd);
        settlement.withdraw(pidUsd, payerUsd);
    }

    function test_RevertWhen_WithdrawBeforeNotice() public {
        _fundUsd(10);
        vm.prank(payerUsd);
        settlement.requestWithdrawal(pidUsd, 10);
        uint64 at = uint64(block.timestamp) + WITHDRAWAL_DELAY;
        vm.warp(at - 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.WithdrawalNotReady.selector, pidUsd, at, at - 1));
        vm.prank(payerUsd);
        settlement.withdraw(pidUsd, payerUsd);
    }

    function test_RevertWhen_WithdrawEthToRejecter() public {
        _fundEth(1 ether);
        vm.prank(payerEth);
        settlement.requestWithdrawal(pidEth, 1 ether);
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        address rejecter = address(new EthRejecter());
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EthTransferFailed.selector, rejecter, 1 ether));
        vm.prank(payerEth);
        settlement.withdraw(pidEth, rejecter);
    }

    // ================================================================== post

    function test_Post() public {
        _fundUsd(1000);
        _fundEth(1 ether);
        IUsageSettlement.Report memory r = _report(1, keccak256("root1"), _debits2(pidUsd, 300, pidEth, 0.25 ether));
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.PlatformDebited(1, pidUsd, 300);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.PlatformDebited(1, pidEth, 0.25 ether);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.RootPosted(1, r.root, r.dataHash, uint64(block.timestamp));
        vm.prank(address(0xCAFE)); // anyone may submit a signed report
        settlement.post(r, sigs);

        assertEq(settlement.lastEpoch(), 1);
        (bytes32 root, uint64 epoch) = settlement.currentRoot();
        assertEq(root, r.root);
        assertEq(epoch, 1);
        assertEq(settlement.platform(pidUsd).escrow, 700);
        assertEq(settlement.platform(pidEth).escrow, 0.75 ether);
        assertEq(settlement.totalDebited(address(usd)), 300);
        assertEq(settlement.totalDebited(NATIVE), 0.25 ether);
        assertEq(settlement.totalEscrow(address(usd)), 700);
    }

    function test_PostWithAllSigners() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("root1"), _noDebits());
        settlement.post(r, _sigs(_digest(r), 3));
        assertEq(settlement.lastEpoch(), 1);
    }

    function test_PostSequentialEpochs() public {
        _post(_report(1, keccak256("a"), _noDebits()));
        _post(_report(2, keccak256("b"), _noDebits()));
        assertEq(settlement.lastEpoch(), 2);
        (bytes32 root,) = settlement.currentRoot();
        assertEq(root, keccak256("b"));
    }

    /// @dev Attack (issue 11 item 3): one signed report with epoch 2^64 - 1 used to block every later post. A gap is
    /// now refused, so such a report can never be posted.
    function test_RevertWhen_PostEpochGap() public {
        _post(_report(1, keccak256("a"), _noDebits()));
        IUsageSettlement.Report memory r = _report(type(uint64).max, keccak256("max"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EpochOutOfSequence.selector, type(uint64).max, 2));
        settlement.post(r, sigs);
        r = _report(3, keccak256("c"), _noDebits());
        sigs = _sigs(_digest(r), 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EpochOutOfSequence.selector, 3, 2));
        settlement.post(r, sigs);
        _post(_report(2, keccak256("b"), _noDebits())); // the next epoch still posts
    }

    function test_RevertWhen_PostSameReportTwice() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("root1"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        settlement.post(r, sigs);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EpochOutOfSequence.selector, 1, 2));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostOlderEpoch() public {
        _post(_report(1, keccak256("r1"), _noDebits()));
        _post(_report(2, keccak256("r2"), _noDebits()));
        IUsageSettlement.Report memory r = _report(1, keccak256("r1b"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EpochOutOfSequence.selector, 1, 3));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostEpochZero() public {
        IUsageSettlement.Report memory r = _report(0, keccak256("r0"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EpochOutOfSequence.selector, 0, 1));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostZeroRoot() public {
        IUsageSettlement.Report memory r = _report(1, bytes32(0), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectRevert(IUsageSettlement.ZeroRoot.selector);
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostForAnotherChainId() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes32 foreign = _digest(r, block.chainid + 1, address(settlement));
        bytes[] memory sigs = _sigs(foreign, 2);
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(signerKeys[0], foreign);
        address recovered = ecrecover(_digest(r), v, rr, s);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownSigner.selector, 0, recovered));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostForAnotherVerifyingContract() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes32 foreign = _digest(r, block.chainid, address(0xD00D));
        bytes[] memory sigs = _sigs(foreign, 2);
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(signerKeys[0], foreign);
        address recovered = ecrecover(_digest(r), v, rr, s);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownSigner.selector, 0, recovered));
        settlement.post(r, sigs);
    }

    /// @dev A report whose root was changed after signing recovers other addresses.
    function test_RevertWhen_PostTamperedReport() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _debits1(pidUsd, 0));
        bytes[] memory sigs = _sigs(_digest(r), 2);
        r.debits[0].amount = 1;
        _fundUsd(1);
        (uint8 v, bytes32 rr, bytes32 s) =
            vm.sign(signerKeys[0], _digest(_report(1, keccak256("r"), _debits1(pidUsd, 0))));
        address recovered = ecrecover(_digest(r), v, rr, s);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownSigner.selector, 0, recovered));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostDuplicateSigner() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes32 d = _digest(r);
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = _sig(signerKeys[0], d);
        sigs[1] = _sig(signerKeys[0], d);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageSettlement.SignerOrder.selector, 1, signerAddrs[0], signerAddrs[0])
        );
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostSignersDescending() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes32 d = _digest(r);
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = _sig(signerKeys[1], d);
        sigs[1] = _sig(signerKeys[0], d);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageSettlement.SignerOrder.selector, 1, signerAddrs[1], signerAddrs[0])
        );
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostFewerSignaturesThanThreshold() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsufficientSignatures.selector, 1, 2));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostHighS() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes32 d = _digest(r);
        bytes[] memory sigs = _sigs(d, 2);
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(signerKeys[0], d);
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        // the malleated signature is mathematically valid for the same signer ...
        assertEq(ecrecover(d, flippedV, rr, highS), signerAddrs[0]);
        sigs[0] = abi.encodePacked(rr, highS, flippedV);
        // ... but OpenZeppelin ECDSA rejects the high-s form
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.MalleableSignature.selector, 0, highS));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostSignatureBadLength() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        sigs[1] = bytes.concat(sigs[1], hex"00");
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidSignature.selector, 1));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostSignatureUnrecoverable() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        sigs[0] = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27)); // r = 0: ecrecover returns 0
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidSignature.selector, 0));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostSignerNotInSet() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes32 d = _digest(r);
        (address stranger, uint256 key) = makeAddrAndKey("stranger");
        bytes[] memory sigs = new bytes[](2);
        // order the two signatures ascending by signer
        if (stranger < signerAddrs[0]) {
            sigs[0] = _sig(key, d);
            sigs[1] = _sig(signerKeys[0], d);
            vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownSigner.selector, 0, stranger));
        } else {
            sigs[0] = _sig(signerKeys[0], d);
            sigs[1] = _sig(key, d);
            vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownSigner.selector, 1, stranger));
        }
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostSignedForOldConfigVersion() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        address[] memory same = signerAddrs;
        _setSigners(same, 2); // same people, new version: old signatures stop verifying
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.ConfigVersionMismatch.selector, 1, 2));
        settlement.post(r, sigs);
    }

    function test_RevertWhen_PostSignerFromOldConfig() public {
        address oldSigner = signerAddrs[0];
        uint256 oldKey = signerKeys[0];
        // rotate: keep signers 1 and 2, drop signer 0
        address[] memory s = new address[](2);
        s[0] = signerAddrs[1];
        s[1] = signerAddrs[2];
        _setSigners(s, 2);
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        assertEq(r.configVersion, 2);
        bytes32 d = _digest(r);
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = _sig(oldKey, d); // oldSigner < signerAddrs[1]: ascending
        sigs[1] = _sig(signerKeys[1], d);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownSigner.selector, 0, oldSigner));
        settlement.post(r, sigs);
    }

    function test_PostAfterRotation() public {
        _makeSigners(5);
        address[] memory s = signerAddrs;
        _setSigners(s, 3);
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _noDebits());
        settlement.post(r, _sigs(_digest(r), 3));
        assertEq(settlement.lastEpoch(), 1);
    }

    /// @dev Attack (issue 11 item 2): a payer withdrawing just before a post used to revert the whole post
    /// (InsufficientEscrow), blocking every other platform. Now its debit alone is held back.
    function test_PostHoldsBackDebitAboveEscrow() public {
        _fundUsd(100);
        _fundEth(1 ether);
        IUsageSettlement.Debit[] memory d = _debits2(pidUsd, 101, pidEth, 0.5 ether);
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), d);
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.DebitHeldBack(1, pidUsd, 101, 100);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.PlatformDebited(1, pidEth, 0.5 ether);
        settlement.post(r, sigs);
        assertEq(settlement.platform(pidUsd).escrow, 100); // nothing taken
        assertEq(settlement.totalDebited(address(usd)), 0);
        assertEq(settlement.platform(pidEth).escrow, 0.5 ether);
        assertEq(settlement.lastEpoch(), 1);
    }

    /// @dev With a root delay, the pending debits hash is of what was taken (held-back debits as 0), so the
    /// guardian can still revoke with the applied list.
    function test_RevokeAfterHeldBackDebit() public {
        _fundUsd(100);
        _fundEth(1 ether);
        _delayed();
        IUsageSettlement.Debit[] memory d = _debits2(pidUsd, 101, pidEth, 0.5 ether);
        _post(_report(1, keccak256("r"), d));
        (,,, bytes32 h) = settlement.pendingRoot();
        IUsageSettlement.Debit[] memory applied = _debits2(pidUsd, 0, pidEth, 0.5 ether);
        assertEq(h, _debitsHash(applied));
        vm.prank(guardian);
        settlement.revoke(1, applied);
        assertEq(settlement.platform(pidEth).escrow, 1 ether);
        assertEq(settlement.platform(pidUsd).escrow, 100);
    }

    function test_RevertWhen_PostDebitUnknownPlatform() public {
        IUsageSettlement.Report memory r = _report(1, keccak256("r"), _debits1(9, 1));
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.UnknownPlatform.selector, 9));
        settlement.post(r, sigs);
    }

    // ================================================================== root delay and revoke

    function _delayed() internal {
        _setRootDelay(1 hours);
    }

    function test_PendingRootBecomesCurrentAfterDelay() public {
        _post(_report(1, keccak256("r1"), _noDebits()));
        _delayed();
        IUsageSettlement.Report memory r = _report(2, keccak256("r2"), _noDebits());
        uint64 validAt = uint64(block.timestamp) + 1 hours;
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.RootPosted(2, r.root, r.dataHash, validAt);
        _post(r);
        // the last accepted root stays claimable while the new one is pending
        (bytes32 root, uint64 epoch) = settlement.currentRoot();
        assertEq(root, keccak256("r1"));
        assertEq(epoch, 1);
        (bytes32 pRoot, uint64 pEpoch, uint64 pValidAt, bytes32 pHash) = settlement.pendingRoot();
        assertEq(pRoot, keccak256("r2"));
        assertEq(pEpoch, 2);
        assertEq(pValidAt, validAt);
        assertEq(pHash, keccak256(""));
        vm.warp(validAt);
        (root, epoch) = settlement.currentRoot();
        assertEq(root, keccak256("r2"));
        assertEq(epoch, 2);
        (pRoot,,,) = settlement.pendingRoot();
        assertEq(pRoot, bytes32(0));
        // a later post accepts the matured root first, then becomes pending itself
        _post(_report(3, keccak256("r3"), _noDebits()));
        (root, epoch) = settlement.currentRoot();
        assertEq(root, keccak256("r2"));
        assertEq(epoch, 2);
    }

    function test_RevertWhen_PostWhileRootPending() public {
        _delayed();
        _post(_report(1, keccak256("r1"), _noDebits()));
        uint64 validAt = uint64(block.timestamp) + 1 hours;
        IUsageSettlement.Report memory r = _report(2, keccak256("r2"), _noDebits());
        bytes[] memory sigs = _sigs(_digest(r), 2);
        vm.warp(validAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.RootStillPending.selector, 1, validAt));
        settlement.post(r, sigs);
    }

    function test_PostWithZeroDelayAfterMaturedPending() public {
        _delayed();
        _post(_report(1, keccak256("r1"), _noDebits()));
        vm.warp(block.timestamp + 1 hours);
        _setRootDelay(0);
        _post(_report(2, keccak256("r2"), _noDebits()));
        (bytes32 root, uint64 epoch) = settlement.currentRoot();
        assertEq(root, keccak256("r2"));
        assertEq(epoch, 2);
        (bytes32 pRoot,,,) = settlement.pendingRoot();
        assertEq(pRoot, bytes32(0));
    }

    function test_Revoke() public {
        _fundUsd(1000);
        _fundEth(1 ether);
        _post(_report(1, keccak256("r1"), _debits1(pidUsd, 100)));
        _delayed();
        IUsageSettlement.Debit[] memory d = _debits2(pidUsd, 200, pidEth, 0.5 ether);
        _post(_report(2, keccak256("r2"), d));
        assertEq(settlement.platform(pidUsd).escrow, 700);
        assertEq(settlement.totalDebited(address(usd)), 300);

        vm.expectEmit(address(settlement));
        emit IUsageSettlement.DebitRefunded(2, pidUsd, 200);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.DebitRefunded(2, pidEth, 0.5 ether);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.RootRevoked(2);
        vm.prank(guardian);
        settlement.revoke(2, d);

        assertEq(settlement.platform(pidUsd).escrow, 900);
        assertEq(settlement.platform(pidEth).escrow, 1 ether);
        assertEq(settlement.totalDebited(address(usd)), 100);
        assertEq(settlement.totalDebited(NATIVE), 0);
        assertEq(settlement.totalEscrow(address(usd)), 900);
        (bytes32 pRoot,,,) = settlement.pendingRoot();
        assertEq(pRoot, bytes32(0));
        vm.warp(block.timestamp + 2 hours);
        (bytes32 root, uint64 epoch) = settlement.currentRoot();
        assertEq(root, keccak256("r1"));
        assertEq(epoch, 1);
        // the epoch stays used; a new report needs a higher one and may be posted at once
        assertEq(settlement.lastEpoch(), 2);
        _post(_report(3, keccak256("r3"), d));
        assertEq(settlement.platform(pidUsd).escrow, 700);
    }

    function test_RevertWhen_RevokeNotGuardian() public {
        _delayed();
        _post(_report(1, keccak256("r1"), _noDebits()));
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotGuardian.selector, owner, guardian));
        vm.prank(owner);
        settlement.revoke(1, _noDebits());
    }

    function test_RevertWhen_RevokeNothingPending() public {
        _post(_report(1, keccak256("r1"), _noDebits())); // delay 0: accepted at once
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotPendingEpoch.selector, 1, 0));
        vm.prank(guardian);
        settlement.revoke(1, _noDebits());
    }

    function test_RevertWhen_RevokeWrongEpoch() public {
        _delayed();
        _post(_report(1, keccak256("r1"), _noDebits()));
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NotPendingEpoch.selector, 2, 1));
        vm.prank(guardian);
        settlement.revoke(2, _noDebits());
    }

    function test_RevertWhen_RevokeAfterRootValid() public {
        _delayed();
        _post(_report(1, keccak256("r1"), _noDebits()));
        uint64 validAt = uint64(block.timestamp) + 1 hours;
        vm.warp(validAt);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.RootAlreadyValid.selector, 1, validAt));
        vm.prank(guardian);
        settlement.revoke(1, _noDebits());
    }

    function test_RevertWhen_RevokeWithOtherDebits() public {
        _fundUsd(1000);
        _delayed();
        IUsageSettlement.Debit[] memory d = _debits1(pidUsd, 200);
        _post(_report(1, keccak256("r1"), d));
        IUsageSettlement.Debit[] memory inflated = _debits1(pidUsd, 201);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageSettlement.DebitsMismatch.selector, _debitsHash(d), _debitsHash(inflated))
        );
        vm.prank(guardian);
        settlement.revoke(1, inflated);
    }

    /// @dev Attack (issue 11 item 6): an earlier over-allocating root lets claims spend the pending report's debits;
    /// revoke used to revert (all or nothing), so the bad pending root could not be stopped. Now it always clears
    /// the pending root and refunds what is still unclaimed.
    function test_RevokeAlwaysWorksAfterOverAllocation() public {
        _fundUsd(1000);
        // epoch 1 allocates 100 to alice without debiting anything (a faulty oracle)
        (bytes32[] memory tree, bytes32 leaf) = _singleLeafTree(alice, address(usd), 100);
        _post(_report(1, MerkleHelper.root(tree), _noDebits()));
        _delayed();
        IUsageSettlement.Debit[] memory d = _debits1(pidUsd, 150);
        _post(_report(2, keccak256("r2"), d));
        settlement.claim(alice, address(usd), 100, MerkleHelper.proof(tree, leaf)); // spends 100 of the 150
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.DebitRefunded(2, pidUsd, 50);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.RootRevoked(2);
        vm.prank(guardian);
        settlement.revoke(2, d);
        (bytes32 pRoot,,,) = settlement.pendingRoot();
        assertEq(pRoot, bytes32(0));
        assertEq(settlement.platform(pidUsd).escrow, 1000 - 150 + 50);
        assertEq(settlement.totalDebited(address(usd)), 100);
        assertEq(settlement.totalClaimed(address(usd)), 100);
        assertEq(usd.balanceOf(address(settlement)), 900);
    }

    // ================================================================== claim

    function _singleLeafTree(address account, address token, uint256 amount)
        internal
        pure
        returns (bytes32[] memory tree, bytes32 leaf)
    {
        bytes32[] memory leaves = new bytes32[](2);
        leaf = MerkleHelper.accountLeaf(account, token, amount);
        leaves[0] = leaf;
        leaves[1] = keccak256("filler");
        tree = MerkleHelper.build(leaves);
    }

    /// @dev Four leaves: alice/bob x usd/ETH.
    function _fourLeaves(uint256 aUsd, uint256 bUsd, uint256 aEth, uint256 bEth)
        internal
        view
        returns (bytes32[] memory tree, bytes32[] memory leaves)
    {
        address[] memory accounts = new address[](4);
        address[] memory tokens = new address[](4);
        uint256[] memory amounts = new uint256[](4);
        (accounts[0], tokens[0], amounts[0]) = (alice, address(usd), aUsd);
        (accounts[1], tokens[1], amounts[1]) = (bob, address(usd), bUsd);
        (accounts[2], tokens[2], amounts[2]) = (alice, NATIVE, aEth);
        (accounts[3], tokens[3], amounts[3]) = (bob, NATIVE, bEth);
        return _tree(accounts, tokens, amounts);
    }

    function _entry(address account, address token, uint256 amount, bytes32[] memory tree, bytes32 leaf)
        internal
        pure
        returns (IUsageSettlement.Claim memory)
    {
        return IUsageSettlement.Claim(account, token, amount, MerkleHelper.proof(tree, leaf));
    }

    function test_ClaimCumulative() public {
        _fundUsd(10_000);
        _fundEth(10 ether);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 1 ether, 2 ether);
        _post(_report(1, MerkleHelper.root(t1), _debits2(pidUsd, 500, pidEth, 3 ether)));

        vm.expectEmit(address(settlement));
        emit IUsageSettlement.Claimed(alice, address(usd), 300, 300);
        uint256 paid = settlement.claim(alice, address(usd), 300, MerkleHelper.proof(t1, l1[0]));
        assertEq(paid, 300);
        assertEq(usd.balanceOf(alice), 300);
        paid = settlement.claim(bob, NATIVE, 2 ether, MerkleHelper.proof(t1, l1[3]));
        assertEq(paid, 2 ether);
        assertEq(bob.balance, 2 ether);

        // epoch 2: cumulative totals grow; a claim pays only the difference
        (bytes32[] memory t2, bytes32[] memory l2) = _fourLeaves(1000, 200, 1.5 ether, 2 ether);
        _post(_report(2, MerkleHelper.root(t2), _debits2(pidUsd, 700, pidEth, 0.5 ether)));
        paid = settlement.claim(alice, address(usd), 1000, MerkleHelper.proof(t2, l2[0]));
        assertEq(paid, 700);
        assertEq(usd.balanceOf(alice), 1000);
        // alice's ETH was never claimed in epoch 1: she gets the whole cumulative amount
        paid = settlement.claim(alice, NATIVE, 1.5 ether, MerkleHelper.proof(t2, l2[2]));
        assertEq(paid, 1.5 ether);

        assertEq(settlement.claimed(alice, address(usd)), 1000);
        assertEq(settlement.claimed(alice, NATIVE), 1.5 ether);
        assertEq(settlement.claimed(bob, address(usd)), 0);
        assertEq(settlement.totalClaimed(address(usd)), 1000);
        assertEq(settlement.totalClaimed(NATIVE), 3.5 ether);
        assertEq(usd.balanceOf(address(settlement)), 10_000 - 1200 + (1200 - 1000));
    }

    /// @dev The per-token totals are one word (debited low 128 bits, claimed high 128 bits) that claim updates with
    /// one add: at the uint128 limit neither half spills into the other, and the cap still holds at exactly 0 left.
    function test_Claim_TotalsAtUint128Max() public {
        uint256 max = type(uint128).max;
        _fundUsd(max);
        address carol = address(0xCA401);
        address[] memory accounts = new address[](4);
        address[] memory tokens = new address[](4);
        uint256[] memory amounts = new uint256[](4);
        (accounts[0], tokens[0], amounts[0]) = (alice, address(usd), max - 1);
        (accounts[1], tokens[1], amounts[1]) = (bob, address(usd), 1);
        (accounts[2], tokens[2], amounts[2]) = (carol, address(usd), 1); // over-allocated by 1
        (accounts[3], tokens[3], amounts[3]) = (bob, NATIVE, 1);
        (bytes32[] memory tree, bytes32[] memory leaves) = _tree(accounts, tokens, amounts);
        _post(_report(1, MerkleHelper.root(tree), _debits1(pidUsd, max)));

        assertEq(settlement.claim(alice, address(usd), max - 1, MerkleHelper.proof(tree, leaves[0])), max - 1);
        assertEq(settlement.claim(bob, address(usd), 1, MerkleHelper.proof(tree, leaves[1])), 1);
        assertEq(settlement.totalClaimed(address(usd)), max);
        assertEq(settlement.totalDebited(address(usd)), max);
        // nothing is left: carol's leaf reverts and the totals stay as they were
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsolventClaim.selector, address(usd), 1, 0));
        settlement.claim(carol, address(usd), 1, MerkleHelper.proof(tree, leaves[2]));
        assertEq(settlement.totalClaimed(address(usd)), max);
        assertEq(settlement.totalDebited(address(usd)), max);
        assertEq(settlement.claimed(carol, address(usd)), 0);
    }

    /// @dev Permissionless: a relayer sends the transaction and pays the gas; the account itself is paid.
    function test_ClaimByRelayerPaysAccount() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        address relayer = makeAddr("relayer");
        bytes32[] memory p = MerkleHelper.proof(t1, l1[1]);
        vm.prank(relayer);
        assertEq(settlement.claim(bob, address(usd), 200, p), 200);
        assertEq(usd.balanceOf(bob), 200);
        assertEq(usd.balanceOf(relayer), 0);
    }

    function test_ClaimFromRootInsideDelayUsesPreviousRoot() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        _delayed();
        (bytes32[] memory t2, bytes32[] memory l2) = _fourLeaves(900, 200, 0, 0);
        _post(_report(2, MerkleHelper.root(t2), _debits1(pidUsd, 600)));
        bytes32 currentRoot = MerkleHelper.root(t1);
        bytes32[] memory p2 = MerkleHelper.proof(t2, l2[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, currentRoot));
        settlement.claim(alice, address(usd), 900, p2);
        // the accepted root still pays
        assertEq(settlement.claim(alice, address(usd), 300, MerkleHelper.proof(t1, l1[0])), 300);
        vm.warp(block.timestamp + 1 hours);
        assertEq(settlement.claim(alice, address(usd), 900, p2), 600);
    }

    /// @dev Once the pending root's delay has passed, both it and the last accepted root verify until the next post
    /// promotes it; an older leaf can only pay less (cumulative amounts grow), never twice.
    function test_ClaimMaturedPendingAndAcceptedRootBothVerify() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        _delayed();
        (bytes32[] memory t2, bytes32[] memory l2) = _fourLeaves(900, 700, 0, 0);
        _post(_report(2, MerkleHelper.root(t2), _debits1(pidUsd, 1100)));
        vm.warp(block.timestamp + 1 hours);
        assertEq(settlement.claim(bob, address(usd), 200, MerkleHelper.proof(t1, l1[1])), 200);
        assertEq(settlement.claim(bob, address(usd), 700, MerkleHelper.proof(t2, l2[1])), 500);
        bytes32[] memory p1 = MerkleHelper.proof(t1, l1[1]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NothingToClaim.selector, bob, address(usd), 200, 700));
        settlement.claim(bob, address(usd), 200, p1);
        assertEq(usd.balanceOf(bob), 700);
        // after the next post promotes epoch 2, the epoch-1 leaf no longer verifies
        _post(_report(3, keccak256("r3"), _noDebits()));
        bytes32 current = MerkleHelper.root(t2);
        bytes32[] memory pA = MerkleHelper.proof(t1, l1[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, current));
        settlement.claim(alice, address(usd), 300, pA);
    }

    /// @dev A one-leaf tree: the root is the leaf and the proof is empty.
    function test_ClaimSingleLeafTree() public {
        _fundUsd(50);
        bytes32 leaf = MerkleHelper.accountLeaf(alice, address(usd), 50);
        _post(_report(1, leaf, _debits1(pidUsd, 50)));
        assertEq(settlement.claim(alice, address(usd), 50, new bytes32[](0)), 50);
    }

    /// @dev A split contract can itself be the account (past the depth limit, or settleToSplit): it is paid like
    /// any account and its recipients release from it on chain.
    function test_ClaimToContractAccount() public {
        _fundEth(1 ether);
        address splitLike = address(new EthAccepter());
        (bytes32[] memory tree, bytes32 leaf) = _singleLeafTree(splitLike, NATIVE, 1 ether);
        _post(_report(1, MerkleHelper.root(tree), _debits1(pidEth, 1 ether)));
        assertEq(settlement.claim(splitLike, NATIVE, 1 ether, MerkleHelper.proof(tree, leaf)), 1 ether);
        assertEq(splitLike.balance, 1 ether);
    }

    function test_RevertWhen_ClaimRevokedRoot() public {
        _fundUsd(10_000);
        (bytes32[] memory t1,) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        _delayed();
        (bytes32[] memory t2, bytes32[] memory l2) = _fourLeaves(900, 200, 0, 0);
        IUsageSettlement.Debit[] memory d = _debits1(pidUsd, 600);
        _post(_report(2, MerkleHelper.root(t2), d));
        vm.prank(guardian);
        settlement.revoke(2, d);
        vm.warp(block.timestamp + 2 hours); // long after it would have matured
        bytes32[] memory p2 = MerkleHelper.proof(t2, l2[0]);
        bytes32 currentRoot = MerkleHelper.root(t1);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, currentRoot));
        settlement.claim(alice, address(usd), 900, p2);
    }

    function test_RevertWhen_ClaimBeforeAnyRoot() public {
        bytes32[] memory p;
        vm.expectRevert(IUsageSettlement.NoRoot.selector);
        settlement.claim(alice, address(usd), 1, p);
    }

    function test_RevertWhen_ClaimBeforeFirstRootMatures() public {
        _delayed();
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(1, 0, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _noDebits()));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[0]);
        vm.expectRevert(IUsageSettlement.NoRoot.selector);
        settlement.claim(alice, address(usd), 1, p);
    }

    function test_RevertWhen_ClaimWrongProof() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        bytes32[] memory wrong = MerkleHelper.proof(t1, l1[1]); // bob's proof
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, MerkleHelper.root(t1)));
        settlement.claim(alice, address(usd), 300, wrong);
    }

    function test_RevertWhen_ClaimInflatedAmount() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, MerkleHelper.root(t1)));
        settlement.claim(alice, address(usd), 301, p);
    }

    /// @dev A leaf proven for one account cannot pay another (a forged recipient).
    function test_RevertWhen_ClaimForAnotherAccount() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, MerkleHelper.root(t1)));
        settlement.claim(bob, address(usd), 300, p);
    }

    function test_RevertWhen_ClaimOtherToken() public {
        _fundUsd(10_000);
        _fundEth(10 ether);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits2(pidUsd, 500, pidEth, 1 ether)));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, MerkleHelper.root(t1)));
        settlement.claim(alice, NATIVE, 300, p);
    }

    /// @dev Replaying the same leaf pays nothing more (cumulative accounting).
    function test_RevertWhen_ClaimTwice() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[0]);
        settlement.claim(alice, address(usd), 300, p);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NothingToClaim.selector, alice, address(usd), 300, 300));
        settlement.claim(alice, address(usd), 300, p);
    }

    function test_RevertWhen_ClaimZeroAmountLeaf() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(0, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 200)));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[0]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.NothingToClaim.selector, alice, address(usd), 0, 0));
        settlement.claim(alice, address(usd), 0, p);
    }

    function test_RevertWhen_ClaimInsolvent() public {
        _fundUsd(10_000);
        // the root allocates 500 but only 499 was debited
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 499)));
        settlement.claim(alice, address(usd), 300, MerkleHelper.proof(t1, l1[0]));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[1]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsolventClaim.selector, address(usd), 200, 199));
        settlement.claim(bob, address(usd), 200, p);
    }

    /// @dev Escrow of other platforms in the same token is never claimable: only debited funds are.
    function test_RevertWhen_ClaimWouldSpendEscrow() public {
        _fundEth(100 ether);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(0, 0, 1 ether, 0);
        _post(_report(1, MerkleHelper.root(t1), _noDebits()));
        bytes32[] memory p = MerkleHelper.proof(t1, l1[2]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsolventClaim.selector, NATIVE, 1 ether, 0));
        settlement.claim(alice, NATIVE, 1 ether, p);
    }

    function test_RevertWhen_ClaimEthToRejecter() public {
        _fundEth(1 ether);
        address rejecter = address(new EthRejecter());
        (bytes32[] memory tree, bytes32 leaf) = _singleLeafTree(rejecter, NATIVE, 1 ether);
        _post(_report(1, MerkleHelper.root(tree), _debits1(pidEth, 1 ether)));
        bytes32[] memory p = MerkleHelper.proof(tree, leaf);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EthTransferFailed.selector, rejecter, 1 ether));
        settlement.claim(rejecter, NATIVE, 1 ether, p);
    }

    /// @dev An ETH account that re-enters claim from its receive() is stopped by the guard, so the payment fails.
    function test_RevertWhen_ClaimReentered() public {
        _fundEth(2 ether);
        Reenterer r = new Reenterer(settlement);
        (bytes32[] memory tree, bytes32 leaf) = _singleLeafTree(address(r), NATIVE, 1 ether);
        _post(_report(1, MerkleHelper.root(tree), _debits1(pidEth, 2 ether)));
        bytes32[] memory p = MerkleHelper.proof(tree, leaf);
        r.arm(NATIVE, 1 ether, p);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EthTransferFailed.selector, address(r), 1 ether));
        settlement.claim(address(r), NATIVE, 1 ether, p);
    }

    // ================================================================== claimMany

    function test_ClaimManyAccountsAndTokens() public {
        _fundUsd(10_000);
        _fundEth(10 ether);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 1 ether, 2 ether);
        _post(_report(1, MerkleHelper.root(t1), _debits2(pidUsd, 500, pidEth, 3 ether)));
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](3);
        batch[0] = _entry(alice, address(usd), 300, t1, l1[0]);
        batch[1] = _entry(bob, address(usd), 200, t1, l1[1]);
        batch[2] = _entry(alice, NATIVE, 1 ether, t1, l1[2]);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.Claimed(alice, address(usd), 300, 300);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.Claimed(bob, address(usd), 200, 200);
        vm.expectEmit(address(settlement));
        emit IUsageSettlement.Claimed(alice, NATIVE, 1 ether, 1 ether);
        vm.prank(makeAddr("relayer"));
        uint256 total = settlement.claimMany(batch);
        assertEq(total, 500 + 1 ether);
        assertEq(usd.balanceOf(alice), 300);
        assertEq(usd.balanceOf(bob), 200);
        assertEq(alice.balance, 1 ether);
        assertEq(settlement.totalClaimed(address(usd)), 500);
        assertEq(settlement.totalClaimed(NATIVE), 1 ether);
    }

    /// @dev One early claimer does not break a relayer's batch: its entry is skipped and pays 0.
    function test_ClaimManySkipsNothingToClaim() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        settlement.claim(alice, address(usd), 300, MerkleHelper.proof(t1, l1[0]));
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](3);
        batch[0] = _entry(alice, address(usd), 300, t1, l1[0]); // already claimed
        batch[1] = _entry(bob, address(usd), 200, t1, l1[1]);
        batch[2] = _entry(bob, address(usd), 200, t1, l1[1]); // listed twice: pays once
        assertEq(settlement.claimMany(batch), 200);
        assertEq(usd.balanceOf(alice), 300);
        assertEq(usd.balanceOf(bob), 200);
        // a whole batch with nothing left pays 0 without reverting, and so does an empty one
        assertEq(settlement.claimMany(batch), 0);
        assertEq(settlement.claimMany(new IUsageSettlement.Claim[](0)), 0);
    }

    /// @dev A batch entry whose leaf is in the matured pending root verifies against it, as `claim` does.
    function test_ClaimManyUsesMaturedPendingRoot() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        _delayed();
        (bytes32[] memory t2, bytes32[] memory l2) = _fourLeaves(900, 700, 0, 0);
        _post(_report(2, MerkleHelper.root(t2), _debits1(pidUsd, 1100)));
        vm.warp(block.timestamp + 1 hours);
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](2);
        batch[0] = _entry(alice, address(usd), 300, t1, l1[0]); // accepted root
        batch[1] = _entry(bob, address(usd), 700, t2, l2[1]); // matured pending root
        assertEq(settlement.claimMany(batch), 1000);
    }

    function test_RevertWhen_ClaimManyBadProof() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 500)));
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](2);
        batch[0] = _entry(alice, address(usd), 300, t1, l1[0]);
        batch[1] = _entry(bob, address(usd), 201, t1, l1[1]); // inflated
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InvalidProof.selector, MerkleHelper.root(t1)));
        settlement.claimMany(batch);
        assertEq(usd.balanceOf(alice), 0); // the whole batch reverted
    }

    function test_RevertWhen_ClaimManyBeforeAnyRoot() public {
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](1);
        batch[0] = IUsageSettlement.Claim(alice, address(usd), 1, new bytes32[](0));
        vm.expectRevert(IUsageSettlement.NoRoot.selector);
        settlement.claimMany(batch);
    }

    function test_RevertWhen_ClaimManyInsolvent() public {
        _fundUsd(10_000);
        (bytes32[] memory t1, bytes32[] memory l1) = _fourLeaves(300, 200, 0, 0);
        _post(_report(1, MerkleHelper.root(t1), _debits1(pidUsd, 499)));
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](2);
        batch[0] = _entry(alice, address(usd), 300, t1, l1[0]);
        batch[1] = _entry(bob, address(usd), 200, t1, l1[1]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.InsolventClaim.selector, address(usd), 200, 199));
        settlement.claimMany(batch);
    }

    function test_RevertWhen_ClaimManyEthToRejecter() public {
        _fundEth(2 ether);
        address rejecter = address(new EthRejecter());
        address[] memory accounts = new address[](2);
        address[] memory tokens = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (accounts[0], tokens[0], amounts[0]) = (alice, NATIVE, 1 ether);
        (accounts[1], tokens[1], amounts[1]) = (rejecter, NATIVE, 1 ether);
        (bytes32[] memory tree, bytes32[] memory leaves) = _tree(accounts, tokens, amounts);
        _post(_report(1, MerkleHelper.root(tree), _debits1(pidEth, 2 ether)));
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](2);
        batch[0] = _entry(alice, NATIVE, 1 ether, tree, leaves[0]);
        batch[1] = _entry(rejecter, NATIVE, 1 ether, tree, leaves[1]);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EthTransferFailed.selector, rejecter, 1 ether));
        settlement.claimMany(batch);
    }

    /// @dev A batch entry cannot re-enter claimMany from an ETH receive().
    function test_RevertWhen_ClaimManyReentered() public {
        _fundEth(2 ether);
        Reenterer r = new Reenterer(settlement);
        (bytes32[] memory tree, bytes32 leaf) = _singleLeafTree(address(r), NATIVE, 1 ether);
        _post(_report(1, MerkleHelper.root(tree), _debits1(pidEth, 2 ether)));
        bytes32[] memory p = MerkleHelper.proof(tree, leaf);
        r.arm(NATIVE, 1 ether, p);
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](1);
        batch[0] = IUsageSettlement.Claim(address(r), NATIVE, 1 ether, p);
        vm.expectRevert(abi.encodeWithSelector(IUsageSettlement.EthTransferFailed.selector, address(r), 1 ether));
        settlement.claimMany(batch);
    }
}

/// @dev Accepts ETH (stands for a split contract that is its own account).
contract EthAccepter {
    receive() external payable {}
}

/// @dev Re-enters claim from receive() with a stored leaf.
contract Reenterer {
    UsageSettlement internal immutable settlement;
    address internal token;
    uint256 internal amount;
    bytes32[] internal proof;

    constructor(UsageSettlement settlement_) {
        settlement = settlement_;
    }

    function arm(address token_, uint256 amount_, bytes32[] memory proof_) external {
        (token, amount, proof) = (token_, amount_, proof_);
    }

    receive() external payable {
        settlement.claim(address(this), token, amount, proof);
    }
}
