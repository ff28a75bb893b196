// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {SplitFactory} from "../../../src/SplitFactory.sol";
import {TrackSplit} from "../../../src/TrackSplit.sol";
import {BlocklistToken} from "../helpers/BlocklistToken.sol";
import {SplitHandler} from "./SplitHandler.sol";

/// @notice Invariants of the split accounting against the handler's own tally, for ETH and an ERC-20, with a
/// nested split. Per split and token: released + still claimable <= received; rounding dust <= one base unit per
/// recipient; no account ever gets more than floor(received * share / 1e6); everything paid is in the tally.
/// The handler also checks every single release against its tally as it happens, so the costlier invariants
/// (which query every recipient's releasable amount) are checked every 4 calls and at the end of each run.
/// Payouts that cannot be delivered (a blocklisted account, a contract refusing ETH) are held: held money stays in
/// the split, reserved for its account, counted in `released` but not in `totalReleased`, and nothing is lost.
contract SplitInvariantsTest is Test {
    address internal constant ETH = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    uint256 internal constant SCALE = 1e6;

    SplitHandler internal handler;
    address[2] internal tokens;

    function setUp() public {
        SplitFactory factory = new SplitFactory();
        BlocklistToken token = new BlocklistToken();
        handler = new SplitHandler(factory, token);
        tokens = [ETH, address(token)];
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = SplitHandler.deposit.selector;
        selectors[1] = SplitHandler.release.selector;
        selectors[2] = SplitHandler.releaseMany.selector;
        selectors[3] = SplitHandler.setBlocked.selector;
        selectors[4] = SplitHandler.withdrawHeld.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev Sum over the split's recipients of what is still claimable.
    function _claimable(uint256 s, address tok) internal view returns (uint256 sum) {
        TrackSplit split = handler.splits(s);
        address[] memory r = handler.recipientsOf(s);
        uint256[] memory sh = handler.sharesOf(s);
        for (uint256 i = 0; i < r.length; i++) {
            sum += split.releasable(tok, r[i], sh[i], handler.proofOf(s, i));
        }
    }

    /// @dev Sum over the split's recipients of what it holds for them.
    function _held(uint256 s, address tok) internal view returns (uint256 sum) {
        TrackSplit split = handler.splits(s);
        address[] memory r = handler.recipientsOf(s);
        for (uint256 i = 0; i < r.length; i++) {
            sum += split.held(tok, r[i]);
        }
    }

    function invariant_ReceivedMatchesTheTally() public view {
        for (uint256 s = 0; s < handler.splitCount(); s++) {
            TrackSplit split = handler.splits(s);
            for (uint256 t = 0; t < 2; t++) {
                assertEq(split.totalReceived(tokens[t]), handler.received(address(split), tokens[t]));
            }
        }
    }

    /// @dev Released plus still claimable never exceeds what was received (solvency), and what neither was
    /// released nor is claimable (rounding dust) is below one base unit per recipient: floors of n shares that sum
    /// to 1e6 lose less than n units. One function because both need the claimable sum, the costly part.
    /// forge-config: default.invariant.check_interval = 4
    function invariant_ReleasedPlusClaimableWithinReceivedAndDustBounded() public view {
        for (uint256 s = 0; s < handler.splitCount(); s++) {
            TrackSplit split = handler.splits(s);
            uint256 n = handler.recipientsOf(s).length;
            for (uint256 t = 0; t < 2; t++) {
                uint256 received = handler.received(address(split), tokens[t]);
                uint256 accounted = split.totalReleased(tokens[t]) + _held(s, tokens[t]) + _claimable(s, tokens[t]);
                assertLe(accounted, received, "released + claimable exceeds received");
                assertLe(received - accounted, n - 1, "more than one unit of dust per recipient");
            }
        }
    }

    /// forge-config: default.invariant.check_interval = 4
    function invariant_NoAccountAboveItsFloorShare() public view {
        for (uint256 s = 0; s < handler.splitCount(); s++) {
            TrackSplit split = handler.splits(s);
            address[] memory r = handler.recipientsOf(s);
            uint256[] memory sh = handler.sharesOf(s);
            for (uint256 t = 0; t < 2; t++) {
                uint256 received = handler.received(address(split), tokens[t]);
                uint256 sum = 0;
                uint256 heldSum = 0;
                for (uint256 i = 0; i < r.length; i++) {
                    uint256 released = split.released(tokens[t], r[i]);
                    assertLe(released, received * sh[i] / SCALE, "paid above floor(received * share / 1e6)");
                    assertEq(released, handler.paid(address(split), tokens[t], r[i]), "released differs from tally");
                    uint256 held = split.held(tokens[t], r[i]);
                    assertEq(held, handler.heldTally(address(split), tokens[t], r[i]), "held differs from tally");
                    sum += released;
                    heldSum += held;
                }
                assertEq(split.totalReleased(tokens[t]) + heldSum, sum, "totalReleased + held != the releases");
            }
        }
    }

    /// @dev Every EOA recipient holds exactly what the tally says it was paid (over all splits), the sink holds
    /// what held balances paid it, and each split's balance is what it received minus what left it (held money
    /// stays in the split).
    /// forge-config: default.invariant.check_interval = 4
    function invariant_BalancesMatchTheTally() public view {
        for (uint256 s = 0; s < handler.splitCount(); s++) {
            TrackSplit split = handler.splits(s);
            address[] memory r = handler.recipientsOf(s);
            for (uint256 i = 0; i < r.length; i++) {
                if (handler.isSplitRecipient(r[i])) continue;
                assertEq(r[i].balance, handler.gotTotal(r[i], ETH));
                assertEq(BlocklistToken(tokens[1]).balanceOf(r[i]), handler.gotTotal(r[i], tokens[1]));
            }
            assertEq(address(split).balance, handler.received(address(split), ETH) - split.totalReleased(ETH));
            assertEq(
                BlocklistToken(tokens[1]).balanceOf(address(split)),
                handler.received(address(split), tokens[1]) - split.totalReleased(tokens[1])
            );
        }
        assertEq(handler.sink().balance, handler.withdrawnToSink(ETH));
        assertEq(BlocklistToken(tokens[1]).balanceOf(handler.sink()), handler.withdrawnToSink(tokens[1]));
    }
}
