"""TrackEditions: ERC-1155 collectible editions of tracks, sales and off-chain-order minting."""

from __future__ import annotations

from dataclasses import dataclass

from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3.types import TxReceipt

from chain_client.constants import NATIVE_TOKEN
from chain_client.contracts._base import (
    Calldata,
    ContractClient,
    DecodedEvent,
    checksum,
    to_bytes32,
)
from chain_client.errors import ChainClientError

MINTER_ROLE = keccak(text="MINTER_ROLE")


@dataclass(frozen=True)
class Edition:
    track_id: int
    split: ChecksumAddress
    token: ChecksumAddress
    royalty_bps: int
    price: int
    max_supply: int
    minted: int
    sale_start: int
    sale_end: int
    per_wallet_cap: int


class TrackEditionsClient(ContractClient):
    CONTRACT_NAME = "TrackEditions"

    # ---- reads ----
    def edition(self, edition_id: int) -> Edition:
        values = self._call("edition", edition_id)
        (
            track_id,
            split,
            token,
            royalty_bps,
            price,
            max_supply,
            minted,
            sale_start,
            sale_end,
            per_wallet_cap,
        ) = values
        return Edition(
            track_id=int(track_id),
            split=checksum(split),
            token=checksum(token),
            royalty_bps=int(royalty_bps),
            price=int(price),
            max_supply=int(max_supply),
            minted=int(minted),
            sale_start=int(sale_start),
            sale_end=int(sale_end),
            per_wallet_cap=int(per_wallet_cap),
        )

    def edition_count(self) -> int:
        return int(self._call("editionCount"))

    def minted(self, edition_id: int) -> int:
        return int(self._call("minted", edition_id))

    def remaining(self, edition_id: int) -> int:
        return int(self._call("remaining", edition_id))

    def purchased_by(self, edition_id: int, account: str) -> int:
        return int(self._call("purchasedBy", edition_id, checksum(account)))

    def order_fulfilled(self, order_id: bytes | str | int) -> bool:
        return bool(self._call("orderFulfilled", to_bytes32(order_id)))

    def balance_of(self, account: str, edition_id: int) -> int:
        return int(self._call("balanceOf", checksum(account), edition_id))

    def royalty_info(self, edition_id: int, sale_price: int) -> tuple[ChecksumAddress, int]:
        receiver, amount = self._call("royaltyInfo", edition_id, sale_price)
        return checksum(receiver), int(amount)

    def uri(self, edition_id: int) -> str:
        return str(self._call("uri", edition_id))

    def registry(self) -> ChecksumAddress:
        return checksum(self._call("registry"))

    def has_minter_role(self, account: str) -> bool:
        return bool(self._call("hasRole", MINTER_ROLE, checksum(account)))

    # ---- writes ----
    def create_edition(
        self,
        track_id: int,
        token: str,
        price: int,
        max_supply: int,
        sale_start: int = 0,
        sale_end: int = 0,
        per_wallet_cap: int = 0,
        royalty_bps: int = 0,
    ) -> TxReceipt:
        return self._transact(
            "createEdition",
            track_id,
            checksum(token),
            price,
            max_supply,
            sale_start,
            sale_end,
            per_wallet_cap,
            royalty_bps,
        )

    def purchase(
        self, edition_id: int, quantity: int, *, edition: Edition | None = None
    ) -> TxReceipt:
        """Buy `quantity`; pays ETH with the call for ETH editions (ERC-20 needs approve first)."""
        return self._transact(
            "purchase", edition_id, quantity, value=self._eth_value(edition_id, quantity, edition)
        )

    def purchase_calldata(
        self, edition_id: int, quantity: int, *, edition: Edition | None = None
    ) -> Calldata:
        return self.calldata(
            "purchase", edition_id, quantity, value=self._eth_value(edition_id, quantity, edition)
        )

    def _eth_value(self, edition_id: int, quantity: int, edition: Edition | None) -> int:
        info = edition if edition is not None else self.edition(edition_id)
        return info.price * quantity if info.token == NATIVE_TOKEN else 0

    def mint_to(
        self, edition_id: int, to: str, quantity: int, order_id: bytes | str | int
    ) -> TxReceipt:
        return self._transact("mintTo", edition_id, checksum(to), quantity, to_bytes32(order_id))

    def set_edition_uri(self, edition_id: int, new_uri: str) -> TxReceipt:
        return self._transact("setEditionURI", edition_id, new_uri)

    def grant_minter(self, account: str) -> TxReceipt:
        return self._transact("grantRole", MINTER_ROLE, checksum(account))

    # ---- events ----
    def created_edition_id(self, receipt: TxReceipt) -> int:
        events = self.events_in_receipt(receipt, "EditionCreated")
        if not events:
            raise ChainClientError("the receipt has no EditionCreated event")
        return int(events[0].args["editionId"])

    def purchased_events(
        self, from_block: int, to_block: int | str = "latest", *, buyer: str | None = None
    ) -> list[DecodedEvent]:
        filters = {"buyer": checksum(buyer)} if buyer else None
        return self.events("EditionPurchased", from_block, to_block, argument_filters=filters)

    def minted_events(self, from_block: int, to_block: int | str = "latest") -> list[DecodedEvent]:
        return self.events("EditionMinted", from_block, to_block)
