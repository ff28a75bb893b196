"""The epoch worker: a real process settles epochs on its interval and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from test_epoch_world import STABLE, EpochWorld, build_world

from chain_client.devchain import DevChain
from oracle.store import epoch_repository as repo

world_fixture = pytest.fixture(name="world")(build_world)
WORKER_POSTER = 15


def test_worker_posts_an_epoch_then_stops_on_sigterm(
    world: EpochWorld, dev_chain: DevChain
) -> None:
    world.deposit(STABLE, 10**12)
    store = world.new_store("node1")
    world.settlement().set_signers([world.node(store, 0).address], 1)
    world.submit(STABLE, [{"track": 1, "usage_class": 0, "units": 9}])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROYALTIES_")}
    env.update(
        ROYALTIES_DATABASE_URL=store.settings.database_url,
        ROYALTIES_DATA_DIR=str(store.settings.data_dir),
        ROYALTIES_RPC_URL=dev_chain.rpc_url,
        ROYALTIES_CHAIN_ID=str(world.deployment.chain_id),
        ROYALTIES_SETTLEMENT_ADDRESS=world.deployment.usage_settlement,
        ROYALTIES_NODE_KEY=world.oracle_keys[0],
        ROYALTIES_POSTER_KEY="0x" + bytes(world.accounts[WORKER_POSTER].key).hex(),
        ROYALTIES_CONFIRMATIONS="0",
        ROYALTIES_EPOCH_INTERVAL_SECONDS="1",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "oracle.worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while world.settlement().last_epoch() < 1 and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            time.sleep(0.5)
        if world.settlement().last_epoch() < 1:
            worker.kill()
            output, _ = worker.communicate(timeout=60)
            pytest.fail(f"the worker posted nothing in 240 s:\n{output}")
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "stopping" in output
    with store.engine.connect() as conn:
        assert repo.last_confirmed_epoch(conn) == 1
    assert world.settlement().last_epoch() == 1
