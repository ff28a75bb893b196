"""`royalties up` refuses a bad configuration with a clear message and starts nothing."""

from __future__ import annotations

import gzip
import socket
import subprocess
from pathlib import Path

import pytest
from launcher_process import ROYALTIES, launcher_env


def _up(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROYALTIES, "up"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_development_keys_on_a_remote_chain_are_refused(tmp_path: Path) -> None:
    env = {**launcher_env(tmp_path / "data"), "RPC_URL": "https://rpc.example.org"}
    result = _up(env)
    assert result.returncode == 2
    assert "is not a local chain" in result.stderr
    assert not (tmp_path / "data" / "deployment.json").exists()


def test_production_without_admin_token_or_keystores_is_refused(tmp_path: Path) -> None:
    env = {**launcher_env(tmp_path / "data"), "ENVIRONMENT": "production"}
    result = _up(env)
    assert result.returncode == 2
    assert "ADMIN_TOKEN: required outside development" in result.stderr
    result = _up({**env, "ADMIN_TOKEN": "a-long-random-operator-token"})
    assert result.returncode == 2
    assert "KEYSTORE_PASSWORD" in result.stderr


def test_a_taken_api_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    env = launcher_env(tmp_path / "data")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(env["API_PORT"])))
        taken.listen()
        result = _up(env)
    assert result.returncode == 2
    assert f"127.0.0.1:{env['API_PORT']} is already in use" in result.stderr
    assert not (tmp_path / "data" / "anvil-state.json").exists()


@pytest.mark.parametrize(
    ("name", "version"),
    [("epoch-00000001.json", "v1"), ("epoch-00000001.7.jsonl.gz", "v3")],
)
def test_a_data_dir_with_old_epoch_files_is_refused_before_anything_starts(
    tmp_path: Path, name: str, version: str
) -> None:
    data = tmp_path / "data"
    old = data / "epochs" / "31337-0x5fbdb2315678afecb367f032d93f642f64180aa3"
    old.mkdir(parents=True)
    header = f'{{"format":"ai-music-royalties/settlement-epoch/{version}","kind":"header"}}\n'
    if name.endswith(".gz"):
        (old / name).write_bytes(gzip.compress(header.encode()))
    else:
        (old / name).write_text(header)
    result = _up(launcher_env(data))
    assert result.returncode == 2
    assert "is from an older version" in result.stderr
    assert f"settlement-epoch/{version}" in result.stderr
    assert "make clean-data" in result.stderr
    assert f"mv {data} {data}.old" in result.stderr
    assert not (data / "anvil-state.json").exists()


def test_v4_files_in_either_container_are_current_and_a_v3_zstd_file_is_not(
    tmp_path: Path,
) -> None:
    import zstandard

    from oracle.settlement.data_file import FORMAT
    from royalties_system.launcher.compat import old_data_files

    epochs = tmp_path / "epochs" / "31337-0x5fbdb2315678afecb367f032d93f642f64180aa3"
    epochs.mkdir(parents=True)
    current = f'{{"format":"{FORMAT}","kind":"header"}}\n'.encode()
    (epochs / "epoch-00000001.jsonl.gz").write_bytes(gzip.compress(current))
    (epochs / "epoch-00000002.jsonl.zst").write_bytes(zstandard.compress(current))
    (epochs / "epoch-00000003.jsonl.zst.tmp").write_bytes(b"cut short by a crash")
    assert old_data_files(tmp_path) == []
    v3 = current.replace(b"/v4", b"/v3")
    (epochs / "epoch-00000004.jsonl.zst").write_bytes(zstandard.compress(v3))
    assert old_data_files(tmp_path) == [
        (epochs / "epoch-00000004.jsonl.zst", "ai-music-royalties/settlement-epoch/v3")
    ]
