// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {UsageSettlement} from "../../src/UsageSettlement.sol";
import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {MockStablecoin} from "../../src/MockStablecoin.sol";
import {MerkleHelper} from "./MerkleHelper.sol";

/// @notice Drives the settlement through deposits, withdrawal requests and withdrawals, signed posts (honest and,
/// now and then, over-allocating), revocations, claims (single and batched) and time, keeping its own tally of every token movement.
contract SettlementHandler is CommonBase, StdCheats, StdUtils {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    uint256 internal constant NUM_ACCOUNTS = 3;
    uint256 internal constant NUM_LEAVES = 6; // 3 accounts x 2 tokens

    UsageSettlement public immutable settlement;
    MockStablecoin public immutable usd;
    address internal immutable owner;
    address internal immutable guardian;
    uint256[] internal keys; // signer keys, ascending by address
    uint256[] public pids; // platform ids: two mUSD, two ETH

    // ---------------------------------------------------------------- the handler's own tally, per token
    mapping(address token => uint256) public ghostDeposited;
    mapping(address token => uint256) public ghostDebited;
    mapping(address token => uint256) public ghostWithdrawn;
    mapping(address token => uint256) public ghostRefunded;
    mapping(address token => uint256) public ghostClaimed;

    // ---------------------------------------------------------------- oracle-side model
    uint64 internal epoch;
    uint256[NUM_LEAVES] internal base; // cumulative amounts of the latest non-revoked report
    mapping(bytes32 root => uint256[NUM_LEAVES]) internal amountsOf;
    mapping(bytes32 root => uint256[NUM_LEAVES]) internal acceptedBaseOf; // base to return to if this root is revoked
    IUsageSettlement.Debit[] internal pendingDebits;

    // ---------------------------------------------------------------- call counters (for the log)
    mapping(bytes32 action => uint256) public calls;

    constructor(
        UsageSettlement settlement_,
        MockStablecoin usd_,
        address owner_,
        address guardian_,
        uint256[] memory keys_,
        uint256[] memory pids_
    ) {
        settlement = settlement_;
        usd = usd_;
        owner = owner_;
        guardian = guardian_;
        keys = keys_;
        pids = pids_;
    }

    function accountAt(uint256 i) public pure returns (address) {
        return address(uint160(0x5000 + i));
    }

    function tokenOfLeaf(uint256 leaf) public view returns (address) {
        return leaf < NUM_ACCOUNTS ? address(usd) : NATIVE;
    }

    /// @notice The cumulative amount of leaf `i` in the report whose root is `root` (0 for an unknown root).
    function leafAmount(bytes32 root, uint256 i) external view returns (uint256) {
        return amountsOf[root][i];
    }

    function _leafHash(uint256 i, uint256 amount) internal view returns (bytes32) {
        return MerkleHelper.accountLeaf(accountAt(i % NUM_ACCOUNTS), tokenOfLeaf(i), amount);
    }

    function _leaves(uint256[NUM_LEAVES] memory amounts) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](NUM_LEAVES);
        for (uint256 i; i < NUM_LEAVES; ++i) {
            leaves[i] = _leafHash(i, amounts[i]);
        }
    }

    // ================================================================ actions

    function deposit(uint256 pidSeed, uint256 amount) external {
        uint256 pid = pids[pidSeed % pids.length];
        address token = settlement.platform(pid).token;
        amount = bound(amount, 1, 1e27);
        address funder = address(uint160(uint256(keccak256(abi.encode(pidSeed))) | 1 << 159));
        if (token == NATIVE) {
            vm.deal(funder, amount);
            vm.prank(funder);
            settlement.deposit{value: amount}(pid, amount);
        } else {
            usd.mint(funder, amount);
            vm.startPrank(funder);
            usd.approve(address(settlement), amount);
            settlement.deposit(pid, amount);
            vm.stopPrank();
        }
        ghostDeposited[token] += amount;
        ++calls["deposit"];
    }

    function requestWithdrawal(uint256 pidSeed, uint256 amount) external {
        uint256 pid = pids[pidSeed % pids.length];
        IUsageSettlement.PlatformInfo memory p = settlement.platform(pid);
        if (p.escrow == 0) return; // nothing to give notice of (the request would revert ZeroAmount)
        amount = bound(amount, 1, p.escrow * 2 + 1);
        vm.prank(p.payer);
        settlement.requestWithdrawal(pid, amount);
        (uint256 requested,) = settlement.pendingWithdrawal(pid);
        require(requested == (amount < p.escrow ? amount : p.escrow), "request not capped at the escrow");
        ++calls["requestWithdrawal"];
    }

    function withdraw(uint256 pidSeed) external {
        uint256 pid = pids[pidSeed % pids.length];
        IUsageSettlement.PlatformInfo memory p = settlement.platform(pid);
        (uint256 requested, uint64 availableAt) = settlement.pendingWithdrawal(pid);
        if (requested == 0) return;
        if (block.timestamp < availableAt) vm.warp(availableAt);
        if (block.timestamp >= availableAt + settlement.WITHDRAWAL_WINDOW()) return; // expired (unit-tested)
        address to = address(uint160(0xBEEF0000 + pid));
        uint256 before = p.token == NATIVE ? to.balance : usd.balanceOf(to);
        vm.prank(p.payer);
        uint256 paid = settlement.withdraw(pid, to);
        uint256 expected = requested < p.escrow ? requested : p.escrow;
        require(paid == expected, "withdraw paid other than min(requested, escrow)");
        uint256 got = (p.token == NATIVE ? to.balance : usd.balanceOf(to)) - before;
        require(got == paid, "withdraw transferred other than it reported");
        ghostWithdrawn[p.token] += paid;
        ++calls["withdraw"];
    }

    /// @dev Posts the next epoch: per platform a debit within its escrow (one in eight just above it: held back), the
    /// token's debits spread over the token's leaves; one post in four over-allocates (a faulty oracle) by up to
    /// 1,000 base units.
    function post(uint256 seed, bool overAllocate) external {
        (,, uint64 validAt,) = settlement.pendingRoot();
        if (validAt != 0) vm.warp(validAt); // a pending root blocks posting until it matures

        IUsageSettlement.Debit[] memory debits = new IUsageSettlement.Debit[](pids.length);
        uint256 usdTotal;
        uint256 ethTotal;
        for (uint256 i; i < pids.length; ++i) {
            IUsageSettlement.PlatformInfo memory p = settlement.platform(pids[i]);
            uint256 amount = bound(uint256(keccak256(abi.encode(seed, "debit", i))), 0, p.escrow);
            if (uint256(keccak256(abi.encode(seed, "short", i))) % 8 == 0) amount = p.escrow + 1;
            debits[i] = IUsageSettlement.Debit(pids[i], amount);
            if (p.token == NATIVE) ethTotal += amount;
            else usdTotal += amount;
        }
        uint256[NUM_LEAVES] memory amounts = base;
        _spread(amounts, 0, usdTotal, seed);
        _spread(amounts, NUM_ACCOUNTS, ethTotal, seed >> 1);
        if (overAllocate && seed % 4 == 0) amounts[seed % NUM_LEAVES] += 1 + seed % 1000;

        bytes32 root = MerkleHelper.root(MerkleHelper.build(_leaves(amounts)));
        IUsageSettlement.Report memory r = IUsageSettlement.Report({
            epoch: ++epoch,
            configVersion: settlement.configVersion(),
            root: root,
            dataHash: bytes32(seed),
            debits: debits
        });
        bytes32 digest = settlement.reportDigest(r);
        bytes[] memory sigs = new bytes[](settlement.threshold());
        for (uint256 i; i < sigs.length; ++i) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(rr, s, v);
        }
        (bytes32 accepted,) = settlement.currentRoot();
        uint256[] memory escrowsBefore = new uint256[](debits.length);
        for (uint256 i; i < debits.length; ++i) {
            escrowsBefore[i] = settlement.platform(debits[i].platformId).escrow;
        }
        settlement.post(r, sigs);
        for (uint256 i; i < debits.length; ++i) {
            if (debits[i].amount > escrowsBefore[i]) {
                require(settlement.platform(debits[i].platformId).escrow == escrowsBefore[i], "held-back debit taken");
                debits[i].amount = 0; // held back: the applied debit is 0 (what revoke is given)
                ++calls["debit held back"];
            }
        }

        amountsOf[root] = amounts;
        acceptedBaseOf[root] = accepted == bytes32(0) ? _zero() : amountsOf[accepted];
        base = amounts;
        delete pendingDebits;
        for (uint256 i; i < debits.length; ++i) {
            pendingDebits.push(debits[i]);
            ghostDebited[settlement.platform(debits[i].platformId).token] += debits[i].amount;
        }
        ++calls["post"];
    }

    function _zero() internal pure returns (uint256[NUM_LEAVES] memory z) {}

    function _spread(uint256[NUM_LEAVES] memory amounts, uint256 first, uint256 total, uint256 seed) internal pure {
        uint256 a = bound(uint256(keccak256(abi.encode(seed, first, "a"))), 0, total);
        uint256 b = bound(uint256(keccak256(abi.encode(seed, first, "b"))), 0, total - a);
        amounts[first] += a;
        amounts[first + 1] += b;
        amounts[first + 2] += total - a - b;
    }

    function revoke() external {
        (bytes32 root, uint64 pendingEpoch, uint64 validAt,) = settlement.pendingRoot();
        if (root == bytes32(0)) return;
        require(block.timestamp < validAt, "pendingRoot reported a matured root");
        IUsageSettlement.Debit[] memory debits = pendingDebits;
        uint256 usdBefore = settlement.totalDebited(address(usd));
        uint256 ethBefore = settlement.totalDebited(NATIVE);
        uint256 usdUnclaimed = usdBefore - settlement.totalClaimed(address(usd));
        uint256 ethUnclaimed = ethBefore - settlement.totalClaimed(NATIVE);
        uint256 usdDebits;
        uint256 ethDebits;
        for (uint256 i; i < debits.length; ++i) {
            if (settlement.platform(debits[i].platformId).token == NATIVE) ethDebits += debits[i].amount;
            else usdDebits += debits[i].amount;
        }
        vm.prank(guardian);
        settlement.revoke(pendingEpoch, debits); // always works
        uint256 usdRefund = usdBefore - settlement.totalDebited(address(usd));
        uint256 ethRefund = ethBefore - settlement.totalDebited(NATIVE);
        // per token: everything still unclaimed up to the debits (capped once an over-allocation spent some)
        require(usdRefund == (usdDebits < usdUnclaimed ? usdDebits : usdUnclaimed), "mUSD refund");
        require(ethRefund == (ethDebits < ethUnclaimed ? ethDebits : ethUnclaimed), "ETH refund");
        ghostRefunded[address(usd)] += usdRefund;
        ghostRefunded[NATIVE] += ethRefund;
        (bytes32 after_,,,) = settlement.pendingRoot();
        require(after_ == bytes32(0), "revoke left a pending root");
        base = acceptedBaseOf[root];
        delete pendingDebits;
        ++calls[usdRefund < usdDebits || ethRefund < ethDebits ? bytes32("revoke capped") : bytes32("revoke")];
    }

    /// @dev Picks a leaf of the current root (preferring one that is owed something).
    function _pick(uint256 leafSeed, uint256[NUM_LEAVES] memory amounts) internal view returns (uint256 i) {
        i = leafSeed % NUM_LEAVES;
        for (uint256 k; k < NUM_LEAVES; ++k) {
            uint256 j = (leafSeed % NUM_LEAVES + k) % NUM_LEAVES;
            if (amounts[j] > settlement.claimed(accountAt(j % NUM_ACCOUNTS), tokenOfLeaf(j)) && leafSeed % 8 != 0) {
                return j;
            }
        }
    }

    function _balanceOf(address token, address account) internal view returns (uint256) {
        return token == NATIVE ? account.balance : usd.balanceOf(account);
    }

    function claim(uint256 leafSeed) external {
        (bytes32 root,) = settlement.currentRoot();
        if (root == bytes32(0)) return;
        uint256[NUM_LEAVES] memory amounts = amountsOf[root];
        uint256 i = _pick(leafSeed, amounts);
        address account = accountAt(i % NUM_ACCOUNTS);
        address token = tokenOfLeaf(i);
        uint256 cumulative = amounts[i];
        uint256 already = settlement.claimed(account, token);
        bytes32[] memory tree = MerkleHelper.build(_leaves(amounts));
        bytes32[] memory proof = MerkleHelper.proof(tree, _leafHash(i, cumulative));
        uint256 available = settlement.totalDebited(token) - settlement.totalClaimed(token);
        uint256 before = _balanceOf(token, account);
        try settlement.claim(account, token, cumulative, proof) returns (uint256 paid) {
            require(paid == cumulative - already, "claim paid other than cumulative - claimed");
            require(paid <= available, "claim paid beyond what was debited");
            require(_balanceOf(token, account) - before == paid, "claim transferred other than it reported");
            ghostClaimed[token] += paid;
            ++calls["claim"];
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            if (sel == IUsageSettlement.NothingToClaim.selector) {
                require(cumulative <= already, "NothingToClaim while something was owed");
            } else if (sel == IUsageSettlement.InsolventClaim.selector) {
                require(cumulative - already > available, "InsolventClaim while solvent");
            } else {
                revert("unexpected claim revert");
            }
            ++calls["claim refused"];
        }
    }

    /// @dev A relayer batch over the leaves of the current root, in a seeded rotation, each leaf listed once: usually
    /// only those that fit in what is still debited and unclaimed (so most batches pay), one batch in four every
    /// leaf (which must revert InsolventClaim as a whole when they do not fit).
    function claimMany(uint256 seed) external {
        (bytes32 root,) = settlement.currentRoot();
        if (root == bytes32(0)) return;
        (IUsageSettlement.Claim[] memory batch, uint256[2] memory due, bool solvent) = _batch(root, seed);
        try settlement.claimMany(batch) returns (uint256 totalPaid) {
            require(solvent, "claimMany paid beyond what was debited");
            require(totalPaid == due[0] + due[1], "claimMany paid other than what was due");
            for (uint256 k; k < batch.length; ++k) {
                require(settlement.claimed(batch[k].account, batch[k].token) == batch[k].cumulativeAmount, "unpaid");
            }
            ghostClaimed[address(usd)] += due[0];
            ghostClaimed[NATIVE] += due[1];
            ++calls["claimMany"];
        } catch (bytes memory err) {
            require(bytes4(err) == IUsageSettlement.InsolventClaim.selector && !solvent, "unexpected claimMany revert");
            ++calls["claimMany refused"];
        }
    }

    function _batch(bytes32 root, uint256 seed)
        internal
        view
        returns (IUsageSettlement.Claim[] memory batch, uint256[2] memory due, bool solvent)
    {
        uint256[NUM_LEAVES] memory amounts = amountsOf[root];
        bytes32[] memory tree = MerkleHelper.build(_leaves(amounts));
        batch = new IUsageSettlement.Claim[](NUM_LEAVES);
        uint256[2] memory available = [
            settlement.totalDebited(address(usd)) - settlement.totalClaimed(address(usd)),
            settlement.totalDebited(NATIVE) - settlement.totalClaimed(NATIVE)
        ];
        uint256 n;
        for (uint256 k; k < NUM_LEAVES; ++k) {
            uint256 i = (seed % NUM_LEAVES + k) % NUM_LEAVES;
            uint256 t = i / NUM_ACCOUNTS; // 0 = mUSD, 1 = ETH
            uint256 already = settlement.claimed(accountAt(i % NUM_ACCOUNTS), tokenOfLeaf(i));
            uint256 owed = amounts[i] > already ? amounts[i] - already : 0;
            if (seed % 4 != 0 && due[t] + owed > available[t]) continue;
            due[t] += owed;
            batch[n++] = IUsageSettlement.Claim(
                accountAt(i % NUM_ACCOUNTS),
                tokenOfLeaf(i),
                amounts[i],
                MerkleHelper.proof(tree, _leafHash(i, amounts[i]))
            );
        }
        assembly ("memory-safe") {
            mstore(batch, n)
        }
        solvent = due[0] <= available[0] && due[1] <= available[1];
    }

    function setRootDelay(bool on) external {
        // queued, then applied after the governance delay (rootDelay + withdrawalDelay)
        (,, uint64 validAt,) = settlement.pendingRoot();
        if (validAt != 0) vm.warp(validAt); // let a pending root mature first (the model tracks it as posted)
        bytes memory data = abi.encode(uint64(on ? 1 hours : 0));
        vm.prank(owner);
        (uint256 id, uint64 eta) = settlement.queueChange(IUsageSettlement.ChangeKind.RootDelay, data);
        vm.warp(eta);
        settlement.applyChange(id, IUsageSettlement.ChangeKind.RootDelay, data);
        ++calls["setRootDelay"];
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 2 hours));
        ++calls["warp"];
    }
}

