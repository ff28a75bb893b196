"""Follows the contracts' events into the database.

Resumes from the highest indexed block after a restart. Before each step it checks that the
blocks it stored still have the same hashes; on a mismatch it finds the highest block that still
matches (the fork point), deletes everything indexed above it, and indexes again from there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3

from api.chain.gateway import ChainGateway
from api.db.types import utc_now
from api.editions.models import Edition
from api.indexer.decoder import FOLLOWED, DecodedEvent, EventDecoder
from api.indexer.models import ChainEvent
from api.indexer.repository import IndexerRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    from_block: int
    to_block: int
    events: int
    rolled_back_to: int | None


def _account_and_split(decoded: DecodedEvent, emitter: str) -> tuple[str | None, str | None]:
    args = decoded.args
    if decoded.event == "Released":
        return str(args["account"]), emitter
    if decoded.event == "Claimed":  # the account paid (a wallet, or a split that is an account)
        return str(args["account"]), None
    if decoded.event == "TrackRegistered":
        return str(args.get("controller")), str(args.get("split"))
    return None, None


class Indexer:
    def __init__(
        self,
        engine: Engine,
        chain: ChainGateway,
        *,
        batch_blocks: int = 2_000,
        reorg_window: int = 64,
    ) -> None:
        self.engine = engine
        self.chain = chain
        self.batch_blocks = batch_blocks
        self.reorg_window = reorg_window
        abis = {name: chain.abi(name) for name in FOLLOWED}
        self.decoder = EventDecoder(abis, chain.w3.codec)

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    def _hash_of(self, number: int) -> str | None:
        try:
            block = self.w3.eth.get_block(number)
        except Exception:  # noqa: BLE001 - a block beyond the head after a reorg
            return None
        block_hash = block.get("hash")
        return block_hash.to_0x_hex() if block_hash is not None else None

    def _fork_point(self, repo: IndexerRepository) -> int | None:
        """None if the stored tip is still canonical, else the highest block that still matches."""
        last = repo.last_block()
        if last is None or self._hash_of(last.block_number) == last.block_hash:
            return None
        for stored in repo.blocks_from_top(self.reorg_window):
            if self._hash_of(stored.block_number) == stored.block_hash:
                return stored.block_number
        return self.chain.deployment.deploy_block - 1

    def sync_once(self) -> SyncResult:
        with Session(self.engine, expire_on_commit=False) as session:
            repo = IndexerRepository(session)
            fork = self._fork_point(repo)
            if fork is not None:
                removed = repo.rollback_above(fork)
                session.commit()
                log.warning("reorg: rolled back to block %s (%s events removed)", fork, removed)
            last = repo.last_block()
            start = (last.block_number if last else self.chain.deployment.deploy_block - 1) + 1
            head = int(self.w3.eth.block_number)
            if start > head:
                return SyncResult(start, start - 1, 0, fork)
            end = min(head, start + self.batch_blocks - 1)
            events, blocks = self._fetch(start, end)
            repo.save(blocks, events)
            for event in events:
                self._apply(repo, event)
            session.commit()
            return SyncResult(start, end, len(events), fork)

    def sync_to_head(self, max_steps: int = 1_000) -> int:
        total = 0
        for _ in range(max_steps):
            result = self.sync_once()
            total += result.events
            if result.to_block >= int(self.w3.eth.block_number):
                break
        return total

    def _fetch(self, start: int, end: int) -> tuple[list[ChainEvent], dict[int, str]]:
        deployment = self.chain.deployment
        addresses = [
            deployment.track_registry,
            deployment.usage_settlement,
            deployment.track_editions,
        ]
        logs: list[Any] = list(
            self.w3.eth.get_logs({"fromBlock": start, "toBlock": end, "address": addresses})
        )
        split_topics: Any = [[Web3.to_hex(t) for t in self.decoder.topics_of("TrackSplit")]]
        logs += list(
            self.w3.eth.get_logs({"fromBlock": start, "toBlock": end, "topics": split_topics})
        )
        blocks: dict[int, str] = {}
        events: list[ChainEvent] = []
        for entry in sorted(logs, key=lambda e: (e["blockNumber"], e["logIndex"])):
            decoded = self.decoder.decode(entry)
            number = int(entry["blockNumber"])
            block_hash = entry["blockHash"].to_0x_hex()
            blocks[number] = block_hash
            if decoded is None:
                continue
            emitter = str(Web3.to_checksum_address(entry["address"]))
            account, split = _account_and_split(decoded, emitter)
            events.append(
                ChainEvent(
                    block_number=number,
                    block_hash=block_hash,
                    log_index=int(entry["logIndex"]),
                    tx_hash=entry["transactionHash"].to_0x_hex(),
                    contract=decoded.contract,
                    address=emitter,
                    event=decoded.event,
                    args=decoded.args,
                    account=account,
                    split=split,
                )
            )
        end_hash = self._hash_of(end)
        if end_hash is not None:
            blocks.setdefault(end, end_hash)
        return events, blocks

    @staticmethod
    def _apply(repo: IndexerRepository, event: ChainEvent) -> None:
        if event.event != "EditionCreated":
            return
        args = event.args
        edition_id = int(args["editionId"])
        if repo.edition_exists(edition_id):
            return
        repo.add_edition(
            Edition(
                edition_id=edition_id,
                track_id=int(args["trackId"]),
                token=str(args["token"]),
                price=str(args["price"]),
                max_supply=int(args["maxSupply"]),
                sale_start=int(args["saleStart"]),
                sale_end=int(args["saleEnd"]),
                per_wallet_cap=int(args["perWalletCap"]),
                royalty_bps=int(args["royaltyBps"]),
                created_tx=event.tx_hash,
                created_at=utc_now(),
            )
        )
