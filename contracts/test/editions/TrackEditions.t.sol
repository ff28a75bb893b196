// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC20Errors, IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {TrackEditions} from "../../src/TrackEditions.sol";
import {ITrackEditions} from "../../src/interfaces/ITrackEditions.sol";
import {ITrackRegistry} from "../../src/interfaces/ITrackRegistry.sol";
import {ITrackSplit} from "../../src/interfaces/ITrackSplit.sol";
import {TrackRegistry} from "../../src/TrackRegistry.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {MockStablecoin} from "../../src/MockStablecoin.sol";

/// @dev A registry stand-in used only where the real one cannot produce the case (a split that refuses ETH).
contract RejectingSplitRegistry {
    address public immutable controller;

    constructor(address controller_) {
        controller = controller_;
    }

    function track(uint256) external view returns (ITrackRegistry.TrackInfo memory t) {
        t.split = address(this); // this contract has no receive(): ETH to it fails
        t.controller = controller;
        t.tier = 1;
    }
}

/// @dev A buyer contract that tries to buy again from inside onERC1155Received.
contract ReentrantBuyer is IERC1155Receiver {
    TrackEditions internal immutable editions;
    bool internal entered;

    constructor(TrackEditions editions_) {
        editions = editions_;
    }

    function buy(uint256 id) external payable {
        editions.purchase{value: msg.value}(id, 1);
    }

    function onERC1155Received(address, address, uint256 id, uint256, bytes calldata) external returns (bytes4) {
        if (!entered) {
            entered = true;
            editions.purchase{value: 0}(id, 1);
        }
        return this.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        return this.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == type(IERC1155Receiver).interfaceId;
    }
}

