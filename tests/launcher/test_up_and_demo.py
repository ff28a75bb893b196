"""`royalties up` as a real process, started once: the README's three journeys run verbatim
(curl + cast), a killed child is restarted, the demo's whole story runs against it, Ctrl-C stops
every child, and a second start serves the same deployment, chain state and data."""

from __future__ import annotations

import json
import os
import re
import shutil
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
ROOT = Path(__file__).resolve().parents[2]


def journeys_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The three journeys") : readme.index("## Pointing it at")]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


def _run_the_readme_journeys(launcher: Launcher, workdir: Path) -> None:
    """The journeys use fresh development accounts, so they run before the demo, which checks
    only its own gains (the journeys leave nothing unclaimed in the accounts it pays)."""
    env = {
        **launcher.env,
        "PATH": f"{ROOT / 'tools/bin'}:{launcher.env['PATH']}",
        "API": launcher.api_url,
        "RPC": f"http://127.0.0.1:{launcher.env['ANVIL_PORT']}",
        "DATA": launcher.env["DATA_DIR"],
    }
    workdir.mkdir()
    result = subprocess.run(
        ["bash", "-e", "-c", journeys_script()],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert '"accepted"' in out
    assert '"status": "sent"' in out  # the gasless claim
    assert "2800000 [2.8e6]" in out  # the artist's 70% of 4,000,000
    assert "1200000 [1.2e6]" in out  # claimed(producer, mUSD) after the cast-only claim
    assert "4200000 [4.2e6]" in out  # the producer's 30% of streams and edition sales
    assert "9800000 [9.8e6]" in out  # the artist's 70% of streams and sales, both claims
    assert '"reason": "opted_out"' in out


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    process = Launcher(launcher_env(tmp_path / "data"), tmp_path / "up.log")
    yield process
    process.kill()


def _stop(launcher: Launcher) -> None:
    code, children = launcher.interrupt()
    assert code == 0, launcher.log()[-3000:]
    # anvil, api, three oracle nodes, the observer, indexer (ORACLE_NODES=false: a worker, 4 in all)
    assert len(children) == 7, children
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


def _a_stopped_node_shows_as_down(launcher: Launcher) -> None:
    """Three node processes; one SIGSTOPped shows as down in the API and the status command."""
    assert launcher.process is not None
    nodes = [
        pid
        for pid in children_of(launcher.process.pid)
        if b"oracle\x00node\x00" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert len(nodes) == 3, nodes
    os.kill(nodes[0], signal.SIGSTOP)
    try:
        listed = launcher.get("/v1/oracle/nodes")["nodes"]
        assert len(listed) == 3
        assert [n["health"] for n in listed].count("down") == 1, listed
        status = subprocess.run(
            [ROYALTIES, "oracle", "nodes"],
            env=launcher.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert status.returncode == 1, status.stdout + status.stderr
        assert status.stdout.count("DOWN") == 1, status.stdout
    finally:
        os.kill(nodes[0], signal.SIGCONT)


def test_up_journeys_demo_stop_and_resume(launcher: Launcher, tmp_path: Path) -> None:
    data = tmp_path / "data"
    launcher.start()
    launcher.wait_healthy()
    assert "deployed, recorded in" in launcher.log()
    deployment = json.loads((data / "deployment.json").read_text())
    if shutil.which("jq") is not None:  # the README's journeys use jq
        _run_the_readme_journeys(launcher, tmp_path / "journeys")
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
    _a_stopped_node_shows_as_down(launcher)
    tracks = launcher.get("/v1/tracks")
    platforms = launcher.get("/v1/platforms", DEVELOPMENT_ADMIN_TOKEN)
    assert tracks["total"] >= 5

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
    assert registry.functions.trackCount().call() == tracks["total"]  # the chain state came back
    _stop(launcher)
