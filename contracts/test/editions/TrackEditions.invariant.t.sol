// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {TrackEditions} from "../../src/TrackEditions.sol";
import {ITrackEditions} from "../../src/interfaces/ITrackEditions.sol";
import {ITrackRegistry} from "../../src/interfaces/ITrackRegistry.sol";
import {TrackRegistry} from "../../src/TrackRegistry.sol";
import {SplitFactory} from "../../src/SplitFactory.sol";
import {ISplitFactory} from "../../src/interfaces/ISplitFactory.sol";
import {MockStablecoin} from "../../src/MockStablecoin.sol";

/// @notice Buys (ETH and mUSD, several buyers, within and beyond supply and caps) and mints by order id, keeping
/// its own tally of what was paid and minted.
contract EditionsHandler is CommonBase, StdCheats, StdUtils {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    TrackEditions public immutable editions;
    MockStablecoin public immutable usd;
    address internal immutable minter;
    uint256[] public ids;

    mapping(address token => uint256) public ghostPaid; // price * quantity of every accepted purchase
    mapping(uint256 id => uint256) public ghostMinted;
    mapping(uint256 id => mapping(address buyer => uint256)) public ghostBought;
    uint256 public ghostOrders;
    address[3] internal buyers = [address(0xB1), address(0xB2), address(0xB3)];

    constructor(TrackEditions editions_, MockStablecoin usd_, address minter_, uint256[] memory ids_) {
        editions = editions_;
        usd = usd_;
        minter = minter_;
        ids = ids_;
    }

    function buyerAt(uint256 i) external view returns (address) {
        return buyers[i];
    }

    function purchase(uint256 idSeed, uint256 buyerSeed, uint256 quantity) external {
        uint256 id = ids[idSeed % ids.length];
        address buyer = buyers[buyerSeed % buyers.length];
        quantity = bound(quantity, 1, 8);
        ITrackEditions.Edition memory e = editions.edition(id);
        uint256 amount = e.price * quantity;
        uint256 left = e.maxSupply - e.minted;
        bool capOk = e.perWalletCap == 0 || quantity <= e.perWalletCap - editions.purchasedBy(id, buyer);
        vm.startPrank(buyer);
        if (e.token == NATIVE) {
            vm.deal(buyer, amount);
        } else {
            usd.mint(buyer, amount);
            usd.approve(address(editions), amount);
        }
        try editions.purchase{value: e.token == NATIVE ? amount : 0}(id, quantity) {
            require(quantity <= left && capOk, "purchase accepted beyond supply or cap");
            ghostPaid[e.token] += amount;
            ghostMinted[id] += quantity;
            ghostBought[id][buyer] += quantity;
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            require(
                (sel == ITrackEditions.ExceedsMaxSupply.selector && quantity > left)
                    || (sel == ITrackEditions.ExceedsWalletCap.selector && !capOk),
                "unexpected purchase revert"
            );
        }
        vm.stopPrank();
    }

    function mintTo(uint256 idSeed, uint256 buyerSeed, uint256 quantity, uint256 orderSeed) external {
        uint256 id = ids[idSeed % ids.length];
        address to = buyers[buyerSeed % buyers.length];
        quantity = bound(quantity, 1, 8);
        bytes32 orderId = keccak256(abi.encode(orderSeed % 16)); // orders repeat on purpose
        bool seen = editions.orderFulfilled(orderId);
        uint256 left = editions.remaining(id);
        vm.prank(minter);
        try editions.mintTo(id, to, quantity, orderId) {
            require(!seen && quantity <= left, "mintTo accepted a repeated order or beyond supply");
            ghostMinted[id] += quantity;
            ++ghostOrders;
        } catch (bytes memory err) {
            bytes4 sel = bytes4(err);
            require(
                (sel == ITrackEditions.OrderAlreadyFulfilled.selector && seen)
                    || (sel == ITrackEditions.ExceedsMaxSupply.selector && quantity > left),
                "unexpected mintTo revert"
            );
        }
    }
}

contract TrackEditionsInvariantTest is Test {
    address internal constant NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    TrackEditions internal editions;
    MockStablecoin internal usd;
    EditionsHandler internal handler;
    address internal split;
    uint256[] internal ids;

    function setUp() public {
        SplitFactory factory = new SplitFactory();
        TrackRegistry registry = new TrackRegistry(ISplitFactory(address(factory)), address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        editions = new TrackEditions(address(this), ITrackRegistry(address(registry)), "ipfs://{id}");
        usd = new MockStablecoin();
        address controller = makeAddr("controller");
        address[] memory recipients = new address[](1);
        recipients[0] = makeAddr("artist");
        uint256[] memory shares = new uint256[](1);
        shares[0] = 1_000_000;
        (uint256 trackId, address split_) = registry.registerTrack(controller, recipients, shares, 6, 0, bytes32(0), bytes32(0), false);
        split = split_;
        vm.startPrank(controller);
        ids.push(editions.createEdition(trackId, NATIVE, 0.01 ether, 40, 0, 0, 5, 500));
        ids.push(editions.createEdition(trackId, address(usd), 2_500_000, 25, 0, 0, 0, 1000));
        ids.push(editions.createEdition(trackId, NATIVE, 0, 30, 0, 0, 3, 0));
        vm.stopPrank();
        address minter = makeAddr("minter");
        editions.grantRole(editions.MINTER_ROLE(), minter);
        handler = new EditionsHandler(editions, usd, minter, ids);
        targetContract(address(handler));
    }

    /// @dev Nothing accepted is lost: the split received exactly what purchases paid; the editions contract keeps
    /// nothing; supply, balances and caps agree with the handler's tally.
    /// forge-config: default.invariant.runs = 32
    function invariant_ProceedsAndSupply() public view {
        assertEq(split.balance, handler.ghostPaid(NATIVE));
        assertEq(usd.balanceOf(split), handler.ghostPaid(address(usd)));
        assertEq(address(editions).balance, 0);
        assertEq(usd.balanceOf(address(editions)), 0);
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            ITrackEditions.Edition memory e = editions.edition(id);
            assertEq(e.minted, handler.ghostMinted(id));
            assertLe(e.minted, e.maxSupply);
            uint256 held;
            for (uint256 b; b < 3; ++b) {
                address buyer = handler.buyerAt(b);
                held += editions.balanceOf(buyer, id);
                if (e.perWalletCap != 0) {
                    assertEq(editions.purchasedBy(id, buyer), handler.ghostBought(id, buyer));
                    assertLe(editions.purchasedBy(id, buyer), e.perWalletCap);
                }
            }
            assertEq(held, e.minted);
        }
    }
}
