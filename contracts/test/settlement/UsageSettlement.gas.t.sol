// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IUsageSettlement} from "../../src/interfaces/IUsageSettlement.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @notice Gas of post (3 signers) and claim (16-element proof, i.e. a tree of ~65k account leaves) as whole
/// transactions: 21,000 + calldata (4 gas per zero byte, 16 per non-zero byte) + the callee's execution gas from
/// `vm.lastCallGas()`, with the touched accounts cooled (`vm.cool`) so every storage access is priced cold as at
/// the start of a real transaction. State is prepared in setUp so SSTOREs are priced against the tx's original values.
contract UsageSettlementGasTest is SettlementBase {
    uint256 internal constant PROOF_LENGTH = 16;
    uint256 internal constant BATCH = 10;

    address internal account = address(0xA11CE); // claimed before (steady state)
    bytes32[] internal proofUsd;
    bytes32[] internal proofEth;
    address[BATCH] internal batchAccounts;
    bytes32[][BATCH] internal batchProofs;

    function setUp() public override {
        super.setUp();
        _makeSigners(3);
        address[] memory s = signerAddrs;
        _setSigners(s, 3);

        _fundUsd(1_000_000e6);
        _fundEth(100 ether);
        for (uint256 i; i < BATCH; ++i) {
            batchAccounts[i] = address(uint160(0xB000 + i));
        }
        // epoch 1: every account has claimed before (non-zero claimed and non-zero token balance), as in steady state
        _postDeep(1, 100e6, 1 ether);
        settlement.claim(account, address(usd), 100e6, proofUsd);
        settlement.claim(account, NATIVE, 1 ether, proofEth);
        for (uint256 i; i < BATCH; ++i) {
            settlement.claim(batchAccounts[i], address(usd), 100e6, batchProofs[i]);
        }
        // epoch 2: cumulative totals grew
        _postDeep(2, 250e6, 2.5 ether);
    }

    /// @dev Posts a root in which `account`'s two leaves and the batch accounts' mUSD leaves all have 16-element
    /// proofs: 12 leaves at the bottom of a 16-level path of pseudo-random siblings.
    function _postDeep(uint64 epoch, uint256 amountUsd, uint256 amountEth) internal {
        bytes32[] memory leaves = new bytes32[](16);
        leaves[0] = MerkleHelper.accountLeaf(account, address(usd), amountUsd);
        leaves[1] = MerkleHelper.accountLeaf(account, NATIVE, amountEth);
        for (uint256 i; i < BATCH; ++i) {
            leaves[2 + i] = MerkleHelper.accountLeaf(batchAccounts[i], address(usd), amountUsd);
        }
        for (uint256 i = 2 + BATCH; i < 16; ++i) {
            leaves[i] = keccak256(abi.encode("filler", epoch, i));
        }
        // a complete subtree of 16 leaves (4 levels) under 12 more levels of siblings: every proof has 16 elements
        bytes32[] memory tree = MerkleHelper.build(leaves);
        bytes32[] memory upper = new bytes32[](PROOF_LENGTH - 4);
        for (uint256 i; i < upper.length; ++i) {
            upper[i] = keccak256(abi.encode("sibling", epoch, i));
        }
        proofUsd = _extend(MerkleHelper.proof(tree, leaves[0]), upper);
        proofEth = _extend(MerkleHelper.proof(tree, leaves[1]), upper);
        for (uint256 i; i < BATCH; ++i) {
            batchProofs[i] = _extend(MerkleHelper.proof(tree, leaves[2 + i]), upper);
        }
        bytes32 root = MerkleProof.processProof(proofUsd, leaves[0]);
        assertEq(proofUsd.length, PROOF_LENGTH);
        assertEq(MerkleProof.processProof(proofEth, leaves[1]), root);
        _postDebiting(epoch, root, amountUsd * (1 + BATCH), amountEth);
    }

    /// @dev Posts `root`, debiting what brings the totals debited to `usdTotal` and `ethTotal`.
    function _postDebiting(uint64 epoch, bytes32 root, uint256 usdTotal, uint256 ethTotal) internal {
        uint256 usdDebit = usdTotal - settlement.totalDebited(address(usd));
        uint256 ethDebit = ethTotal - settlement.totalDebited(NATIVE);
        _post(_report(epoch, root, _debits2(pidUsd, usdDebit, pidEth, ethDebit)));
    }

    function _extend(bytes32[] memory lower, bytes32[] memory upper) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](lower.length + upper.length);
        for (uint256 i; i < lower.length; ++i) {
            p[i] = lower[i];
        }
        for (uint256 i; i < upper.length; ++i) {
            p[lower.length + i] = upper[i];
        }
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    function _cool() internal {
        vm.cool(address(settlement));
        vm.cool(address(usd));
        vm.cool(account);
        for (uint256 i; i < BATCH; ++i) {
            vm.cool(batchAccounts[i]);
        }
    }

    /// @dev Whole-transaction gas of the last call made with `data`.
    function _txGas(bytes memory data) internal view returns (uint256) {
        return 21_000 + _calldataGas(data) + vm.lastCallGas().gasTotalUsed;
    }

    function test_gas_claim_erc20_repeat() public {
        bytes memory data = abi.encodeCall(IUsageSettlement.claim, (account, address(usd), 250e6, proofUsd));
        _cool();
        uint256 paid = settlement.claim(account, address(usd), 250e6, proofUsd);
        uint256 txGas = _txGas(data);
        assertEq(paid, 150e6);
        emit log_named_uint("claim ERC-20, 16-element proof, whole tx gas", txGas);
        // Goal 60,000 (issue 8), NOT met: measured 64,259 at 16 proof levels. What no code here can avoid adds up to
        // 60,841 already: 21,000 base + 9,208 calldata (512 bytes of proof) + the token's own transfer (12,739, plus
        // 2,600 for its cold account) + 3 cold slots (root, claimed, per-token totals: 2,100 each) + 2 writes (claimed,
        // totals: 2,900 each) + the Claimed event (2,012) + 18 proof and leaf hashes and 3 slot hashes (882) + the
        // transient reentrancy lock (300). The rest (~3,400) is dispatch, ABI decoding and the proof loop's
        // arithmetic. The cap below guards against regressions.
        assertLe(txGas, 64_500);
    }

    function test_gas_claim_eth_repeat() public {
        bytes memory data = abi.encodeCall(IUsageSettlement.claim, (account, NATIVE, 2.5 ether, proofEth));
        _cool();
        uint256 paid = settlement.claim(account, NATIVE, 2.5 ether, proofEth);
        uint256 txGas = _txGas(data);
        assertEq(paid, 1.5 ether);
        emit log_named_uint("claim ETH, 16-element proof, whole tx gas", txGas);
        assertLe(txGas, 60_000);
    }

    /// @dev The account's first claim (a zero-to-non-zero claimed slot); `holdsToken` chooses whether its wallet
    /// already holds the token (the token's balance write is then non-zero to non-zero, 17,100 gas less).
    function _claimFirst(bool holdsToken) internal returns (uint256 txGas) {
        address fresh = address(0xF2E5);
        if (holdsToken) usd.mint(fresh, 1);
        bytes32 leaf = MerkleHelper.accountLeaf(fresh, address(usd), 1e6);
        bytes32[] memory proof = new bytes32[](PROOF_LENGTH);
        for (uint256 i; i < PROOF_LENGTH; ++i) {
            proof[i] = keccak256(abi.encode("fresh", i));
        }
        vm.warp(block.timestamp + 1);
        _post(_report(3, MerkleProof.processProof(proof, leaf), _debits1(pidUsd, 1e6)));
        bytes memory data = abi.encodeCall(IUsageSettlement.claim, (fresh, address(usd), 1e6, proof));
        _cool();
        vm.cool(fresh);
        settlement.claim(fresh, address(usd), 1e6, proof);
        txGas = _txGas(data);
    }

    /// @dev Goal 90,000 (issue 8), NOT met: measured 98,423. Over the repeat claim's unavoidable 60,841 (see above),
    /// the first claim adds two zero-to-non-zero writes of 17,100 each: this contract's claimed slot and the token's
    /// balance of a wallet that never held it, so 95,041 is the floor of this case whatever the code.
    function test_gas_claim_erc20_first_emptyWallet() public {
        uint256 txGas = _claimFirst(false);
        emit log_named_uint("claim ERC-20, first claim, wallet holds none of the token, whole tx gas", txGas);
        assertLe(txGas, 98_800);
    }

    function test_gas_claim_erc20_first_walletHoldsToken() public {
        uint256 txGas = _claimFirst(true);
        emit log_named_uint("claim ERC-20, first claim, wallet already holds the token, whole tx gas", txGas);
        assertLe(txGas, 90_000);
    }

    /// @dev A relayer batch: 10 accounts (each claimed before) in one claimMany.
    function test_gas_claimMany_10_accounts() public {
        IUsageSettlement.Claim[] memory batch = new IUsageSettlement.Claim[](BATCH);
        for (uint256 i; i < BATCH; ++i) {
            batch[i] = IUsageSettlement.Claim(batchAccounts[i], address(usd), 250e6, batchProofs[i]);
        }
        bytes memory data = abi.encodeCall(IUsageSettlement.claimMany, (batch));
        _cool();
        uint256 paid = settlement.claimMany(batch);
        uint256 txGas = _txGas(data);
        assertEq(paid, 150e6 * BATCH);
        emit log_named_uint("claimMany, 10 accounts, 16-element proofs, whole tx gas", txGas);
        emit log_named_uint("claimMany, 10 accounts, per account", txGas / BATCH);
        assertLe(txGas / BATCH, 45_000);
    }

    /// @dev O(1) in tracks: posting the root of a 10-track tree costs exactly what posting any other root costs
    /// (the root of a 1,000,000-track tree is just another 32 bytes).
    function test_gas_post_sameForAnyNumberOfTracks() public {
        address[] memory accounts = new address[](10);
        address[] memory tokens = new address[](10);
        uint256[] memory amounts = new uint256[](10);
        for (uint256 i; i < 10; ++i) {
            (accounts[i], tokens[i], amounts[i]) = (address(uint160(0x7000 + i)), address(usd), 1000 * (i + 1));
        }
        (bytes32[] memory tree,) = _tree(accounts, tokens, amounts);
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
