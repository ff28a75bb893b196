"""The indexer follows contract events into the DB, resumes after a restart, and survives a
reorg (anvil snapshot/revert: the blocks it stored change hashes; it rolls back to the fork)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_settings
from eth_account import Account
from sqlalchemy import Engine, select
from sqlmodel import Session
from web3 import Web3

from api.app import migrate_all
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.indexer.models import ChainEvent, IndexedBlock
from api.indexer.runner import Indexer
from chain_client.deploy import deploy_all
from chain_client.devchain import DevChain


@dataclass
class IndexerWorld:
    chain: DevChain
    gateway: ChainGateway
    engine: Engine
    keys: tuple[str, ...]

    def register(self, controller_index: int) -> str:
        """Registers a one-recipient track controlled by account `controller_index`; its tx hash."""
        controller = Account.from_key(self.keys[controller_index]).address
        registry = self.gateway.contract("TrackRegistry")
        receipt = self.gateway.send_as_operator(
            registry.functions.registerTrack(
                controller, [controller], [1_000_000], 1, 0, b"\x01" * 32, os.urandom(32), False
            )
        )
        return str(receipt["transactionHash"].to_0x_hex())

    def events(self, name: str) -> list[ChainEvent]:
        with Session(self.engine) as session:
            query = select(ChainEvent).where(ChainEvent.event == name)  # type: ignore[arg-type]
            return list(session.execute(query.order_by(ChainEvent.block_number)).scalars())


@pytest.fixture(scope="module")
def own_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevChain, ChainGateway]]:
    """A chain of its own: reverting it must not disturb the session's shared chain."""
    with DevChain() as chain:
        keys = chain.private_keys
        settings = make_settings(
            tmp_path_factory.mktemp("indexer"),
            rpc_url=chain.rpc_url,
            chain_id=chain.chain_id,
            operator_key=keys[0],
        )
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        deployment = deploy_all(
            w3,
            Account.from_key(keys[0]),
            guardian=Account.from_key(keys[4]).address,
            oracle_signers=[Account.from_key(keys[1]).address],
            threshold=1,
        )
        yield chain, ChainGateway(settings, w3=w3, deployment=deployment)


@pytest.fixture
def world(tmp_path: Path, own_chain: tuple[DevChain, ChainGateway]) -> Iterator[IndexerWorld]:
    """A fresh database per test; the chain goes back to its state before the test."""
    chain, gateway = own_chain
    snapshot = chain.snapshot()
    engine = make_engine(f"sqlite:///{tmp_path / 'indexer.db'}")
    migrate_all(engine)
    try:
        yield IndexerWorld(chain, gateway, engine, chain.private_keys)
    finally:
        engine.dispose()
        chain.revert(snapshot)
        gateway.operator_sender.resync_nonce()


def test_indexes_events_and_resumes_after_a_restart(world: IndexerWorld) -> None:
    first_tx = world.register(6)
    indexer = Indexer(world.engine, world.gateway)
    assert indexer.sync_to_head() >= 1
    assert [e.tx_hash for e in world.events("TrackRegistered")] == [first_tx]

    second_tx = world.register(7)
    restarted = Indexer(world.engine, world.gateway)  # a new process: state comes from the DB
    result = restarted.sync_once()
    assert result.events == 1
    assert [e.tx_hash for e in world.events("TrackRegistered")] == [first_tx, second_tx]
    assert restarted.sync_once().events == 0  # nothing indexed twice


def test_small_batches_cover_every_block(world: IndexerWorld) -> None:
    hashes = [world.register(6 + i) for i in range(3)]
    Indexer(world.engine, world.gateway, batch_blocks=1).sync_to_head()
    assert [e.tx_hash for e in world.events("TrackRegistered")] == hashes


def test_reorg_rolls_back_to_the_fork_point_and_reindexes(world: IndexerWorld) -> None:
    kept = world.register(6)
    indexer = Indexer(world.engine, world.gateway)
    indexer.sync_to_head()
    snapshot = world.chain.snapshot()
    orphaned = world.register(7)
    world.chain.mine(2)
    indexer.sync_to_head()
    assert [e.tx_hash for e in world.events("TrackRegistered")] == [kept, orphaned]
    with Session(world.engine) as session:
        tip_before = session.get(IndexedBlock, world.gateway.w3.eth.block_number)
        assert tip_before is not None

    world.chain.revert(snapshot)  # the last blocks are replaced by another fork
    world.gateway.operator_sender.resync_nonce()
    replacement = world.register(8)
    world.chain.mine(4)
    result = indexer.sync_once()
    assert result.rolled_back_to is not None
    indexer.sync_to_head()

    events = world.events("TrackRegistered")
    assert [e.tx_hash for e in events] == [kept, replacement]
    assert events[1].args["controller"] == Account.from_key(world.keys[8]).address
    w3 = world.gateway.w3
    for event in events:
        assert w3.eth.get_block(event.block_number)["hash"].to_0x_hex() == event.block_hash
    with Session(world.engine) as session:
        for block in session.execute(select(IndexedBlock)).scalars():
            assert w3.eth.get_block(block.block_number)["hash"].to_0x_hex() == block.block_hash


def test_edition_created_on_chain_is_recorded(world: IndexerWorld) -> None:
    world.register(0)  # the operator controls track 1, so it may create an edition itself
    editions = world.gateway.contract("TrackEditions")
    world.gateway.send_as_operator(
        editions.functions.createEdition(
            1, "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE", 10**15, 100, 0, 0, 0, 500
        )
    )
    Indexer(world.engine, world.gateway).sync_to_head()
    from api.editions.models import Edition

    with Session(world.engine) as session:
        edition = session.get(Edition, 1)
    assert edition is not None
    assert (edition.track_id, edition.price, edition.max_supply) == (1, str(10**15), 100)
