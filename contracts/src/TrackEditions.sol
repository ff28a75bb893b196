// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ITrackEditions} from "./interfaces/ITrackEditions.sol";
import {ITrackRegistry} from "./interfaces/ITrackRegistry.sol";

/// @title TrackEditions
/// @notice ERC-1155 collectible editions of registered tracks. A track's controller (per the TrackRegistry) creates
/// editions; collectors buy them with ETH or an ERC-20 and the exact price goes straight to the track's split in the
/// same transaction; a minter (the API, MINTER_ROLE) mints after an off-chain sale, once per order id. EIP-2981
/// royalties point at the split.
/// @dev Token id = edition id. Money rules: the price of a purchase is `price * quantity` in the edition's token's
/// base units (checked multiplication, no rounding); ETH must be sent exactly; nothing is kept by this contract.
/// Royalty: royaltyInfo(id, salePrice) = (split, floor(salePrice * royaltyBps / 10_000)) (OpenZeppelin ERC2981;
/// the floor rounds in the payer's favour by less than one base unit).
contract TrackEditions is ITrackEditions, ERC1155, ERC2981, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice ERC-7528 address standing for native ETH.
    address public constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    /// @notice Role allowed to call {mintTo}.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Royalty denominator (basis points).
    uint96 public constant MAX_ROYALTY_BPS = 10_000;

    /// @dev Storage layout of an edition (packed: the purchase path reads four slots).
    struct EditionData {
        address split;
        uint64 saleStart;
        address token;
        uint64 saleEnd;
        uint128 maxSupply;
        uint128 minted;
        uint256 price;
        uint256 perWalletCap;
        uint256 trackId;
    }

    ITrackRegistry private immutable _registry;
    uint256 private _editionCount;
    mapping(uint256 editionId => EditionData) private _editions;
    mapping(uint256 editionId => mapping(address account => uint256)) private _purchased;
    mapping(bytes32 orderId => bool) private _fulfilled;
    mapping(uint256 editionId => string) private _uris;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (grants MINTER_ROLE).
    /// @param registry_ The TrackRegistry whose controllers create editions.
    /// @param baseUri The ERC-1155 default URI (clients substitute `{id}`), used when an edition has no own URI.
    constructor(address admin, ITrackRegistry registry_, string memory baseUri) ERC1155(baseUri) {
        if (address(registry_).code.length == 0) revert InvalidRegistry(address(registry_));
        _registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ITrackEditions
    function createEdition(
        uint256 trackId,
        address token,
        uint256 price,
        uint256 maxSupply,
        uint64 saleStart,
        uint64 saleEnd,
        uint256 perWalletCap,
        uint96 royaltyBps
    ) external returns (uint256 editionId) {
        address split = _onlyController(trackId);
        if (token != NATIVE_TOKEN && token.code.length == 0) revert InvalidToken(token);
        if (maxSupply == 0) revert ZeroMaxSupply();
        if (maxSupply > type(uint128).max) revert MaxSupplyTooLarge(maxSupply);
        if (saleEnd != 0 && saleEnd < saleStart) revert InvalidSaleWindow(saleStart, saleEnd);
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);

        editionId = ++_editionCount;
        _editions[editionId] = EditionData({
            split: split,
            saleStart: saleStart,
            token: token,
            saleEnd: saleEnd,
            // casting to 'uint128' is safe because maxSupply <= type(uint128).max (checked above)
            // forge-lint: disable-next-line(unsafe-typecast)
            maxSupply: uint128(maxSupply),
            minted: 0,
            price: price,
            perWalletCap: perWalletCap,
            trackId: trackId
        });
        _setTokenRoyalty(editionId, split, royaltyBps);
        emit EditionCreated(
            editionId, trackId, split, token, price, maxSupply, saleStart, saleEnd, perWalletCap, royaltyBps
        );
    }

    /// @inheritdoc ITrackEditions
    function purchase(uint256 editionId, uint256 quantity) external payable nonReentrant {
        EditionData storage e = _existing(editionId);
        if (quantity == 0) revert ZeroQuantity();
        uint64 nowTs = uint64(block.timestamp);
        if (nowTs < e.saleStart) revert SaleNotStarted(editionId, e.saleStart, nowTs);
        uint64 saleEnd = e.saleEnd;
        if (saleEnd != 0 && nowTs > saleEnd) revert SaleEnded(editionId, saleEnd, nowTs);
        _reserve(editionId, e, quantity);

        uint256 cap = e.perWalletCap;
        if (cap != 0) {
            // purchases are only counted for capped editions (saves a storage write per purchase otherwise)
            uint256 bought = _purchased[editionId][msg.sender];
            if (quantity > cap - bought) revert ExceedsWalletCap(editionId, msg.sender, quantity, cap - bought);
            _purchased[editionId][msg.sender] = bought + quantity;
        }

        uint256 amount = e.price * quantity;
        address token = e.token;
        address split = e.split;
        if (token == NATIVE_TOKEN) {
            if (msg.value != amount) revert IncorrectPayment(amount, msg.value);
            if (amount != 0) {
                (bool ok,) = split.call{value: amount}("");
                if (!ok) revert PaymentForwardFailed(split, amount);
            }
        } else {
            if (msg.value != 0) revert IncorrectPayment(0, msg.value);
            if (amount != 0) IERC20(token).safeTransferFrom(msg.sender, split, amount);
        }
        emit EditionPurchased(editionId, msg.sender, quantity, token, amount);
        _mint(msg.sender, editionId, quantity, "");
    }

    /// @inheritdoc ITrackEditions
    function mintTo(uint256 editionId, address to, uint256 quantity, bytes32 orderId)
        external
        onlyRole(MINTER_ROLE)
        nonReentrant
    {
        EditionData storage e = _existing(editionId);
        if (orderId == bytes32(0)) revert ZeroOrderId();
        if (_fulfilled[orderId]) revert OrderAlreadyFulfilled(orderId);
        if (quantity == 0) revert ZeroQuantity();
        _fulfilled[orderId] = true;
        _reserve(editionId, e, quantity);
        emit EditionMinted(editionId, to, quantity, orderId);
        _mint(to, editionId, quantity, "");
    }

    /// @inheritdoc ITrackEditions
    function setEditionURI(uint256 editionId, string calldata newUri) external {
        _onlyController(_existing(editionId).trackId);
        _uris[editionId] = newUri;
        emit URI(newUri, editionId);
    }

    // ================================================================== views

    /// @notice The edition's own URI if set, else the default URI (with `{id}` for clients to substitute).
    function uri(uint256 editionId) public view override returns (string memory) {
        string memory own = _uris[editionId];
        return bytes(own).length != 0 ? own : super.uri(editionId);
    }

    /// @inheritdoc ITrackEditions
    function edition(uint256 editionId) external view returns (Edition memory info) {
        EditionData storage e = _existing(editionId);
        (, uint256 bps) = royaltyInfo(editionId, MAX_ROYALTY_BPS);
        info = Edition({
            trackId: e.trackId,
            split: e.split,
            token: e.token,
            // casting to 'uint96' is safe because bps <= MAX_ROYALTY_BPS (validated at creation)
            // forge-lint: disable-next-line(unsafe-typecast)
            royaltyBps: uint96(bps),
            price: e.price,
            maxSupply: e.maxSupply,
            minted: e.minted,
            saleStart: e.saleStart,
            saleEnd: e.saleEnd,
            perWalletCap: e.perWalletCap
        });
    }

    /// @inheritdoc ITrackEditions
    function editionCount() external view returns (uint256) {
        return _editionCount;
    }

    /// @inheritdoc ITrackEditions
    function minted(uint256 editionId) external view returns (uint256) {
        return _existing(editionId).minted;
    }

    /// @inheritdoc ITrackEditions
    function remaining(uint256 editionId) external view returns (uint256) {
        EditionData storage e = _existing(editionId);
        return e.maxSupply - e.minted;
    }

    /// @inheritdoc ITrackEditions
    function purchasedBy(uint256 editionId, address account) external view returns (uint256) {
        return _purchased[editionId][account];
    }

    /// @inheritdoc ITrackEditions
    function orderFulfilled(bytes32 orderId) external view returns (bool) {
        return _fulfilled[orderId];
    }

    /// @inheritdoc ITrackEditions
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice ERC-165: ERC-1155, ERC-2981, AccessControl.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC1155, ERC2981, AccessControl)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    // ================================================================== internal

    function _existing(uint256 editionId) private view returns (EditionData storage e) {
        if (editionId == 0 || editionId > _editionCount) revert UnknownEdition(editionId);
        e = _editions[editionId];
    }

    /// @dev Requires msg.sender to be the track's controller (the registry reverts UnknownTrack for an unknown id);
    /// returns the track's split.
    function _onlyController(uint256 trackId) private view returns (address split) {
        ITrackRegistry.TrackInfo memory t = _registry.track(trackId);
        if (t.split == address(0)) revert UnknownTrack(trackId);
        if (msg.sender != t.controller) revert NotTrackController(trackId, msg.sender, t.controller);
        return t.split;
    }

    /// @dev Counts `quantity` against the max supply.
    function _reserve(uint256 editionId, EditionData storage e, uint256 quantity) private {
        uint256 mintedSoFar = e.minted;
        uint256 left = e.maxSupply - mintedSoFar;
        if (quantity > left) revert ExceedsMaxSupply(editionId, quantity, left);
        // casting to 'uint128' is safe because mintedSoFar + quantity <= maxSupply < 2^128
        // forge-lint: disable-next-line(unsafe-typecast)
        e.minted = uint128(mintedSoFar + quantity);
    }
}
