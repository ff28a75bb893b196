"""Editions: created by the track's controller, bought by collectors, minted by the operator."""

from __future__ import annotations

from eth_utils.crypto import keccak
from sqlmodel import Session
from web3 import Web3
from web3.logs import DISCARD

from api.auth.principal import Principal
from api.chain.gateway import ChainGateway
from api.db.types import utc_now
from api.editions.models import Edition, MintOrder
from api.editions.repository import EditionRepository
from api.editions.schemas import (
    EditionCreate,
    EditionCreated,
    EditionOut,
    MintOut,
    MintRequest,
    PurchaseRequest,
    PurchaseTransactions,
)
from api.errors import ApiError, Conflict, Forbidden, NotFound
from api.pagination import Page, PageParams
from api.tracks.repository import TrackRepository
from api.tracks.schemas import PreparedTransaction
from chain_client.constants import NATIVE_TOKEN
from chain_client.errors import ContractRevert


def order_key(order_id: str) -> bytes:
    return keccak(text=order_id)


class EditionService:
    def __init__(self, session: Session, chain: ChainGateway) -> None:
        self.session = session
        self.chain = chain
        self.repo = EditionRepository(session)

    def _supply_left(self, edition_id: int) -> int | None:
        try:
            contract = self.chain.contract("TrackEditions")
            return int(self.chain.call(contract.functions.remaining(edition_id)))
        except (ApiError, ContractRevert, OSError, ValueError):
            return None

    def _out(self, edition: Edition) -> EditionOut:
        return EditionOut(
            **edition.model_dump(exclude={"price"}),
            price=int(edition.price),
            supply_left=self._supply_left(edition.edition_id),
        )

    def _edition(self, edition_id: int) -> Edition:
        edition = self.repo.get(edition_id)
        if edition is None:
            raise NotFound(f"edition_id: no edition {edition_id}")
        return edition

    def get(self, edition_id: int) -> EditionOut:
        return self._out(self._edition(edition_id))

    def list(self, page: PageParams, track_id: int | None) -> Page[EditionOut]:
        rows, total = self.repo.page(page.offset, page.limit, track_id)
        return Page[EditionOut](
            items=[self._out(e) for e in rows], total=total, limit=page.limit, offset=page.offset
        )

    def create(self, body: EditionCreate, principal: Principal) -> EditionCreated:
        track = TrackRepository(self.session).get(body.track_id)
        if track is None:
            raise NotFound(f"track_id: no track {body.track_id}")
        if not principal.is_operator and not principal.is_wallet(track.controller):
            raise Forbidden(f"track_id: only the controller of track {track.track_id} may")
        editions = self.chain.contract("TrackEditions")
        function = editions.functions.createEdition(
            body.track_id,
            body.token,
            body.price,
            body.max_supply,
            body.sale_start,
            body.sale_end,
            body.per_wallet_cap,
            body.royalty_bps,
        )
        operator_controls = bool(self.chain.settings.operator_key) and (
            self.chain.operator_address.lower() == track.controller.lower()
        )
        if not operator_controls:
            # The controller's wallet signs it; the indexer records the edition once mined.
            return EditionCreated(transaction=PreparedTransaction(**self.chain.prepared(function)))
        receipt = self.chain.send_as_operator(function)
        event = editions.events.EditionCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
        edition = Edition(
            edition_id=int(event["editionId"]),
            track_id=body.track_id,
            token=Web3.to_checksum_address(body.token),
            price=str(body.price),
            max_supply=body.max_supply,
            sale_start=body.sale_start,
            sale_end=body.sale_end,
            per_wallet_cap=body.per_wallet_cap,
            royalty_bps=body.royalty_bps,
            created_tx=receipt["transactionHash"].to_0x_hex(),
            created_at=utc_now(),
        )
        self.repo.add(edition)
        return EditionCreated(tx_hash=edition.created_tx, edition=self._out(edition))

    def purchase_transactions(self, edition_id: int, body: PurchaseRequest) -> PurchaseTransactions:
        edition = self._edition(edition_id)
        amount = int(edition.price) * body.quantity
        editions = self.chain.contract("TrackEditions")
        purchase = editions.functions.purchase(edition_id, body.quantity)
        if edition.token.lower() == NATIVE_TOKEN.lower():
            return PurchaseTransactions(
                amount=amount,
                transactions=[PreparedTransaction(**self.chain.prepared(purchase, value=amount))],
            )
        transactions: list[PreparedTransaction] = []
        token = self.chain.contract("ERC20", edition.token)
        allowance = int(self.chain.call(token.functions.allowance(body.buyer, editions.address)))
        if allowance < amount:
            approve = token.functions.approve(editions.address, amount)
            transactions.append(PreparedTransaction(**self.chain.prepared(approve)))
        transactions.append(PreparedTransaction(**self.chain.prepared(purchase)))
        return PurchaseTransactions(amount=amount, transactions=transactions)

    def mint(self, edition_id: int, body: MintRequest) -> tuple[MintOut, bool]:
        """Mints once per order id; a replay returns the first mint (created=False)."""
        self._edition(edition_id)
        existing = self.repo.order(body.order_id)
        if existing is not None:
            same = (existing.edition_id, existing.recipient, existing.quantity) == (
                edition_id,
                body.to,
                body.quantity,
            )
            if not same:
                raise Conflict(f"order_id: {body.order_id!r} was already minted with other terms")
            return self._mint_out(existing), False
        editions = self.chain.contract("TrackEditions")
        key = order_key(body.order_id)
        try:
            receipt = self.chain.send_as_minter(
                editions.functions.mintTo(edition_id, body.to, body.quantity, key)
            )
            tx_hash = receipt["transactionHash"].to_0x_hex()
        except ContractRevert as exc:
            if exc.error_name != "OrderAlreadyFulfilled":
                raise
            # Minted before a crash lost our record of it: recover the transaction from its event.
            tx_hash = self._minted_tx(key)
        order = MintOrder(
            order_id=body.order_id,
            edition_id=edition_id,
            recipient=body.to,
            quantity=body.quantity,
            tx_hash=tx_hash,
            created_at=utc_now(),
        )
        self.repo.add_order(order)
        return self._mint_out(order), True

    def _minted_tx(self, key: bytes) -> str:
        editions = self.chain.contract("TrackEditions")
        logs = editions.events.EditionMinted().get_logs(
            from_block=self.chain.deployment.deploy_block, argument_filters={"orderId": key}
        )
        if not logs:
            raise Conflict("order_id: fulfilled on chain but its mint event was not found")
        return str(logs[0]["transactionHash"].to_0x_hex())

    @staticmethod
    def _mint_out(order: MintOrder) -> MintOut:
        return MintOut(
            order_id=order.order_id,
            edition_id=order.edition_id,
            to=order.recipient,
            quantity=order.quantity,
            tx_hash=order.tx_hash,
        )
