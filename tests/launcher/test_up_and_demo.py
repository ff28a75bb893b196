"""`royalties up` as a real process: the demo's whole story against it, Ctrl-C stops every
child, and a second start serves the same deployment, chain state and data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from launcher_process import BANNER, ROYALTIES, Launcher, alive, children_of, launcher_env
from web3 import Web3

from api.settings import DEVELOPMENT_ADMIN_TOKEN

pytestmark = pytest.mark.slow


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    process = Launcher(launcher_env(tmp_path / "data"), tmp_path / "up.log")
    yield process
    process.kill()


def _stop(launcher: Launcher) -> None:
    code, children = launcher.interrupt()
    assert code == 0, launcher.log()[-3000:]
    assert len(children) == 7, children  # anvil, api, three oracle nodes, observer, indexer
    assert not [pid for pid in children if alive(pid)]


def _crashed_child_is_restarted(launcher: Launcher) -> None:
    assert launcher.process is not None
    before = set(children_of(launcher.process.pid))
    (indexer,) = [pid for pid in before if "indexer" in Path(f"/proc/{pid}/cmdline").read_text()]
    os.kill(indexer, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = set(children_of(launcher.process.pid))
        if len(now) == len(before) and indexer not in now:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the indexer was not restarted:\n{launcher.log()[-3000:]}")
    assert "indexer exited with -9; restarting" in launcher.log()


def test_up_demo_stop_and_resume(launcher: Launcher, tmp_path: Path) -> None:
    data = tmp_path / "data"
    launcher.start()
    launcher.wait_healthy()
    assert "deployed, recorded in" in launcher.log()
    deployment = json.loads((data / "deployment.json").read_text())
    _crashed_child_is_restarted(launcher)

    demo = subprocess.run(
        [ROYALTIES, "demo", "--epoch-timeout", "180"],
        env=launcher.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    assert "every balance matches" in demo.stdout
    assert "QUARANTINED" in demo.stdout  # the track without AI consent
    tracks = launcher.get("/v1/tracks")
    platforms = launcher.get("/v1/platforms", DEVELOPMENT_ADMIN_TOKEN)

    _stop(launcher)
    assert (data / "anvil-state.json").stat().st_size > 0

    launcher.start()
    launcher.wait_healthy()
    assert "reused from" in launcher.log().rsplit(BANNER, 1)[1]
    assert json.loads((data / "deployment.json").read_text()) == deployment
    assert launcher.get("/v1/tracks") == tracks
    assert launcher.get("/v1/platforms", DEVELOPMENT_ADMIN_TOKEN) == platforms
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{launcher.env['ANVIL_PORT']}"))
    registry = w3.eth.contract(
        address=deployment["track_registry"],
        abi=[
            {
                "name": "trackCount",
                "type": "function",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [{"name": "", "type": "uint256"}],
            }
        ],
    )
    assert registry.functions.trackCount().call() == 5  # the chain state came back too
    _stop(launcher)
