// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {UsageSettlement} from "../../src/UsageSettlement.sol";
import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {MockStablecoin} from "../../src/MockStablecoin.sol";
import {MerkleHelper} from "./MerkleHelper.sol";

/// @notice Shared fixture: a settlement with 3 oracle signers (threshold 2), a mUSD platform and an ETH platform.
/// EIP-712 digests are built here by hand from the type strings, independently of the contract.
abstract contract SettlementBase is Test {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant DEBIT_TH = keccak256("Debit(uint256 platformId,uint256 amount)");
    bytes32 internal constant REPORT_TH = keccak256(
        "Report(uint64 epoch,uint32 configVersion,bytes32 root,bytes32 dataHash,Debit[] debits)Debit(uint256 platformId,uint256 amount)"
    );
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    UsageSettlement internal settlement;
    MockStablecoin internal usd;

    address internal owner = makeAddr("owner");
    address internal guardian = makeAddr("guardian");
    address internal payerUsd = makeAddr("payerUsd");
    address internal payerEth = makeAddr("payerEth");

    address[] internal signerAddrs; // ascending
    uint256[] internal signerKeys; // same order

    uint256 internal pidUsd;
    uint256 internal pidEth;
    uint256[6] internal rates = [uint256(3_000_000), 1_000_000_000, 500_000, 0, 2_000_000, 4_000_000];

    uint64 internal constant WITHDRAWAL_DELAY = 3 days;

    function setUp() public virtual {
        _makeSigners(3);
        address[] memory s = signerAddrs;
        settlement = new UsageSettlement(owner, guardian, s, 2, 0, WITHDRAWAL_DELAY);
        usd = new MockStablecoin();
        vm.startPrank(owner);
        pidUsd = settlement.registerPlatform(payerUsd, address(usd), rates);
        pidEth = settlement.registerPlatform(payerEth, NATIVE, rates);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ signers

    function _makeSigners(uint256 n) internal {
        delete signerAddrs;
        delete signerKeys;
        for (uint256 i; i < n; ++i) {
            (address a, uint256 k) = makeAddrAndKey(string.concat("oracle", vm.toString(i)));
            signerAddrs.push(a);
            signerKeys.push(k);
        }
        // insertion sort ascending by address
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && signerAddrs[j - 1] > signerAddrs[j]; --j) {
                (signerAddrs[j - 1], signerAddrs[j]) = (signerAddrs[j], signerAddrs[j - 1]);
                (signerKeys[j - 1], signerKeys[j]) = (signerKeys[j], signerKeys[j - 1]);
            }
        }
    }

    // ------------------------------------------------------------------ EIP-712 by hand

    function _domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("UsageSettlement"), keccak256("1"), chainId, verifyingContract)
        );
    }

    function _debitsHash(IUsageSettlement.Debit[] memory debits) internal pure returns (bytes32) {
        bytes memory packed;
        for (uint256 i; i < debits.length; ++i) {
            packed = bytes.concat(packed, keccak256(abi.encode(DEBIT_TH, debits[i].platformId, debits[i].amount)));
        }
        return keccak256(packed);
    }

    function _structHash(IUsageSettlement.Report memory r) internal pure returns (bytes32) {
        return keccak256(abi.encode(REPORT_TH, r.epoch, r.configVersion, r.root, r.dataHash, _debitsHash(r.debits)));
    }

    function _digest(IUsageSettlement.Report memory r, uint256 chainId, address verifyingContract)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(chainId, verifyingContract), _structHash(r)));
    }

    function _digest(IUsageSettlement.Report memory r) internal view returns (bytes32) {
        return _digest(r, block.chainid, address(settlement));
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of the first `k` signers (ascending), over `digest`.
    function _sigs(bytes32 digest, uint256 k) internal view returns (bytes[] memory sigs) {
        sigs = new bytes[](k);
        for (uint256 i; i < k; ++i) {
            sigs[i] = _sig(signerKeys[i], digest);
        }
    }

    // ------------------------------------------------------------------ reports

    function _report(uint64 epoch, bytes32 root, IUsageSettlement.Debit[] memory debits)
        internal
        view
        returns (IUsageSettlement.Report memory r)
    {
        r = IUsageSettlement.Report({
            epoch: epoch,
            configVersion: settlement.configVersion(),
            root: root,
            dataHash: keccak256(abi.encode("data", epoch)),
            debits: debits
        });
    }

    function _debits1(uint256 pid, uint256 amount) internal pure returns (IUsageSettlement.Debit[] memory d) {
        d = new IUsageSettlement.Debit[](1);
        d[0] = IUsageSettlement.Debit(pid, amount);
    }

    function _debits2(uint256 pidA, uint256 a, uint256 pidB, uint256 b)
        internal
        pure
        returns (IUsageSettlement.Debit[] memory d)
    {
        d = new IUsageSettlement.Debit[](2);
        d[0] = IUsageSettlement.Debit(pidA, a);
        d[1] = IUsageSettlement.Debit(pidB, b);
    }

    function _noDebits() internal pure returns (IUsageSettlement.Debit[] memory d) {
        d = new IUsageSettlement.Debit[](0);
    }

    /// @dev Signs `r` with the first `threshold` signers and posts it.
    function _post(IUsageSettlement.Report memory r) internal {
        settlement.post(r, _sigs(_digest(r), settlement.threshold()));
    }

    // ------------------------------------------------------------------ governance

    /// @dev Queues a change as the owner, waits out the governance delay and applies it.
    function _govern(IUsageSettlement.ChangeKind kind, bytes memory data) internal {
        vm.prank(owner);
        (uint256 id, uint64 eta) = settlement.queueChange(kind, data);
        if (block.timestamp < eta) vm.warp(eta);
        settlement.applyChange(id, kind, data);
    }

    function _setSigners(address[] memory s, uint8 threshold) internal {
        _govern(IUsageSettlement.ChangeKind.Signers, abi.encode(s, threshold));
    }

    function _setRootDelay(uint64 delay) internal {
        _govern(IUsageSettlement.ChangeKind.RootDelay, abi.encode(delay));
    }

    // ------------------------------------------------------------------ escrow

    function _fundUsd(uint256 amount) internal {
        usd.mint(payerUsd, amount);
        vm.startPrank(payerUsd);
        usd.approve(address(settlement), amount);
        settlement.deposit(pidUsd, amount);
        vm.stopPrank();
    }

    function _fundEth(uint256 amount) internal {
        vm.deal(payerEth, amount);
        vm.prank(payerEth);
        settlement.deposit{value: amount}(pidEth, amount);
    }

    // ------------------------------------------------------------------ trees

    /// @dev A tree over the leaves (accounts[i], tokens[i], amounts[i]); returns the flat tree and the leaves.
    function _tree(address[] memory accounts, address[] memory tokens, uint256[] memory amounts)
        internal
        pure
        returns (bytes32[] memory tree, bytes32[] memory leaves)
    {
        leaves = new bytes32[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            leaves[i] = MerkleHelper.accountLeaf(accounts[i], tokens[i], amounts[i]);
        }
        tree = MerkleHelper.build(leaves);
    }
}
