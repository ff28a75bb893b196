// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {UsageSettlement} from "../../src/UsageSettlement.sol";

/// @notice Differential test: the settlement's assembly proof processing equals OpenZeppelin's MerkleProof.
contract UsageSettlementProofTest is Test {
    UsageSettlement internal settlement;

    function setUp() public {
        address[] memory signers = new address[](1);
        signers[0] = address(0x5167);
        settlement = new UsageSettlement(address(this), address(0), signers, 1, 0, 0);
    }

    function testFuzz_ProcessProofMatchesOpenZeppelin(bytes32 leaf, bytes32[] calldata proof) public view {
        assertEq(settlement.processProof(proof, leaf), MerkleProof.processProofCalldata(proof, leaf));
    }

    /// @dev Equal siblings and the all-zero / all-one words: the sorted-pair order is the same either way.
    function test_ProcessProofEdgeWords() public view {
        bytes32[] memory proof = new bytes32[](4);
        proof[0] = bytes32(0);
        proof[1] = bytes32(type(uint256).max);
        proof[2] = keccak256("x");
        proof[3] = keccak256("x");
        bytes32 leaf = keccak256("x");
        assertEq(settlement.processProof(proof, leaf), MerkleProof.processProof(proof, leaf));
        assertEq(settlement.processProof(new bytes32[](0), leaf), leaf);
    }
}
