"""The dry run of a DSR: `royalties oracle inspect` and `POST /v1/platforms/{id}/reports/inspect`
answer the same JSON, exit 0/1 (CLI), and store nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_intake_kit import CHAIN_ID, SETTLEMENT, IntakeKit
from typer.testing import CliRunner

from api.app import create_app, migrate_all
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.settings import ApiSettings
from oracle.cli import app
from oracle.settings import OracleSettings
from oracle.store.schema import reports

FIXTURES = Path(__file__).parent / "fixtures" / "dsrf"
BAP12 = FIXTURES / "bap12_streams.tsv"
SET = sorted(FIXTURES.glob("DSR_*"))
ADMIN = "inspect-admin-token-0123456789"
runner = CliRunner()


@pytest.fixture
def cli_env(
    kit: IntakeKit, intake_settings: OracleSettings, monkeypatch: pytest.MonkeyPatch
) -> IntakeKit:
    monkeypatch.setenv("ROYALTIES_DATABASE_URL", intake_settings.database_url)
    monkeypatch.setenv("ROYALTIES_DATA_DIR", str(intake_settings.data_dir))
    monkeypatch.setenv("ROYALTIES_SETTLEMENT_ADDRESS", SETTLEMENT)
    monkeypatch.setenv("ROYALTIES_CHAIN_ID", str(CHAIN_ID))
    return kit


def _reports(kit: IntakeKit) -> int:
    with kit.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def test_cli_inspect_accepts_a_good_report_and_stores_nothing(cli_env: IntakeKit) -> None:
    result = runner.invoke(app, ["inspect", str(BAP12), "--platform", "1"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["report_id"] == "BAP12-0001"
    assert answer["profile"] == "BasicAudioProfile 1.2"
    assert (answer["period_start"], answer["period_end"]) == (1_699_920_000, 1_700_524_800)
    known = {(t["isrc"], t["usage_class"]): t for t in answer["totals"] if t["known"]}
    assert known[("USRC17607839", 0)]["track"] == 1
    assert _reports(cli_env) == 0


def test_cli_inspect_of_a_set_and_of_a_broken_file(cli_env: IntakeKit, tmp_path: Path) -> None:
    both = runner.invoke(app, ["inspect", *map(str, SET)])
    assert both.exit_code == 0, both.output
    assert json.loads(both.output)["accepted"] is True
    broken = tmp_path / "broken.tsv"
    broken.write_text("\n".join(BAP12.read_text().splitlines()[:-1]) + "\n")
    result = runner.invoke(app, ["inspect", str(broken)])
    assert result.exit_code == 1
    errors = json.loads(result.output)["errors"]
    assert errors[0]["file"] == "broken.tsv"
    assert errors[0]["record"] == "FOOT"
    assert "truncated" in errors[0]["message"]
    csv = runner.invoke(app, ["inspect", str(broken), "--format", "csv"])
    assert csv.exit_code == 1


def test_api_inspect_answers_the_same_json(tmp_path: Path) -> None:
    settings = ApiSettings(
        environment="test",
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        admin_token=ADMIN,
        data_dir=tmp_path / "data",
        deployment_file=tmp_path / "deployment.json",
    )
    engine = make_engine(settings.database_url)
    migrate_all(engine)
    application = create_app(settings, engine=engine, chain=ChainGateway(settings))
    headers = {"Authorization": f"Bearer {ADMIN}"}
    with TestClient(application) as client:
        response = client.post(
            "/v1/platforms/1/reports/inspect",
            files=[("files", (p.name, p.read_bytes())) for p in SET],
            data={"format": "dsr"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["accepted"] is True
        assert answer["report_id"] == "BAP11-SET-1"
        assert sum(t["units"] for t in answer["totals"]) == 30
        one = client.post(
            "/v1/platforms/1/reports/inspect",
            files=[("files", (SET[1].name, SET[1].read_bytes()))],
            headers=headers,
        )
        assert one.json()["accepted"] is False
        assert any("missing" in e["message"] for e in one.json()["errors"])
        anonymous = client.post(
            "/v1/platforms/1/reports/inspect", files=[("files", ("r.tsv", b"HEAD\n"))]
        )
        assert anonymous.status_code == 401
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == 0
    assert not list((tmp_path / "data" / "incoming").glob("*"))
    engine.dispose()
