"""Several oracle nodes: each recomputes from its own store and signs only what it computed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from test_epoch_world import ETH, STABLE, EpochWorld, build_world

from chain_client.eip712 import recover_settlement_report_signer
from oracle.epoch.errors import EpochError, NodeDisagreement, NotEnoughSignatures
from oracle.store import epoch_repository as repo

LINES = [
    {"track": 1, "usage_class": 0, "units": 40},
    {"track": 2, "usage_class": 0, "units": 3},
    {"track": 3, "usage_class": 4, "units": 2, "attribution": [{"track": 2, "weight": 1_000_000}]},
]

world_fixture = pytest.fixture(name="world")(build_world)


def _tamper(world: EpochWorld, store_index: int) -> None:
    """Inflates one usage row directly in a node's store, as a compromised database would."""
    with world.stores[store_index].engine.begin() as conn:
        conn.execute(text("UPDATE oracle_usage SET micro_units = micro_units * 10"))


def test_tampered_node_refuses_and_the_root_posts_with_the_honest_two(world: EpochWorld) -> None:
    world.deposit(STABLE, 10**12)
    world.deposit(ETH, 10**18)
    stores = [world.new_store(f"node{i}") for i in (1, 2, 3)]
    world.submit(STABLE, LINES)
    world.submit(ETH, LINES[:1])
    _tamper(world, 2)
    nodes = [world.node(store, i) for i, store in enumerate(stores)]
    # The tampered node is asked first, so the honest peer is only reached after its refusal.
    runner = world.runner(nodes[0], [nodes[2], nodes[1]])

    outcome = runner.run_once()

    assert outcome.status == "posted"
    assert len(outcome.refusals) == 1
    assert "node3 refuses to sign: root differs" in outcome.refusals[0]
    with stores[0].engine.connect() as conn:
        signers = set(repo.signatures_of(conn, 1))
        record = repo.get_epoch(conn, 1)
    assert signers == {nodes[0].address, nodes[1].address}
    assert record is not None
    assert record.status == "confirmed"
    posted = world.settlement().root_posted_events(world.deployment.deploy_block)
    assert [e.args["root"].hex() for e in posted] == [record.root.removeprefix("0x")]
    with stores[1].engine.connect() as conn:
        peer_record = repo.get_epoch(conn, 1)
    assert peer_record is not None
    assert peer_record.status == "confirmed"
    with stores[2].engine.connect() as conn:
        assert repo.get_epoch(conn, 1) is None  # it signed nothing and stored nothing


def test_node_signs_only_a_report_equal_to_its_own(world: EpochWorld) -> None:
    world.deposit(STABLE, 10**12)
    store = world.new_store("node1")
    world.submit(STABLE, LINES)
    node = world.node(store, 0)
    block = world.w3.eth.block_number
    from oracle.epoch.computation import EpochProposal

    proposal = EpochProposal(1, world.settlement().config_version(), 10**6, block)
    computed = node.compute(proposal).computation
    assert computed is not None
    report = computed.report
    signature = node.sign_proposed(proposal, report)
    assert (
        recover_settlement_report_signer(
            report,
            signature,
            chain_id=world.deployment.chain_id,
            verifying_contract=world.deployment.usage_settlement,
        )
        == node.address
    )
    forged = type(report)(
        report.epoch, report.config_version, report.root, b"\x01" * 32, report.debits
    )
    with pytest.raises(NodeDisagreement, match="dataHash differs"):
        node.sign_proposed(proposal, forged)


def test_too_few_honest_nodes_post_nothing_and_keep_the_epoch(world: EpochWorld) -> None:
    world.deposit(STABLE, 10**12)
    stores = [world.new_store(f"node{i}") for i in (1, 2)]
    world.submit(STABLE, LINES)
    _tamper(world, 1)
    runner = world.runner(world.node(stores[0], 0), [world.node(stores[1], 1)])

    with pytest.raises(NotEnoughSignatures, match="1 signatures, 2 needed"):
        runner.run_once()

    assert world.settlement().last_epoch() == 0
    with stores[0].engine.connect() as conn:
        record = repo.get_epoch(conn, 1)
    assert record is not None
    assert record.status == "built"
    with pytest.raises(NotEnoughSignatures):  # a retry recomputes nothing new: still refused
        runner.run_once()

    # The operator drops the compromised node from the signer set and abandons the epoch.
    world.settlement().set_signers([world.node(stores[0], 0).address], 1)
    assert runner.abandon_unsent("node2 compromised") == 1
    outcome = runner.run_once()
    assert outcome.status == "posted"
    assert outcome.epoch == 1
    assert runner.abandon_unsent("nothing unfinished") is None


def test_a_changed_data_file_is_never_signed(world: EpochWorld) -> None:
    world.deposit(STABLE, 10**12)
    store = world.new_store("node1")
    world.submit(STABLE, LINES)

    def corrupt_file(point: str) -> None:
        if point == "after_build":
            with store.engine.connect() as conn:
                record = repo.get_epoch(conn, 1)
            assert record is not None
            Path(record.data_path).write_bytes(b"{}")
            raise RuntimeError("crash after build")

    runner = world.runner(world.node(store, 0), [world.node(world.new_store("node2"), 1)])
    crashing = world.runner(world.node(store, 0), [], crash=corrupt_file)
    with pytest.raises(RuntimeError, match="crash after build"):
        crashing.run_once()
    with pytest.raises(EpochError, match="data file .* is missing or changed"):
        runner.run_once()
    assert world.settlement().last_epoch() == 0