contract UsageSettlementInvariantTest is Test {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    UsageSettlement internal settlement;
    MockStablecoin internal usd;
    SettlementHandler internal handler;
    address[] internal tokens;

    function setUp() public {
        address owner = makeAddr("owner");
        address guardian = makeAddr("guardian");
        address[] memory signers = new address[](3);
        uint256[] memory keys = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            (signers[i], keys[i]) = makeAddrAndKey(string.concat("oracle", vm.toString(i)));
        }
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && signers[j - 1] > signers[j]; --j) {
                (signers[j - 1], signers[j]) = (signers[j], signers[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
        settlement = new UsageSettlement(owner, guardian, signers, 2, 1 hours, 1 days);
        usd = new MockStablecoin();
        uint256[6] memory rates = [uint256(3_000_000), 0, 0, 0, 1_000_000, 0];
        uint256[] memory pids = new uint256[](4);
        vm.startPrank(owner);
        pids[0] = settlement.registerPlatform(makeAddr("payer1"), address(usd), rates);
        pids[1] = settlement.registerPlatform(makeAddr("payer2"), NATIVE, rates);
        pids[2] = settlement.registerPlatform(makeAddr("payer3"), address(usd), rates);
        pids[3] = settlement.registerPlatform(makeAddr("payer4"), NATIVE, rates);
        vm.stopPrank();
        handler = new SettlementHandler(settlement, usd, owner, guardian, keys, pids);
        tokens.push(address(usd));
        tokens.push(NATIVE);

        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = SettlementHandler.deposit.selector;
        selectors[1] = SettlementHandler.requestWithdrawal.selector;
        selectors[2] = SettlementHandler.withdraw.selector;
        selectors[3] = SettlementHandler.post.selector;
        selectors[4] = SettlementHandler.revoke.selector;
        selectors[5] = SettlementHandler.claim.selector;
        selectors[6] = SettlementHandler.setRootDelay.selector;
        selectors[7] = SettlementHandler.warp.selector;
        selectors[8] = SettlementHandler.claimMany.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function _balance(address token) internal view returns (uint256) {
        return token == NATIVE ? address(settlement).balance : usd.balanceOf(address(settlement));
    }

    function _sumEscrows(address token) internal view returns (uint256 sum) {
        for (uint256 i; i < 4; ++i) {
            IUsageSettlement.PlatformInfo memory p = settlement.platform(handler.pids(i));
            if (p.token == token) sum += p.escrow;
        }
    }

    /// @dev Across the settlement, what was claimed never exceeds what was debited, per token.
    function _checkClaimedNeverExceedsDebited() internal view {
        for (uint256 i; i < tokens.length; ++i) {
            address t = tokens[i];
            assertLe(settlement.totalClaimed(t), settlement.totalDebited(t));
            assertEq(settlement.totalClaimed(t), handler.ghostClaimed(t));
            assertLe(handler.ghostClaimed(t), handler.ghostDebited(t) - handler.ghostRefunded(t));
        }
    }

    /// @dev deposits - debits - withdrawals + refunds == sum of escrows == totalEscrow, per token.
    function _checkEscrowAccounting() internal view {
        for (uint256 i; i < tokens.length; ++i) {
            address t = tokens[i];
            uint256 expected = handler.ghostDeposited(t) + handler.ghostRefunded(t) - handler.ghostDebited(t)
                - handler.ghostWithdrawn(t);
            assertEq(_sumEscrows(t), expected);
            assertEq(settlement.totalEscrow(t), expected);
            assertEq(settlement.totalDebited(t), handler.ghostDebited(t) - handler.ghostRefunded(t));
        }
    }

    /// @dev The contract holds at least the escrows plus what was debited and not yet claimed (exactly, here, since
    /// nothing else sends it tokens).
    function _checkSolvency() internal view {
        for (uint256 i; i < tokens.length; ++i) {
            address t = tokens[i];
            uint256 owed = settlement.totalEscrow(t) + settlement.totalDebited(t) - settlement.totalClaimed(t);
            assertGe(_balance(t), owed);
            assertEq(_balance(t), owed);
        }
    }

    /// @dev Every claimed unit reached its account, and no account was ever paid more than its latest leaf (the
    /// leaf in the root claims verify against now; leaves only grow, so the accepted root's leaf is never larger).
    function _checkAccountsPaidAtMostTheirLatestLeaf() internal view {
        (bytes32 root,) = settlement.currentRoot();
        uint256 usdSum;
        uint256 ethSum;
        for (uint256 i; i < 3; ++i) {
            address a = handler.accountAt(i);
            usdSum += usd.balanceOf(a);
            ethSum += a.balance;
            assertEq(settlement.claimed(a, address(usd)), usd.balanceOf(a));
            assertEq(settlement.claimed(a, NATIVE), a.balance);
            assertLe(settlement.claimed(a, address(usd)), handler.leafAmount(root, i));
            assertLe(settlement.claimed(a, NATIVE), handler.leafAmount(root, i + 3));
        }
        assertEq(usdSum, handler.ghostClaimed(address(usd)));
        assertEq(ethSum, handler.ghostClaimed(NATIVE));
    }

    /// @dev One campaign checks every property after every call (cheaper than one campaign per property).
    /// forge-config: default.invariant.runs = 48
    function invariant_SolvencyAndAccounting() public view {
        _checkClaimedNeverExceedsDebited();
        _checkEscrowAccounting();
        _checkSolvency();
        _checkAccountsPaidAtMostTheirLatestLeaf();
    }

    function afterInvariant() external {
        string[11] memory names = [
            "post",
            "claim",
            "claim refused",
            "claimMany",
            "claimMany refused",
            "revoke",
            "revoke capped",
            "debit held back",
            "withdraw",
            "deposit",
            "requestWithdrawal"
        ];
        for (uint256 i; i < names.length; ++i) {
            emit log_named_uint(names[i], handler.calls(bytes32(bytes(names[i]))));
        }
    }
}
