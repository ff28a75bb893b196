"""The intake commands of `royalties oracle`: catalog, ingest, reports, quarantine."""

from __future__ import annotations

import re

import pytest
from test_intake_kit import CHAIN_ID, SETTLEMENT, IntakeKit
from typer.testing import CliRunner

from oracle.cli import app
from oracle.settings import OracleSettings

runner = CliRunner()


@pytest.fixture
def cli_kit(
    kit: IntakeKit, intake_settings: OracleSettings, monkeypatch: pytest.MonkeyPatch
) -> IntakeKit:
    monkeypatch.setenv("ROYALTIES_DATABASE_URL", intake_settings.database_url)
    monkeypatch.setenv("ROYALTIES_DATA_DIR", str(intake_settings.data_dir))
    monkeypatch.setenv("ROYALTIES_SETTLEMENT_ADDRESS", SETTLEMENT)
    monkeypatch.setenv("ROYALTIES_CHAIN_ID", str(CHAIN_ID))
    return kit


@pytest.mark.parametrize(
    "command",
    [
        ["ingest"],
        ["reports"],
        ["recover"],
        ["quarantine", "list"],
        ["quarantine", "release"],
        ["quarantine", "reject"],
        ["platform", "add"],
        ["track", "add"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_catalog_commands_and_their_errors(cli_kit: IntakeKit) -> None:
    added = runner.invoke(
        app,
        [
            "track",
            "add",
            "--id",
            "8",
            "--tier",
            "5",
            "--isrc",
            "DE-A12-23-00008",
            "--consent",
            "4=1700000000",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "isrc DEA122300008" in added.output
    bad = runner.invoke(app, ["track", "add", "--id", "9", "--tier", "3", "--isrc", "NOPE"])
    assert bad.exit_code == 2
    assert "isrc 'NOPE' is not an ISRC" in bad.output
    rates = runner.invoke(
        app,
        [
            "platform",
            "add",
            "--id",
            "3",
            "--signer",
            "0x" + "ab" * 20,
            "--token",
            "0x" + "ee" * 20,
            "--rates",
            "1,2,3",
        ],
    )
    assert rates.exit_code == 2
    assert "--rates must be six" in rates.output


def test_ingest_then_quarantine_release(cli_kit: IntakeKit) -> None:
    cli_kit.add_track(4, tier=1)
    path, signature = cli_kit.csv_report("r.csv", ["1,0,3,", "4,1,2,"])
    result = runner.invoke(app, ["ingest", str(path), "--platform", "1", "--signature", signature])
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output
    match = re.search(r"quarantine #(\d+) \[held\] track 4 class 1: tier", result.output)
    assert match is not None, result.output
    listed = runner.invoke(app, ["quarantine", "list"])
    assert f"#{match.group(1)}  held" in listed.output
    released = runner.invoke(app, ["quarantine", "release", match.group(1)])
    assert released.exit_code == 0, released.output
    assert cli_kit.payable()[(4, 1, 1)] == 2_000_000
    again = runner.invoke(app, ["quarantine", "reject", match.group(1)])
    assert again.exit_code == 2
    assert "already released" in again.output
    duplicate = runner.invoke(
        app, ["ingest", str(path), "--platform", "1", "--signature", signature]
    )
    assert "already received, nothing new counted" in duplicate.output


def test_rejected_ingest_exits_2_naming_file_line_field(cli_kit: IntakeKit) -> None:
    path, signature = cli_kit.csv_report("r.csv", ["1,0,3,", "1,0,x,"])
    result = runner.invoke(app, ["ingest", str(path), "--platform", "1", "--signature", signature])
    assert result.exit_code == 2
    assert "r.csv:7: field 'units': units must be a whole number, got 'x'" in result.output
    listing = runner.invoke(app, ["reports", "--status", "rejected"])
    assert "'r1' v1  CSV  rejected" in listing.output
    unknown = runner.invoke(
        app, ["ingest", str(path), "--platform", "77", "--signature", signature]
    )
    assert unknown.exit_code == 2
    assert "platform 77 is not registered" in unknown.output
