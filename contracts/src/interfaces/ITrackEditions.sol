// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ITrackEditions
/// @notice Collectible ERC-1155 editions of registered tracks; sale proceeds and EIP-2981 royalties go to the track's split.
/// @dev Token id = edition id (sequential from 1). Payment is exact: price * quantity in the edition's token
/// (ERC-7528 0xEeee...EEeE for ETH). Proceeds are forwarded to the split in the same transaction; nothing stays here.
interface ITrackEditions {
    /// @notice One edition.
    /// @param trackId The registry track the edition belongs to.
    /// @param split The track's split at creation: receives proceeds and royalties.
    /// @param token Payment token (ERC-7528 native address for ETH).
    /// @param royaltyBps EIP-2981 royalty in basis points of the sale price (max 10,000).
    /// @param price Price per token in `token` base units (0 = free).
    /// @param maxSupply Maximum number of tokens ever minted (purchases and mintTo together).
    /// @param minted Tokens minted so far.
    /// @param saleStart First second purchases are open.
    /// @param saleEnd Last second purchases are open (0 = no end).
    /// @param perWalletCap Maximum tokens one wallet may purchase (0 = no cap); mintTo does not count against it.
    struct Edition {
        uint256 trackId;
        address split;
        address token;
        uint96 royaltyBps;
        uint256 price;
        uint256 maxSupply;
        uint256 minted;
        uint64 saleStart;
        uint64 saleEnd;
        uint256 perWalletCap;
    }

    // ------------------------------------------------------------------ errors

    /// @notice The registry has no track `trackId`.
    error UnknownTrack(uint256 trackId);
    /// @notice `caller` is not the controller `controller` of track `trackId`.
    error NotTrackController(uint256 trackId, address caller, address controller);
    /// @notice No edition has id `editionId`.
    error UnknownEdition(uint256 editionId);
    /// @notice `token` is neither the ERC-7528 native address nor a contract.
    error InvalidToken(address token);
    /// @notice A max supply of zero.
    error ZeroMaxSupply();
    /// @notice The sale window [`saleStart`, `saleEnd`] is empty.
    error InvalidSaleWindow(uint64 saleStart, uint64 saleEnd);
    /// @notice A royalty of `royaltyBps` exceeds `maxBps`.
    error RoyaltyTooHigh(uint96 royaltyBps, uint96 maxBps);
    /// @notice A quantity of zero.
    error ZeroQuantity();
    /// @notice The sale of `editionId` opens at `saleStart` (now `nowTs`).
    error SaleNotStarted(uint256 editionId, uint64 saleStart, uint64 nowTs);
    /// @notice The sale of `editionId` closed at `saleEnd` (now `nowTs`).
    error SaleEnded(uint256 editionId, uint64 saleEnd, uint64 nowTs);
    /// @notice `quantity` exceeds the `remaining` supply of `editionId`.
    error ExceedsMaxSupply(uint256 editionId, uint256 quantity, uint256 remaining);
    /// @notice `quantity` exceeds what `buyer` may still purchase of `editionId` (`remaining`).
    error ExceedsWalletCap(uint256 editionId, address buyer, uint256 quantity, uint256 remaining);
    /// @notice `sent` wei were sent; the exact price is `expected` wei (ETH editions) or 0 (ERC-20 editions).
    error IncorrectPayment(uint256 expected, uint256 sent);
    /// @notice Forwarding `amount` wei to `split` failed.
    error PaymentForwardFailed(address split, uint256 amount);
    /// @notice The order `orderId` was already fulfilled by mintTo.
    error OrderAlreadyFulfilled(bytes32 orderId);
    /// @notice The order id is zero.
    error ZeroOrderId();
    /// @notice A max supply of `maxSupply` exceeds 2^128 - 1.
    error MaxSupplyTooLarge(uint256 maxSupply);
    /// @notice `registry` is not a contract.
    error InvalidRegistry(address registry);

    // ------------------------------------------------------------------ events

    /// @notice Edition `editionId` of track `trackId` was created.
    event EditionCreated(
        uint256 indexed editionId,
        uint256 indexed trackId,
        address split,
        address token,
        uint256 price,
        uint256 maxSupply,
        uint64 saleStart,
        uint64 saleEnd,
        uint256 perWalletCap,
        uint96 royaltyBps
    );
    /// @notice `buyer` purchased `quantity` of `editionId`, paying `amount` of `token` to the split.
    event EditionPurchased(
        uint256 indexed editionId, address indexed buyer, uint256 quantity, address token, uint256 amount
    );
    /// @notice A minter minted `quantity` of `editionId` to `to` for the off-chain order `orderId`.
    event EditionMinted(uint256 indexed editionId, address indexed to, uint256 quantity, bytes32 indexed orderId);

    // ------------------------------------------------------------------ functions

    /// @notice Creates an edition of `trackId` (the track's controller only, read from the registry).
    /// @param trackId The registry track.
    /// @param token Payment token (ERC-7528 native address for ETH).
    /// @param price Price per token in base units.
    /// @param maxSupply Maximum supply (1 .. 2^128 - 1).
    /// @param saleStart First second of the sale.
    /// @param saleEnd Last second of the sale (0 = open-ended; else >= saleStart).
    /// @param perWalletCap Per-wallet purchase cap (0 = none).
    /// @param royaltyBps EIP-2981 royalty in basis points (<= 10,000), paid to the split.
    /// @return editionId The new edition's id (= ERC-1155 token id).
    function createEdition(
        uint256 trackId,
        address token,
        uint256 price,
        uint256 maxSupply,
        uint64 saleStart,
        uint64 saleEnd,
        uint256 perWalletCap,
        uint96 royaltyBps
    ) external returns (uint256 editionId);

    /// @notice Buys `quantity` tokens of `editionId`; the exact price goes straight to the track's split.
    /// @dev ETH editions: msg.value must equal price * quantity. ERC-20 editions: no ETH; SafeERC20 transferFrom
    /// the buyer to the split (the buyer approves this contract).
    function purchase(uint256 editionId, uint256 quantity) external payable;

    /// @notice Mints `quantity` of `editionId` to `to` after an off-chain sale (MINTER_ROLE only).
    /// @dev Idempotent by `orderId`: a repeated order reverts OrderAlreadyFulfilled. Respects max supply,
    /// not the sale window or the per-wallet cap.
    function mintTo(uint256 editionId, address to, uint256 quantity, bytes32 orderId) external;

    /// @notice Sets the metadata URI of `editionId` (the track's controller only); emits ERC-1155 URI.
    function setEditionURI(uint256 editionId, string calldata newUri) external;

    /// @notice The edition `editionId`. Reverts UnknownEdition.
    function edition(uint256 editionId) external view returns (Edition memory);

    /// @notice The number of editions (the highest id).
    function editionCount() external view returns (uint256);

    /// @notice Tokens of `editionId` minted so far.
    function minted(uint256 editionId) external view returns (uint256);

    /// @notice Tokens of `editionId` that can still be minted.
    function remaining(uint256 editionId) external view returns (uint256);

    /// @notice Tokens of `editionId` purchased by `account`, counted against the per-wallet cap; only editions with a
    /// cap count purchases (0 for uncapped editions).
    function purchasedBy(uint256 editionId, address account) external view returns (uint256);

    /// @notice Whether the off-chain order `orderId` was fulfilled by mintTo.
    function orderFulfilled(bytes32 orderId) external view returns (bool);

    /// @notice The track registry.
    function registry() external view returns (address);
}
