"""DevChain lifecycle against a real anvil: start, snapshots, state kept across restarts."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from chain_client.devchain import DevChain, dev_private_keys
from chain_client.errors import DevChainError

ANVIL_FIRST_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_dev_keys_are_anvils_well_known_ones() -> None:
    chain = DevChain(accounts_count=2)
    assert chain.accounts[0] == ANVIL_FIRST_ACCOUNT
    assert len(dev_private_keys(2)) == 2


def test_snapshot_and_revert(dev_chain: DevChain) -> None:
    start = int(dev_chain.rpc("eth_blockNumber"), 16)
    snapshot = dev_chain.snapshot()
    dev_chain.mine(5)
    assert int(dev_chain.rpc("eth_blockNumber"), 16) == start + 5
    dev_chain.revert(snapshot)
    assert int(dev_chain.rpc("eth_blockNumber"), 16) == start


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "chain-state.json"
    with DevChain(state_path=state, accounts_count=2) as chain:
        chain.mine(7)
        chain.set_balance(chain.accounts[1], 12345)
        port = chain.port
    assert state.exists()
    with DevChain(state_path=state, accounts_count=2) as restarted:
        assert int(restarted.rpc("eth_blockNumber"), 16) >= 7
        assert int(restarted.rpc("eth_getBalance", [restarted.accounts[1], "latest"]), 16) == 12345
    assert not restarted.running
    assert port is not None


def test_a_taken_port_is_reported(dev_chain: DevChain) -> None:
    clash = DevChain(port=dev_chain.port, startup_timeout=5)
    with pytest.raises(DevChainError):
        clash.start()
    assert not clash.running


def _is_gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status  # exited, waiting to be reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_anvil_does_not_outlive_a_killed_parent() -> None:
    script = (
        "import os\n"
        "from chain_client.devchain import DevChain\n"
        "chain = DevChain(accounts_count=1).start()\n"
        "print(chain._process.pid, flush=True)\n"
        "os._exit(0)\n"  # no cleanup, like a crash
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, timeout=60
    )
    pid = int(result.stdout.strip())
    deadline = time.monotonic() + 10
    while not _is_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _is_gone(pid)
