// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {TrackEditions} from "../../src/TrackEditions.sol";
import {ITrackEditions} from "../../src/interfaces/ITrackEditions.sol";
import {ITrackRegistry} from "../../src/interfaces/ITrackRegistry.sol";
import {TrackRegistry} from "../../src/TrackRegistry.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {MockStablecoin} from "../../src/MockStablecoin.sol";

/// @notice Whole-transaction gas of purchase: 21,000 + calldata + the callee's execution gas (`vm.lastCallGas()`),
/// with the touched accounts cooled. Editions are created (and the steady-state purchases made) in setUp so that
/// storage writes are priced against the transaction's original values.
contract TrackEditionsGasTest is Test {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    TrackEditions internal editions;
    MockStablecoin internal usd;
    address internal split;
    address internal controller = makeAddr("controller");
    address internal buyer = makeAddr("buyer");
    address internal newBuyer = makeAddr("newBuyer");
    uint256 internal ethEdition;
    uint256 internal usdEdition;

    function setUp() public {
        SplitFactory factory = new SplitFactory();
        TrackRegistry registry = new TrackRegistry(ISplitFactory(address(factory)), address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        editions = new TrackEditions(address(this), ITrackRegistry(address(registry)), "ipfs://{id}");
        usd = new MockStablecoin();
        address[] memory recipients = new address[](2);
        recipients[0] = address(0x0B0B);
        recipients[1] = address(0xA11CE);
        uint256[] memory shares = new uint256[](2);
        shares[0] = 300_000;
        shares[1] = 700_000;
        (uint256 trackId, address split_) = registry.registerTrack(controller, recipients, shares, 4, 0, bytes32(0), bytes32(0), false);
        split = split_;
        vm.startPrank(controller);
        ethEdition = editions.createEdition(trackId, NATIVE, 0.01 ether, 1000, 0, 0, 0, 500);
        usdEdition = editions.createEdition(trackId, address(usd), 5_000_000, 1000, 0, 0, 0, 500);
        vm.stopPrank();

        // steady state: the buyer and the split already hold some of each
        vm.deal(buyer, 1 ether);
        usd.mint(buyer, 100_000_000);
        vm.startPrank(buyer);
        usd.approve(address(editions), type(uint256).max);
        editions.purchase{value: 0.01 ether}(ethEdition, 1);
        editions.purchase(usdEdition, 1);
        vm.stopPrank();
        vm.deal(newBuyer, 1 ether);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 g) {
        for (uint256 i; i < data.length; ++i) {
            g += data[i] == 0 ? 4 : 16;
        }
    }

    function _txGas(uint256 id) internal view returns (uint256) {
        return 21_000 + _calldataGas(abi.encodeCall(ITrackEditions.purchase, (id, 1))) + vm.lastCallGas().gasTotalUsed;
    }

    function _cool() internal {
        vm.cool(address(editions));
        vm.cool(address(usd));
        vm.cool(split);
    }

    function test_gas_purchase_eth() public {
        _cool();
        vm.prank(buyer);
        editions.purchase{value: 0.01 ether}(ethEdition, 1);
        uint256 txGas = _txGas(ethEdition);
        emit log_named_uint("purchase ETH edition, whole tx gas", txGas);
        assertEq(editions.balanceOf(buyer, ethEdition), 2);
        assertLt(txGas, 70_000);
    }

    function test_gas_purchase_eth_firstPurchase() public {
        _cool();
        vm.prank(newBuyer);
        editions.purchase{value: 0.01 ether}(ethEdition, 1);
        uint256 txGas = _txGas(ethEdition);
        emit log_named_uint("purchase ETH edition, buyer's first token, whole tx gas", txGas);
        assertLt(txGas, 90_000);
    }

    function test_gas_purchase_erc20() public {
        _cool();
        vm.prank(buyer);
        editions.purchase(usdEdition, 1);
        uint256 txGas = _txGas(usdEdition);
        emit log_named_uint("purchase ERC-20 edition, whole tx gas", txGas);
        assertEq(usd.balanceOf(split), 10_000_000);
        assertLt(txGas, 80_000);
    }
}