contract TrackEditionsTest is Test {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    SplitFactory internal factory;
    TrackRegistry internal registry;
    TrackEditions internal editions;
    MockStablecoin internal usd;

    address internal admin = makeAddr("admin");
    address internal minter = makeAddr("minter");
    address internal controller = makeAddr("controller");
    address internal buyer = makeAddr("buyer");
    address internal artist = address(0xA11CE); // > producer: recipients ascending
    address internal producer = address(0x0B0B);

    uint256 internal trackId;
    address internal split;
    uint64 internal start;

    function setUp() public {
        vm.warp(1_700_000_000);
        factory = new SplitFactory();
        registry = new TrackRegistry(ISplitFactory(address(factory)), address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        editions = new TrackEditions(admin, ITrackRegistry(address(registry)), "https://example.org/editions/{id}.json");
        usd = new MockStablecoin();
        bytes32 minterRole = editions.MINTER_ROLE();
        vm.prank(admin);
        editions.grantRole(minterRole, minter);

        address[] memory recipients = new address[](2);
        recipients[0] = producer;
        recipients[1] = artist;
        uint256[] memory shares = new uint256[](2);
        shares[0] = 300_000;
        shares[1] = 700_000;
        (trackId, split) = registry.registerTrack(controller, recipients, shares, 4, 0, keccak256("meta"), bytes32(0), false);
        start = uint64(block.timestamp);
    }

    function _create(address token, uint256 price, uint256 maxSupply, uint256 cap) internal returns (uint256 id) {
        vm.prank(controller);
        id = editions.createEdition(trackId, token, price, maxSupply, start, start + 7 days, cap, 500);
    }

    function _buyEth(uint256 id, uint256 quantity, uint256 value) internal {
        vm.deal(buyer, value);
        vm.prank(buyer);
        editions.purchase{value: value}(id, quantity);
    }

    function _buyUsd(uint256 id, uint256 quantity, uint256 amount) internal {
        usd.mint(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(editions), amount);
        editions.purchase(id, quantity);
        vm.stopPrank();
    }

    // ================================================================== creation

    function test_CreateEdition() public {
        vm.expectEmit(address(editions));
        emit ITrackEditions.EditionCreated(1, trackId, split, NATIVE, 0.01 ether, 100, start, start + 7 days, 5, 500);
        uint256 id = _create(NATIVE, 0.01 ether, 100, 5);
        assertEq(id, 1);
        assertEq(editions.editionCount(), 1);
        ITrackEditions.Edition memory e = editions.edition(id);
        assertEq(e.trackId, trackId);
        assertEq(e.split, split);
        assertEq(e.token, NATIVE);
        assertEq(e.price, 0.01 ether);
        assertEq(e.maxSupply, 100);
        assertEq(e.minted, 0);
        assertEq(e.saleStart, start);
        assertEq(e.saleEnd, start + 7 days);
        assertEq(e.perWalletCap, 5);
        assertEq(e.royaltyBps, 500);
        assertEq(editions.remaining(id), 100);
        assertEq(editions.registry(), address(registry));
    }

    function test_RevertWhen_CreateEditionUnknownTrack() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackRegistry.UnknownTrack.selector, 99));
        vm.prank(controller);
        editions.createEdition(99, NATIVE, 1, 1, 0, 0, 0, 0);
    }

    function test_RevertWhen_CreateEditionNotController() public {
        vm.expectRevert(
            abi.encodeWithSelector(ITrackEditions.NotTrackController.selector, trackId, address(this), controller)
        );
        editions.createEdition(trackId, NATIVE, 1, 1, 0, 0, 0, 0);
    }

    function test_CreateEditionFollowsControlTransfer() public {
        address next = makeAddr("label");
        vm.prank(controller);
        registry.transferControl(trackId, next);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.NotTrackController.selector, trackId, controller, next));
        vm.prank(controller);
        editions.createEdition(trackId, NATIVE, 1, 1, 0, 0, 0, 0);
        vm.prank(next);
        assertEq(editions.createEdition(trackId, NATIVE, 1, 1, 0, 0, 0, 0), 1);
    }

    function test_RevertWhen_CreateEditionTokenNotContract() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.InvalidToken.selector, address(0x1234)));
        vm.prank(controller);
        editions.createEdition(trackId, address(0x1234), 1, 1, 0, 0, 0, 0);
    }

    function test_RevertWhen_CreateEditionZeroMaxSupply() public {
        vm.expectRevert(ITrackEditions.ZeroMaxSupply.selector);
        vm.prank(controller);
        editions.createEdition(trackId, NATIVE, 1, 0, 0, 0, 0, 0);
    }

    function test_RevertWhen_CreateEditionMaxSupplyTooLarge() public {
        uint256 tooMany = uint256(type(uint128).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.MaxSupplyTooLarge.selector, tooMany));
        vm.prank(controller);
        editions.createEdition(trackId, NATIVE, 1, tooMany, 0, 0, 0, 0);
    }

    function test_RevertWhen_CreateEditionSaleEndsBeforeStart() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.InvalidSaleWindow.selector, 100, 99));
        vm.prank(controller);
        editions.createEdition(trackId, NATIVE, 1, 1, 100, 99, 0, 0);
    }

    function test_RevertWhen_CreateEditionRoyaltyTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.RoyaltyTooHigh.selector, 10_001, 10_000));
        vm.prank(controller);
        editions.createEdition(trackId, NATIVE, 1, 1, 0, 0, 0, 10_001);
    }

    function test_RevertWhen_ConstructorRegistryNotContract() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.InvalidRegistry.selector, address(0x1234)));
        new TrackEditions(admin, ITrackRegistry(address(0x1234)), "");
    }

    // ================================================================== purchase

    function test_PurchaseEthForwardsToSplit() public {
        uint256 id = _create(NATIVE, 0.01 ether, 100, 5);
        vm.expectEmit(address(editions));
        emit ITrackEditions.EditionPurchased(id, buyer, 3, NATIVE, 0.03 ether);
        _buyEth(id, 3, 0.03 ether);
        assertEq(editions.balanceOf(buyer, id), 3);
        assertEq(split.balance, 0.03 ether);
        assertEq(address(editions).balance, 0);
        assertEq(editions.minted(id), 3);
        assertEq(editions.remaining(id), 97);
        assertEq(editions.purchasedBy(id, buyer), 3);
    }

    function test_PurchaseErc20ForwardsToSplit() public {
        uint256 id = _create(address(usd), 2_500_000, 100, 0);
        _buyUsd(id, 4, 10_000_000);
        assertEq(usd.balanceOf(split), 10_000_000);
        assertEq(usd.balanceOf(buyer), 0);
        assertEq(usd.balanceOf(address(editions)), 0);
        assertEq(editions.balanceOf(buyer, id), 4);
    }

    /// @dev End to end: sale proceeds reach the contributors through the split's release.
    function test_PurchaseProceedsReleasedToContributors() public {
        uint256 id = _create(address(usd), 1_000_001, 100, 0);
        _buyUsd(id, 1, 1_000_001);
        bytes32 producerLeaf = keccak256(bytes.concat(keccak256(abi.encode(producer, uint256(300_000)))));
        bytes32 artistLeaf = keccak256(bytes.concat(keccak256(abi.encode(artist, uint256(700_000)))));
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = producerLeaf;
        ITrackSplit(payable(split)).release(address(usd), artist, 700_000, proof);
        proof[0] = artistLeaf;
        ITrackSplit(payable(split)).release(address(usd), producer, 300_000, proof);
        assertEq(usd.balanceOf(artist), 700_000); // floor(1_000_001 * 0.7)
        assertEq(usd.balanceOf(producer), 300_000); // floor(1_000_001 * 0.3); 1 unit of dust stays in the split
    }

    function test_PurchaseFreeEdition() public {
        uint256 id = _create(NATIVE, 0, 10, 1);
        _buyEth(id, 1, 0);
        assertEq(editions.balanceOf(buyer, id), 1);
    }

    function test_PurchaseOpenEndedSale() public {
        vm.prank(controller);
        uint256 id = editions.createEdition(trackId, NATIVE, 1, 10, start, 0, 0, 0);
        vm.warp(start + 3650 days);
        _buyEth(id, 2, 2);
        assertEq(editions.balanceOf(buyer, id), 2);
    }

    function test_PurchaseAtWindowEdges() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        _buyEth(id, 1, 1); // first second
        vm.warp(start + 7 days); // last second
        _buyEth(id, 1, 1);
        assertEq(editions.balanceOf(buyer, id), 2);
    }

    function test_RevertWhen_PurchaseUnknownEdition() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.UnknownEdition.selector, 1));
        editions.purchase(1, 1);
    }

    function test_RevertWhen_PurchaseZeroQuantity() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        vm.expectRevert(ITrackEditions.ZeroQuantity.selector);
        editions.purchase(id, 0);
    }

    function test_RevertWhen_PurchaseBeforeSale() public {
        vm.prank(controller);
        uint256 id = editions.createEdition(trackId, NATIVE, 1, 10, start + 1 days, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.SaleNotStarted.selector, id, start + 1 days, start));
        editions.purchase{value: 1}(id, 1);
    }

    function test_RevertWhen_PurchaseAfterSale() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        vm.warp(start + 7 days + 1);
        vm.deal(address(this), 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITrackEditions.SaleEnded.selector, id, start + 7 days, start + 7 days + 1)
        );
        editions.purchase{value: 1}(id, 1);
    }

    function test_RevertWhen_PurchaseExceedsMaxSupply() public {
        uint256 id = _create(NATIVE, 1, 3, 0);
        _buyEth(id, 2, 2);
        vm.deal(address(this), 2);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.ExceedsMaxSupply.selector, id, 2, 1));
        editions.purchase{value: 2}(id, 2);
    }

    function test_RevertWhen_PurchaseExceedsWalletCap() public {
        uint256 id = _create(NATIVE, 1, 100, 5);
        _buyEth(id, 4, 4);
        vm.deal(buyer, 2);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.ExceedsWalletCap.selector, id, buyer, 2, 1));
        vm.prank(buyer);
        editions.purchase{value: 2}(id, 2);
    }

    function test_RevertWhen_PurchaseEthUnderpaid() public {
        uint256 id = _create(NATIVE, 1 ether, 10, 0);
        vm.deal(address(this), 2 ether);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.IncorrectPayment.selector, 2 ether, 2 ether - 1));
        editions.purchase{value: 2 ether - 1}(id, 2);
    }

    function test_RevertWhen_PurchaseEthOverpaid() public {
        uint256 id = _create(NATIVE, 1 ether, 10, 0);
        vm.deal(address(this), 3 ether);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.IncorrectPayment.selector, 2 ether, 3 ether));
        editions.purchase{value: 3 ether}(id, 2);
    }

    function test_RevertWhen_PurchaseErc20WithEth() public {
        uint256 id = _create(address(usd), 1, 10, 0);
        vm.deal(address(this), 1);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.IncorrectPayment.selector, 0, 1));
        editions.purchase{value: 1}(id, 1);
    }

    function test_RevertWhen_PurchaseErc20WithoutAllowance() public {
        uint256 id = _create(address(usd), 5, 10, 0);
        usd.mint(buyer, 5);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(editions), 0, 5)
        );
        vm.prank(buyer);
        editions.purchase(id, 1);
    }

    function test_RevertWhen_PurchaseForwardFails() public {
        RejectingSplitRegistry rejecting = new RejectingSplitRegistry(controller);
        TrackEditions other = new TrackEditions(admin, ITrackRegistry(address(rejecting)), "");
        vm.prank(controller);
        uint256 id = other.createEdition(1, NATIVE, 1, 10, 0, 0, 0, 0);
        vm.deal(address(this), 1);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.PaymentForwardFailed.selector, address(rejecting), 1));
        other.purchase{value: 1}(id, 1);
    }

    function test_RevertWhen_PurchaseReentered() public {
        uint256 id = _create(NATIVE, 0, 10, 0);
        ReentrantBuyer attacker = new ReentrantBuyer(editions);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        attacker.buy(id);
    }

    // ================================================================== mintTo

    function test_MintTo() public {
        uint256 id = _create(NATIVE, 1 ether, 10, 1);
        bytes32 order = keccak256("order-1");
        vm.expectEmit(address(editions));
        emit ITrackEditions.EditionMinted(id, buyer, 3, order);
        vm.prank(minter);
        editions.mintTo(id, buyer, 3, order); // not bound by the wallet cap or the sale window
        assertEq(editions.balanceOf(buyer, id), 3);
        assertTrue(editions.orderFulfilled(order));
        assertEq(editions.minted(id), 3);
        assertEq(editions.purchasedBy(id, buyer), 0);
    }

    function test_RevertWhen_MintToRepeatedOrder() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        bytes32 order = keccak256("order-1");
        vm.startPrank(minter);
        editions.mintTo(id, buyer, 1, order);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.OrderAlreadyFulfilled.selector, order));
        editions.mintTo(id, buyer, 1, order);
        vm.stopPrank();
        assertEq(editions.balanceOf(buyer, id), 1);
    }

    function test_RevertWhen_MintToNotMinter() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        bytes32 minterRole = editions.MINTER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), minterRole)
        );
        editions.mintTo(id, buyer, 1, keccak256("o"));
    }

    function test_RevertWhen_MintToUnknownEdition() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.UnknownEdition.selector, 7));
        vm.prank(minter);
        editions.mintTo(7, buyer, 1, keccak256("o"));
    }

    function test_RevertWhen_MintToZeroOrderId() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        vm.expectRevert(ITrackEditions.ZeroOrderId.selector);
        vm.prank(minter);
        editions.mintTo(id, buyer, 1, bytes32(0));
    }

    function test_RevertWhen_MintToZeroQuantity() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        vm.expectRevert(ITrackEditions.ZeroQuantity.selector);
        vm.prank(minter);
        editions.mintTo(id, buyer, 0, keccak256("o"));
    }

    function test_RevertWhen_MintToExceedsMaxSupply() public {
        uint256 id = _create(NATIVE, 1, 2, 0);
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.ExceedsMaxSupply.selector, id, 3, 2));
        vm.prank(minter);
        editions.mintTo(id, buyer, 3, keccak256("o"));
        assertFalse(editions.orderFulfilled(keccak256("o")));
    }

    function test_RevertWhen_MintToZeroAddress() public {
        uint256 id = _create(NATIVE, 1, 2, 0);
        vm.expectRevert(abi.encodeWithSelector(IERC1155Errors.ERC1155InvalidReceiver.selector, address(0)));
        vm.prank(minter);
        editions.mintTo(id, address(0), 1, keccak256("o"));
    }

    // ================================================================== royalties, uri, interfaces

    function test_RoyaltyInfoPointsAtSplit() public {
        uint256 id = _create(NATIVE, 1, 10, 0); // 500 bps
        (address receiver, uint256 amount) = editions.royaltyInfo(id, 1 ether);
        assertEq(receiver, split);
        assertEq(amount, 0.05 ether);
        (, amount) = editions.royaltyInfo(id, 19); // floor(19 * 500 / 10_000) = 0
        assertEq(amount, 0);
    }

    function test_Uri() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        assertEq(editions.uri(id), "https://example.org/editions/{id}.json");
        vm.expectEmit(address(editions));
        emit IERC1155.URI("ipfs://edition-1", id);
        vm.prank(controller);
        editions.setEditionURI(id, "ipfs://edition-1");
        assertEq(editions.uri(id), "ipfs://edition-1");
    }

    function test_RevertWhen_SetEditionURINotController() public {
        uint256 id = _create(NATIVE, 1, 10, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ITrackEditions.NotTrackController.selector, trackId, address(this), controller)
        );
        editions.setEditionURI(id, "x");
    }

    function test_RevertWhen_SetEditionURIUnknownEdition() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.UnknownEdition.selector, 1));
        vm.prank(controller);
        editions.setEditionURI(1, "x");
    }

    function test_RevertWhen_EditionUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(ITrackEditions.UnknownEdition.selector, 0));
        editions.edition(0);
    }

    function test_SupportsInterfaces() public view {
        assertTrue(editions.supportsInterface(type(IERC1155).interfaceId));
        assertTrue(editions.supportsInterface(type(IERC2981).interfaceId));
        assertTrue(editions.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(editions.supportsInterface(0xdeadbeef));
    }

    // ================================================================== fuzz

    function testFuzz_PurchaseForwardsExactPrice(uint256 price, uint256 quantity, bool erc20) public {
        price = bound(price, 0, 1e30);
        quantity = bound(quantity, 1, 1000);
        uint256 amount = price * quantity;
        uint256 id = _create(erc20 ? address(usd) : NATIVE, price, 1000, 0);
        if (erc20) {
            _buyUsd(id, quantity, amount);
            assertEq(usd.balanceOf(split), amount);
            assertEq(usd.balanceOf(address(editions)), 0);
        } else {
            _buyEth(id, quantity, amount);
            assertEq(split.balance, amount);
            assertEq(address(editions).balance, 0);
        }
        assertEq(editions.balanceOf(buyer, id), quantity);
        assertEq(editions.minted(id) + editions.remaining(id), 1000);
    }

    function testFuzz_SupplyAndCapNeverExceeded(uint256 maxSupply, uint256 cap, uint256[5] memory quantities) public {
        maxSupply = bound(maxSupply, 1, 50);
        cap = bound(cap, 0, 20);
        uint256 id = _create(NATIVE, 0, maxSupply, cap);
        for (uint256 i; i < quantities.length; ++i) {
            uint256 q = bound(quantities[i], 1, 30);
            uint256 left = maxSupply - editions.minted(id);
            uint256 capLeft = cap == 0 ? type(uint256).max : cap - editions.purchasedBy(id, buyer);
            vm.prank(buyer);
            if (q > left) {
                vm.expectRevert(abi.encodeWithSelector(ITrackEditions.ExceedsMaxSupply.selector, id, q, left));
                editions.purchase(id, q);
            } else if (q > capLeft) {
                vm.expectRevert(abi.encodeWithSelector(ITrackEditions.ExceedsWalletCap.selector, id, buyer, q, capLeft));
                editions.purchase(id, q);
            } else {
                editions.purchase(id, q);
            }
            assertLe(editions.minted(id), maxSupply);
            if (cap != 0) assertLe(editions.balanceOf(buyer, id), cap);
            assertEq(editions.balanceOf(buyer, id), editions.minted(id));
        }
    }

    function testFuzz_RoyaltyIsFloorOfBps(uint256 salePrice, uint96 bps) public {
        salePrice = bound(salePrice, 0, 1e40);
        bps = uint96(bound(bps, 0, 10_000));
        vm.prank(controller);
        uint256 id = editions.createEdition(trackId, NATIVE, 1, 1, 0, 0, 0, bps);
        (address receiver, uint256 amount) = editions.royaltyInfo(id, salePrice);
        assertEq(receiver, split);
        assertEq(amount, salePrice * bps / 10_000);
        assertLe(amount * 10_000, salePrice * bps);
        assertLt(salePrice * bps - amount * 10_000, 10_000);
    }
}
