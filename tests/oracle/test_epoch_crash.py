"""Crash safety: a REAL `royalties oracle epoch` process is killed (os._exit(137)) at each step
and restarted; the chain must see exactly one RootPosted per epoch and the totals stay right."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from test_epoch_world import CLI_POSTER, ETH, STABLE, EpochWorld, Store, build_world

from chain_client.devchain import DevChain
from oracle.epoch.crash import CRASH_POINTS
from oracle.epoch.wiring import build_runner
from oracle.settings import OracleSettings
from oracle.store import epoch_repository as repo
from oracle.store.schema import reports

world_fixture = pytest.fixture(name="world")(build_world)

LINES = [
    {"track": 1, "usage_class": 0, "units": 321},
    {
        "track": 3,
        "usage_class": 4,
        "units": 5,
        "attribution": [{"track": 2, "weight": 250_000}, {"track": 3, "weight": 750_000}],
    },
]
STATUS_AFTER_CRASH = {
    "after_build": "built",
    "after_sign": "signed",
    "after_tx_sign": "tx_signed",
    "after_send": "tx_signed",
    "before_receipt": "sent",
}
CLI = "from oracle.cli import app; app(prog_name='royalties oracle')"


def _environment(
    world: EpochWorld, rpc_url: str, coordinator: Store, peer: Store
) -> dict[str, str]:
    deployment_file = world.tmp / "deployment.json"
    world.deployment.save(deployment_file)
    peers = [
        {"name": "node2", "key": world.oracle_keys[1], "database_url": peer.settings.database_url}
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROYALTIES_")}
    env.update(
        ROYALTIES_DATABASE_URL=coordinator.settings.database_url,
        ROYALTIES_DATA_DIR=str(coordinator.settings.data_dir),
        ROYALTIES_RPC_URL=rpc_url,
        ROYALTIES_CHAIN_ID=str(world.deployment.chain_id),
        ROYALTIES_DEPLOYMENT_FILE=str(deployment_file),
        ROYALTIES_NODE_KEY=world.oracle_keys[0],
        ROYALTIES_POSTER_KEY="0x" + bytes(world.accounts[CLI_POSTER].key).hex(),
        ROYALTIES_CONFIRMATIONS="0",
        ROYALTIES_PEER_NODES=json.dumps(peers),
    )
    return env


def _settings_from(env: dict[str, str]) -> OracleSettings:
    values = {
        k.removeprefix("ROYALTIES_").lower(): v
        for k, v in env.items()
        if k.startswith("ROYALTIES_")
    }
    values["peer_nodes"] = json.loads(env["ROYALTIES_PEER_NODES"])
    return OracleSettings(**values)


def _run(env: dict[str, str], crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    if crash_at:
        env = {**env, "ROYALTIES_CRASH_AT": crash_at}
    return subprocess.run(
        [sys.executable, "-c", CLI, "epoch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _root_posted(world: EpochWorld) -> list[int]:
    events = world.settlement().root_posted_events(world.deployment.deploy_block)
    return [int(e.args["epoch"]) for e in events]


@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_killed_epoch_process_posts_exactly_once_after_restart(
    world: EpochWorld, dev_chain: DevChain, crash_at: str
) -> None:
    world.deposit(STABLE, 10**12)
    world.deposit(ETH, 10**18)
    coordinator, peer = world.new_store("node1"), world.new_store("node2")
    world.submit(STABLE, LINES)
    world.submit(ETH, LINES[:1])
    env = _environment(world, dev_chain.rpc_url, coordinator, peer)
    escrow_before = world.escrow(STABLE)

    crashed = _run(env, crash_at)
    assert crashed.returncode == 137, crashed.stderr
    with coordinator.engine.connect() as conn:
        record = repo.get_epoch(conn, 1)
    assert record is not None
    assert record.status == STATUS_AFTER_CRASH[crash_at]
    mined_before_restart = crash_at in ("after_send", "before_receipt")
    assert world.settlement().last_epoch() == (1 if mined_before_restart else 0)

    restarted = _run(env)
    assert restarted.returncode == 0, restarted.stderr
    assert "epoch 1: posted" in restarted.stdout
    assert _root_posted(world) == [1]
    if record.tx_hash is not None:  # the persisted transaction is the one that posted
        events = world.settlement().root_posted_events(world.deployment.deploy_block)
        assert events[0].transaction_hash == record.tx_hash
    expected = world.expected_leaf_amounts()
    stable_owed = sum(a for (_t, p), a in expected.items() if p == STABLE)
    assert world.escrow(STABLE) == escrow_before - stable_owed
    with coordinator.engine.connect() as conn:
        assert repo.get_epoch(conn, 1).status == "confirmed"  # type: ignore[union-attr]
        settled = repo.settled(conn)
        assert conn.execute(select(reports.c.settled_epoch)).scalars().all() == [1, 1]
    assert {k: v.micro_units for k, v in settled.items()} == world.expected_micro_units()

    # The same configuration in-process (a subprocess start is slow on a loaded machine):
    # nothing new means no second posting; new usage makes epoch 2, paying only the increment.
    setup = build_runner(_settings_from(env))
    try:
        assert setup.runner.run_once().status == "skipped"
        world.submit(STABLE, LINES[:1])
        assert setup.runner.run_once().status == "posted"
    finally:
        setup.close()
    assert _root_posted(world) == [1, 2]
    total_stable = sum(a for (_t, p), a in world.expected_leaf_amounts([STABLE]).items())
    assert world.escrow(STABLE) == escrow_before - total_stable
    with peer.engine.connect() as conn:
        assert repo.last_confirmed_epoch(conn) == 2


def test_epoch_cli_names_a_missing_key_and_a_bad_crash_point(
    world: EpochWorld, dev_chain: DevChain
) -> None:
    coordinator, peer = world.new_store("node1"), world.new_store("node2")
    env = _environment(world, dev_chain.rpc_url, coordinator, peer)
    no_key = _run({k: v for k, v in env.items() if k != "ROYALTIES_NODE_KEY"})
    assert no_key.returncode == 1
    assert "ROYALTIES_NODE_KEY" in no_key.stderr
    bad_point = _run(env, "halfway")
    assert bad_point.returncode != 0
    assert "ROYALTIES_CRASH_AT='halfway' is not one of" in bad_point.stderr
    assert _root_posted(world) == []


def test_status_lists_epochs_pending_reports_and_quarantine(
    world: EpochWorld, dev_chain: DevChain
) -> None:
    world.deposit(STABLE, 10**12)
    coordinator, peer = world.new_store("node1"), world.new_store("node2")
    world.submit(STABLE, LINES)
    env = _environment(world, dev_chain.rpc_url, coordinator, peer)
    status = subprocess.run(
        [sys.executable, "-c", CLI, "status"], env=env, capture_output=True, text=True, check=True
    )
    assert "epochs: none yet" in status.stdout
    assert "pending reports (accepted, not settled): 1" in status.stdout
    assert _run(env).returncode == 0
    status = subprocess.run(
        [sys.executable, "-c", CLI, "status"], env=env, capture_output=True, text=True, check=True
    )
    assert "confirmed" in status.stdout
    assert "pending reports (accepted, not settled): 0" in status.stdout
    assert "quarantine: empty" in status.stdout
