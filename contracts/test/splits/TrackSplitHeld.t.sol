// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {ITrackSplit} from "../../src/interfaces/ITrackSplit.sol";
import {TrackSplit} from "../../src/TrackSplit.sol";
import {SplitTestBase} from "./helpers/SplitTestBase.sol";
import {BlocklistToken} from "./helpers/BlocklistToken.sol";
import {Erc1271Wallet, GasBurningReceiver, RevertingReceiver, StipendPayer} from "./helpers/TestTokens.sol";

/// @notice Issue 11, "no stuck money": undeliverable payouts are held for the recipient and withdrawn later to an
/// address it chooses or signs for; splits accept ETH sent with the 2,300-gas stipend.
contract TrackSplitHeldTest is SplitTestBase {
    BlocklistToken internal busd;
    RevertingReceiver internal refuser;
    uint256 internal signerKey = 0xA11CE;
    address internal signer;
    address internal other;
    address[] internal recipients;
    uint256[] internal shares;
    TrackSplit internal split;

    function setUp() public override {
        super.setUp();
        busd = new BlocklistToken();
        refuser = new RevertingReceiver();
        signer = vm.addr(signerKey);
        other = makeAddr("other");
        address[] memory r = new address[](3);
        (r[0], r[1], r[2]) = (signer, other, address(refuser));
        _sort(r);
        recipients = r;
        shares = _equalShares(3);
        split = _create(recipients, shares, bytes32("held"));
    }

    function _i(address who) internal view returns (uint256) {
        for (uint256 i = 0; i < recipients.length; i++) {
            if (recipients[i] == who) return i;
        }
        revert("not a recipient");
    }

    /// @dev floor(total * share / SCALE) for `who`.
    function _amt(uint256 total, address who) internal view returns (uint256) {
        return total * shares[_i(who)] / SCALE;
    }

    function _releaseFor(address tok, address who) internal returns (uint256) {
        return _release(split, tok, recipients, shares, _i(who));
    }

    // ---------------------------------------------------------------- attack: a blocklisted account

    /// @dev Before: the blocklisted recipient's release reverted for good (splits are immutable, release only pays
    /// the account), so its share was stuck forever. Now it is held, the others are paid, and it withdraws later.
    function test_Attack_BlocklistedRecipientLosesNothingAndBlocksNoOne() public {
        busd.mint(address(split), 3_000_000);
        busd.setBlocked(signer, true);

        vm.expectEmit(address(split));
        emit ITrackSplit.PayoutHeld(address(busd), signer, _amt(3_000_000, signer));
        assertEq(_releaseFor(address(busd), signer), 0);
        assertEq(split.held(address(busd), signer), _amt(3_000_000, signer));
        assertEq(_releaseFor(address(busd), other), _amt(3_000_000, other));
        assertEq(busd.balanceOf(other), _amt(3_000_000, other));

        // more money arrives: entitlements are unaffected by what is held
        busd.mint(address(split), 3_000_000);
        assertEq(_releaseFor(address(busd), other), _amt(6_000_000, other) - _amt(3_000_000, other));
        assertEq(_releaseFor(address(busd), signer), 0);
        uint256 heldNow = _amt(6_000_000, signer);
        assertEq(split.held(address(busd), signer), heldNow);
        assertEq(split.totalReceived(address(busd)), 6_000_000);

        // the account withdraws to another address it controls
        address fresh = makeAddr("fresh wallet");
        vm.expectEmit(address(split));
        emit ITrackSplit.HeldWithdrawn(address(busd), signer, fresh, heldNow);
        vm.prank(signer);
        assertEq(split.withdrawHeld(address(busd), fresh), heldNow);
        assertEq(busd.balanceOf(fresh), heldNow);
        assertEq(split.held(address(busd), signer), 0);
        assertEq(split.totalReleased(address(busd)), heldNow + _amt(6_000_000, other));
        assertEq(split.totalReceived(address(busd)), 6_000_000);
    }

    /// @dev releaseMany across splits is not broken by a held payout.
    function test_Attack_HeldPayoutDoesNotBreakReleaseMany() public {
        TrackSplit second = _create(recipients, shares, bytes32("second"));
        busd.mint(address(split), 3_000_000);
        busd.mint(address(second), 3_000_000);
        busd.setBlocked(signer, true);
        ISplitFactory.ReleaseRequest[] memory requests = new ISplitFactory.ReleaseRequest[](2);
        uint256 i = _i(signer);
        requests[0] =
            ISplitFactory.ReleaseRequest(address(split), address(busd), shares[i], _proof(recipients, shares, i));
        requests[1] =
            ISplitFactory.ReleaseRequest(address(second), address(busd), shares[i], _proof(recipients, shares, i));
        uint256[] memory amounts = factory.releaseMany(requests, signer);
        assertEq(amounts[0] + amounts[1], 0);
        assertEq(split.held(address(busd), signer) + second.held(address(busd), signer), 2 * _amt(3_000_000, signer));
    }

    // ---------------------------------------------------------------- attack: a recipient that refuses ETH

    function test_Attack_RevertingEthRecipientIsHeldAndWithdrawnBySigning() public {
        // a contract that refuses ETH but signs through ERC-1271
        Erc1271Wallet wallet = new Erc1271Wallet(signer);
        address[] memory r = new address[](2);
        (r[0], r[1]) = address(wallet) < other ? (address(wallet), other) : (other, address(wallet));
        uint256[] memory s = _equalShares(2);
        TrackSplit t = _create(r, s, bytes32("wallet"));
        _fund(t, ETH, 2 ether);
        uint256 w = r[0] == address(wallet) ? 0 : 1;
        assertEq(_release(t, ETH, r, s, w), 0, "the wallet has no receive()");
        assertEq(t.held(ETH, address(wallet)), 1 ether);
        assertEq(_release(t, ETH, r, s, 1 - w), 1 ether);

        address to = makeAddr("destination");
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(t, ETH, address(wallet), to, 0, deadline);
        vm.prank(makeAddr("relayer"));
        assertEq(t.withdrawHeldWithSig(ETH, address(wallet), to, deadline, sig), 1 ether);
        assertEq(to.balance, 1 ether);
        assertEq(t.nonces(address(wallet)), 1);
    }

    function test_WithdrawHeldWithSig_EoaSignature() public {
        _fund(split, ETH, 3 ether);
        busd.mint(address(split), 3_000_000);
        busd.setBlocked(signer, true);
        _releaseFor(address(busd), signer);
        address to = makeAddr("to");
        bytes memory sig = _sign(split, address(busd), signer, to, 0, block.timestamp);
        assertEq(split.withdrawHeldWithSig(address(busd), signer, to, block.timestamp, sig), _amt(3_000_000, signer));
        assertEq(busd.balanceOf(to), _amt(3_000_000, signer));
    }

    function test_RevertWhen_HeldSignatureIsReplayed() public {
        busd.mint(address(split), 6_000_000);
        busd.setBlocked(signer, true);
        _releaseFor(address(busd), signer);
        address to = makeAddr("to");
        bytes memory sig = _sign(split, address(busd), signer, to, 0, block.timestamp);
        split.withdrawHeldWithSig(address(busd), signer, to, block.timestamp, sig);
        busd.mint(address(split), 3_000_000);
        _releaseFor(address(busd), signer);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidHeldSignature.selector, signer));
        split.withdrawHeldWithSig(address(busd), signer, to, block.timestamp, sig);
    }

    function test_RevertWhen_HeldSignatureIsForAnotherDestination() public {
        busd.mint(address(split), 3_000_000);
        busd.setBlocked(signer, true);
        _releaseFor(address(busd), signer);
        bytes memory sig = _sign(split, address(busd), signer, makeAddr("to"), 0, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidHeldSignature.selector, signer));
        split.withdrawHeldWithSig(address(busd), signer, makeAddr("thief"), block.timestamp, sig);
    }

    function test_RevertWhen_HeldSignatureExpired() public {
        busd.mint(address(split), 3_000_000);
        busd.setBlocked(signer, true);
        _releaseFor(address(busd), signer);
        uint256 deadline = block.timestamp;
        bytes memory sig = _sign(split, address(busd), signer, other, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.HeldSignatureExpired.selector, deadline, deadline + 1));
        split.withdrawHeldWithSig(address(busd), signer, other, deadline, sig);
    }

    function test_RevertWhen_HeldSignatureIsFromAnotherSplit() public {
        TrackSplit second = _create(recipients, shares, bytes32("second"));
        busd.mint(address(split), 3_000_000);
        busd.setBlocked(signer, true);
        _releaseFor(address(busd), signer);
        bytes memory sig = _sign(second, address(busd), signer, other, 0, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.InvalidHeldSignature.selector, signer));
        split.withdrawHeldWithSig(address(busd), signer, other, block.timestamp, sig);
    }

    function test_RevertWhen_NothingIsHeld() public {
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.NothingHeld.selector, ETH, other));
        split.withdrawHeld(ETH, other);
    }

    function test_RevertWhen_WithdrawingHeldToZero() public {
        vm.prank(other);
        vm.expectRevert(ITrackSplit.ZeroAddressDestination.selector);
        split.withdrawHeld(ETH, address(0));
    }

    /// @dev Someone else cannot withdraw an account's held balance: withdrawHeld only ever acts for msg.sender.
    function test_Attack_OthersCannotWithdrawAHeldBalance() public {
        _fund(split, ETH, 3 ether);
        _releaseFor(ETH, address(refuser));
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.NothingHeld.selector, ETH, other));
        split.withdrawHeld(ETH, other);
        assertEq(split.held(ETH, address(refuser)), _amt(3 ether, address(refuser)));
    }

    /// @dev A destination that fails reverts the withdrawal; the balance stays held.
    function test_RevertWhen_TheChosenDestinationFails() public {
        busd.mint(address(split), 3_000_000);
        busd.setBlocked(signer, true);
        _releaseFor(address(busd), signer);
        vm.prank(signer);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocklisted.selector, signer));
        split.withdrawHeld(address(busd), signer);
        assertEq(split.held(address(busd), signer), _amt(3_000_000, signer));
        busd.setBlocked(signer, false);
        vm.prank(signer);
        split.withdrawHeld(address(busd), signer);
        assertEq(busd.balanceOf(signer), _amt(3_000_000, signer));
    }

    // ---------------------------------------------------------------- attack: under-funded release

    /// @dev Holding on any failure would let a griefer call release with just too little gas for the recipient's
    /// wallet, pushing a healthy payout into `held`. A payout that failed having used up its gas reverts instead.
    function test_Attack_RevertWhen_ThePayoutRanOutOfGas() public {
        GasBurningReceiver burner = new GasBurningReceiver();
        address[] memory one = new address[](1);
        one[0] = address(burner);
        uint256[] memory all = new uint256[](1);
        all[0] = SCALE;
        TrackSplit t = _create(one, all, bytes32("burner"));
        _fund(t, ETH, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ITrackSplit.PayoutOutOfGas.selector, address(burner), 1 ether));
        t.release{gas: 500_000}(ETH, address(burner), SCALE, new bytes32[](0));
        assertEq(t.held(ETH, address(burner)), 0);
        assertEq(t.released(ETH, address(burner)), 0);
    }

    // ---------------------------------------------------------------- stipend

    /// @dev Before: a clone spent 2,600 gas on its cold delegatecall, so `transfer` into a split always reverted.
    function test_Attack_SplitsAcceptEthSentWithTheStipend() public {
        StipendPayer payer = new StipendPayer();
        vm.deal(address(this), 3 ether);
        payer.pay{value: 1 ether}(payable(address(split)));
        assertTrue(payer.paySend{value: 1 ether}(payable(address(split))));
        assertEq(split.totalReceived(ETH), 2 ether);
        assertEq(_releaseFor(ETH, other), 2 ether * shares[_i(other)] / SCALE);
    }

    function test_RevertWhen_EthIsSentToTheImplementation() public {
        vm.deal(address(this), 1 ether);
        (bool ok,) = factory.implementation().call{value: 1 ether}("");
        assertFalse(ok);
    }

    // ---------------------------------------------------------------- helpers

    function _sign(TrackSplit t, address tok, address account, address to, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(abi.encode(t.WITHDRAW_HELD_TYPEHASH(), tok, account, to, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", t.domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        return abi.encodePacked(r, s, v);
    }

    receive() external payable {}
}
