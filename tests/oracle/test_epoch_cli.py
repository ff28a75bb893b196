"""The epoch CLI's help and its errors for bad configuration (in-process, no chain needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oracle.cli import app
from oracle.epoch.run_lock import epoch_run_lock

runner = CliRunner()


def test_epoch_and_status_help_describe_the_commands() -> None:
    epoch_help = runner.invoke(app, ["epoch", "--help"])
    assert epoch_help.exit_code == 0
    assert "Run one epoch now" in epoch_help.output
    assert "--abandon-unsent" in epoch_help.output
    status_help = runner.invoke(app, ["status", "--help"])
    assert status_help.exit_code == 0
    assert "pending" in status_help.output


def test_epoch_without_deployment_names_the_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROYALTIES_DATABASE_URL", f"sqlite:///{tmp_path / 'oracle.db'}")
    monkeypatch.setenv("ROYALTIES_NODE_KEY", "0x" + "11" * 32)
    monkeypatch.setenv("ROYALTIES_DEPLOYMENT_FILE", str(tmp_path / "missing.json"))
    monkeypatch.delenv("ROYALTIES_SETTLEMENT_ADDRESS", raising=False)
    monkeypatch.setenv("ROYALTIES_RPC_URL", "http://127.0.0.1:1")
    result = runner.invoke(app, ["epoch"])
    assert result.exit_code == 1
    assert f"error: deployment file {tmp_path / 'missing.json'} not found" in result.output
    monkeypatch.setenv("ROYALTIES_SETTLEMENT_ADDRESS", "0x" + "5e" * 20)
    unreachable = runner.invoke(app, ["epoch"])
    assert unreachable.exit_code == 1
    assert "error: cannot reach the chain at http://127.0.0.1:1" in unreachable.output


def test_status_on_an_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROYALTIES_DATABASE_URL", f"sqlite:///{tmp_path / 'oracle.db'}")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "epochs: none yet" in result.output
    assert "pending reports (accepted, not settled): 0" in result.output
    assert "quarantine: empty" in result.output


def test_a_second_epoch_run_waits_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    with epoch_run_lock(tmp_path) as first:
        assert first
        with epoch_run_lock(tmp_path) as second:
            assert not second
    with epoch_run_lock(tmp_path) as again:
        assert again
