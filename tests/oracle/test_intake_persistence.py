"""Append-only persistence: raw file and row before the ack, crash mid-ingest, migrations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from Crypto.Hash import keccak
from sqlalchemy import func, select
from test_intake_kit import CHAIN_ID, SETTLEMENT, IntakeKit

from oracle.intake.headers import read_header
from oracle.intake.ingest import record_received, recover_pending
from oracle.intake.raw_store import store_raw_file
from oracle.store.migrate import upgrade
from oracle.store.records import ReportFormat, ReportStatus
from oracle.store.report_repository import list_reports
from oracle.store.schema import metadata, reports, usage

ROYALTIES = Path(sys.executable).with_name("royalties")


def test_raw_store_is_content_addressed_and_leaves_no_partial_files(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"some,report\n" * 1000)
    first = store_raw_file(source, tmp_path / "data", ".csv")
    second = store_raw_file(source, tmp_path / "data", ".csv")
    expected = keccak.new(digest_bits=256, data=source.read_bytes()).hexdigest()
    assert first.keccak_hex == second.keccak_hex == "0x" + expected
    assert first.absolute_path.name == f"{expected}.csv"
    assert first.absolute_path.read_bytes() == source.read_bytes()
    assert list((tmp_path / "data" / "raw" / "tmp").iterdir()) == []


def test_received_row_left_by_a_crash_is_finished_by_recover(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", ["1,0,4,", "2,0,6,"])
    stored = store_raw_file(path, kit.settings.data_dir, ".csv")
    # exactly what a crash after step 2 leaves: raw file and a 'received' row, no usage rows
    version, duplicate = record_received(
        kit.engine,
        platform_id=1,
        header=read_header(stored.absolute_path, ReportFormat.CSV),
        report_format=ReportFormat.CSV,
        content_hash=stored.keccak_hex,
        raw_hash=stored.keccak_hex,
        raw_path=stored.relative_path,
        file_name="r.csv",
        signature=signature,
    )
    assert not duplicate
    assert version.status is ReportStatus.RECEIVED
    assert kit.payable() == {}
    (outcome,) = recover_pending(kit.settings, kit.engine)
    assert not isinstance(outcome, Exception)
    assert outcome.report.status is ReportStatus.ACCEPTED
    assert kit.payable() == {(1, 1, 0): 4_000_000, (2, 1, 0): 6_000_000}
    assert recover_pending(kit.settings, kit.engine) == []


def test_ingest_killed_mid_way_is_completed_by_sending_the_file_again(kit: IntakeKit) -> None:
    lines = 600_000
    path, signature = kit.csv_report("big.csv", [f"{n % 3 + 1},0,1," for n in range(lines)])
    env = {
        **os.environ,
        "ROYALTIES_DATABASE_URL": kit.settings.database_url,
        "ROYALTIES_DATA_DIR": str(kit.settings.data_dir),
        "ROYALTIES_SETTLEMENT_ADDRESS": SETTLEMENT,
        "ROYALTIES_CHAIN_ID": str(CHAIN_ID),
    }
    child = subprocess.Popen(
        [
            str(ROYALTIES),
            "oracle",
            "ingest",
            str(path),
            "--platform",
            "1",
            "--signature",
            signature,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: tuple[str, str] | None = None
    deadline = time.monotonic() + 120
    try:
        while seen is None and child.poll() is None and time.monotonic() < deadline:
            with kit.engine.connect() as conn:
                row = conn.execute(select(reports.c.status, reports.c.raw_path)).first()
            if row is not None:
                seen = (row[0], row[1])
            else:
                time.sleep(0.002)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert seen is not None, "the ingest finished before its received row was observed"
    assert seen[0] == ReportStatus.RECEIVED.value
    raw = kit.settings.data_dir / seen[1]
    assert raw.read_bytes() == path.read_bytes()  # persisted before any ack
    with kit.engine.connect() as conn:
        (version,) = list_reports(conn)
        assert version.status is ReportStatus.RECEIVED
        assert conn.execute(select(func.count()).select_from(usage)).scalar_one() == 0

    result = kit.ingest(path, signature)
    assert result.report.id == version.id
    assert result.report.status is ReportStatus.ACCEPTED
    assert kit.ingest(path, signature).duplicate
    assert kit.payable() == {(t, 1, 0): lines // 3 * 1_000_000 for t in (1, 2, 3)}


def test_migrations_are_idempotent_and_match_the_tables(kit: IntakeKit) -> None:
    upgrade(kit.settings.database_url)
    intake_tables = {t for t in metadata.tables if not t.startswith("oracle_epoch")}
    with kit.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "oracle_alembic_version"})
        diffs = compare_metadata(context, metadata)
        versions = [
            r[0] for r in conn.exec_driver_sql("SELECT version_num FROM oracle_alembic_version")
        ]
    assert versions
    ours = [d for d in diffs if any(name in repr(d) for name in intake_tables)]
    assert ours == []
