// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @notice Gas of post (3 signers) and pull (16-element proof, i.e. a tree of ~65k tracks) as whole transactions:
/// 21,000 + calldata (4 gas per zero byte, 16 per non-zero byte) + the callee's execution gas from
/// `vm.lastCallGas()`, with the touched accounts cooled (`vm.cool`) so every storage access is priced cold as at
/// the start of a real transaction. State is prepared in setUp so SSTOREs are priced against the tx's original values.
contract UsageSettlementGasTest is SettlementBase {
    uint256 internal constant PROOF_LENGTH = 16;

    address internal split; // a real TrackSplit clone (receive() emits EthReceived)
    uint256[6] internal unitsUsd;
    uint256[6] internal unitsEth;
    bytes32[] internal proofUsd;
    bytes32[] internal proofEth;

    function setUp() public override {
        super.setUp();
        _makeSigners(3);
        address[] memory s = signerAddrs;
        vm.prank(owner);
        settlement.setSigners(s, 3);

        SplitFactory factory = new SplitFactory();
        address[] memory recipients = new address[](2);
        recipients[0] = address(0xB0B);
        recipients[1] = address(0xA11CE);
        uint256[] memory shares = new uint256[](2);
        shares[0] = 600_000;
        shares[1] = 400_000;
        split = factory.createSplit(recipients, shares, bytes32(uint256(1)));

        _fundUsd(1_000_000e6);
        _fundEth(100 ether);
        unitsUsd = [uint256(3_000_000_000), 10_000_000, 0, 0, 1_250_000, 0];
        unitsEth = [uint256(5_000_000_000), 0, 0, 2_000_000, 0, 0];

        // epoch 1: the split has pulled before (non-zero pulled and non-zero token balance), as in steady state
        _postDeep(1, 100e6, 1 ether);
        settlement.pull(split, address(usd), 100e6, unitsUsd, proofUsd);
        settlement.pull(split, NATIVE, 1 ether, unitsEth, proofEth);
        // epoch 2: cumulative totals grew
        _postDeep(2, 250e6, 2.5 ether);
    }

    /// @dev Posts a root over which (split, usd, amountUsd) and (split, ETH, amountEth) have 16-element proofs: the
    /// two leaves are siblings and 15 more levels of pseudo-random siblings lead to the root.
    function _postDeep(uint64 epoch, uint256 amountUsd, uint256 amountEth) internal {
        bytes32 leafUsd = MerkleHelper.settlementLeaf(split, address(usd), amountUsd, unitsUsd);
        bytes32 leafEth = MerkleHelper.settlementLeaf(split, NATIVE, amountEth, unitsEth);
        delete proofUsd;
        delete proofEth;
        proofUsd.push(leafEth);
        proofEth.push(leafUsd);
        for (uint256 i = 1; i < PROOF_LENGTH; ++i) {
            bytes32 sibling = keccak256(abi.encode("sibling", epoch, i));
            proofUsd.push(sibling);
            proofEth.push(sibling);
        }
        bytes32 root = MerkleProof.processProof(proofUsd, leafUsd);
        assertEq(MerkleProof.processProof(proofEth, leafEth), root);
        uint256 prevUsd = settlement.totalDebited(address(usd));
        uint256 prevEth = settlement.totalDebited(NATIVE);
        _post(_report(epoch, root, _debits2(pidUsd, amountUsd - prevUsd, pidEth, amountEth - prevEth)));
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    function _cool() internal {
        vm.cool(address(settlement));
        vm.cool(address(usd));
        vm.cool(split);
    }

    /// @dev Whole-transaction gas of the last call made with `data`.
    function _txGas(bytes memory data) internal view returns (uint256) {
        return 21_000 + _calldataGas(data) + vm.lastCallGas().gasTotalUsed;
    }

    function test_gas_pull_erc20() public {
        bytes memory data = abi.encodeCall(IUsageSettlement.pull, (split, address(usd), 250e6, unitsUsd, proofUsd));
        _cool();
        uint256 paid = settlement.pull(split, address(usd), 250e6, unitsUsd, proofUsd);
        uint256 txGas = _txGas(data);
        assertEq(paid, 150e6);
        emit log_named_uint("pull ERC-20, 16-element proof, whole tx gas", txGas);
        assertLt(txGas, 80_000);
    }

    function test_gas_pull_eth() public {
        bytes memory data = abi.encodeCall(IUsageSettlement.pull, (split, NATIVE, 2.5 ether, unitsEth, proofEth));
        _cool();
        uint256 paid = settlement.pull(split, NATIVE, 2.5 ether, unitsEth, proofEth);
        uint256 txGas = _txGas(data);
        assertEq(paid, 1.5 ether);
        emit log_named_uint("pull ETH, 16-element proof, whole tx gas", txGas);
        assertLt(txGas, 80_000);
    }

    /// @dev Worst case: the split's first pull of a token it holds none of (two zero-to-non-zero writes).
    function test_gas_pull_erc20_firstPullFreshSplit() public {
        address fresh = address(0xF2E5);
        uint256[6] memory u = unitsUsd;
        bytes32 leaf = MerkleHelper.settlementLeaf(fresh, address(usd), 1e6, u);
        bytes32[] memory proof = new bytes32[](PROOF_LENGTH);
        for (uint256 i; i < PROOF_LENGTH; ++i) {
            proof[i] = keccak256(abi.encode("fresh", i));
        }
        vm.warp(block.timestamp + 1);
        _post(_report(3, MerkleProof.processProof(proof, leaf), _debits1(pidUsd, 1e6)));
        bytes memory data = abi.encodeCall(IUsageSettlement.pull, (fresh, address(usd), 1e6, u, proof));
        _cool();
        vm.cool(fresh);
        settlement.pull(fresh, address(usd), 1e6, u, proof);
        uint256 txGas = _txGas(data);
        emit log_named_uint("pull ERC-20 first pull to an empty split, whole tx gas", txGas);
        assertLt(txGas, 125_000);
    }

    /// @dev O(1) in tracks: posting the root of a 10-track tree costs exactly what posting any other root costs
    /// (the root of a 1,000,000-track tree is just another 32 bytes).
    function test_gas_post_sameForAnyNumberOfTracks() public {
        address[] memory splits = new address[](10);
        address[] memory tokens = new address[](10);
        uint256[] memory amounts = new uint256[](10);
        for (uint256 i; i < 10; ++i) {
            (splits[i], tokens[i], amounts[i]) = (address(uint160(0x7000 + i)), address(usd), 1000 * (i + 1));
        }
        (bytes32[] memory tree,) = _tree(splits, tokens, amounts);
        bytes32 smallRoot = MerkleHelper.root(tree);
        bytes32 bigRoot = keccak256("root of a 1,000,000-track tree");

        uint256 snap = vm.snapshotState();
        IUsageSettlement.Report memory r = _report(3, smallRoot, _debits1(pidUsd, 55_000));
        bytes[] memory sigs = _sigs(_digest(r), 3);
        vm.cool(address(settlement));
        settlement.post(r, sigs);
        uint256 small = vm.lastCallGas().gasTotalUsed;

        vm.revertToState(snap);
        r = _report(3, bigRoot, _debits1(pidUsd, 55_000));
        sigs = _sigs(_digest(r), 3);
        vm.cool(address(settlement));
        settlement.post(r, sigs);
        uint256 big = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("post execution gas, 10-track root", small);
        emit log_named_uint("post execution gas, 1,000,000-track root", big);
        // only the 32-byte root differs (ecrecover costs a flat 3,000 per signature): identical gas
        assertEq(small, big);
    }

    /// @dev post with 3 signatures and 2 platform debits; the same for any number of tracks (only the root is stored).
    function test_gas_post_3signers() public {
        IUsageSettlement.Report memory r =
            _report(3, keccak256("root of 1,000,000 tracks"), _debits2(pidUsd, 5e6, pidEth, 0.1 ether));
        bytes[] memory sigs = _sigs(_digest(r), 3);
        bytes memory data = abi.encodeCall(IUsageSettlement.post, (r, sigs));
        vm.cool(address(settlement));
        settlement.post(r, sigs);
        uint256 txGas = _txGas(data);
        emit log_named_uint("post, 3 signatures, 2 debits, whole tx gas", txGas);
        assertLt(txGas, 183_000); // Chainlink Data Streams verify ~183k for 11 signatures
    }
}
