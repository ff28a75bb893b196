"""The intake test kit: a platform key, report builders and signers, ingest and totals helpers.

Imported by conftest.py (fixtures) and by the intake tests (`from test_intake_kit import ...`).
It holds no tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import Engine

from chain_client.eip712 import UsageReport, sign_usage_report
from oracle.catalog import Consent, upsert_platform, upsert_track
from oracle.intake.dsrf.builder import DsrWriter
from oracle.intake.ingest import IngestResult, ingest_file
from oracle.intake.json_report import canonical_lines_hash
from oracle.intake.raw_store import store_raw_file
from oracle.settings import OracleSettings
from oracle.store.counters import latest_intake_seq
from oracle.store.records import ReportFormat
from oracle.store.usage_repository import payable_totals

SETTLEMENT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CHAIN_ID = 31337
#: A past week: [2023-11-14 00:00, 2023-11-21 00:00) UTC.
PERIOD = (1_699_920_000, 1_700_524_800)
DSR_DATES = ("2023-11-14", "2023-11-20")
#: A DSRF UseType per usage class, all mapped back by the default class table.
USE_TYPE_FOR_CLASS = {
    "0": "OnDemandStream",
    "1": "PermanentDownload",
    "2": "UserMakeAvailableUserProvided",
    "3": "DubForMovies",
    "4": "AIGeneration",
    "5": "AIRemix",
}
PLATFORM_KEY = "0x" + "a1" * 32
OTHER_KEY = "0x" + "b2" * 32
ZERO = "0x" + "00" * 20
ISRC_1 = "USRC17607839"


@dataclass
class IntakeKit:
    settings: OracleSettings
    engine: Engine
    tmp: Path
    platform: LocalAccount = field(default_factory=lambda: Account.from_key(PLATFORM_KEY))

    def add_platform(
        self, platform_id: int = 1, key: str = PLATFORM_KEY, max_units: int | None = None
    ) -> None:
        with self.engine.begin() as conn:
            upsert_platform(
                conn,
                platform_id,
                Account.from_key(key).address,
                "0x" + "ee" * 20,
                [4_000, 1_000_000, 2_000, 50_000_000, 3_000, 3_000],
                max_units_per_report=max_units,
                name=f"platform {platform_id}",
            )

    def add_track(
        self,
        track_id: int,
        tier: int = 6,
        isrc: str | None = None,
        consents: Mapping[int, Consent] | None = None,
    ) -> None:
        if consents is None and tier >= 5:
            consents = {4: Consent(granted_at=1), 5: Consent(granted_at=1)}
        with self.engine.begin() as conn:
            upsert_track(conn, track_id, tier, isrc=isrc, consents=consents)

    def sign(
        self,
        content_hash: str,
        report_id: str,
        fmt: ReportFormat,
        period: tuple[int, int] = PERIOD,
        key: str = PLATFORM_KEY,
        chain_id: int = CHAIN_ID,
        platform_id: int = 1,
    ) -> str:
        report = UsageReport(
            report_id=report_id,
            platform_id=platform_id,
            period_start=period[0],
            period_end=period[1],
            format=int(fmt),
            content_hash=bytes(HexBytes(content_hash)),
        )
        signature = sign_usage_report(key, report, chain_id=chain_id, verifying_contract=SETTLEMENT)
        return "0x" + signature.hex()

    def file_hash(self, path: Path) -> str:
        return store_raw_file(path, self.tmp / "hash-scratch", ".bin").keccak_hex

    def write_csv(
        self,
        name: str,
        rows: Sequence[str],
        report_id: str = "r1",
        period: tuple[int, int] = PERIOD,
        chain_id: int | None = CHAIN_ID,
        header: str = "track,usage_class,units,attribution",
    ) -> Path:
        meta = [f"# report_id: {report_id}", f"# period_start: {period[0]}"]
        meta.append(f"# period_end: {period[1]}")
        if chain_id is not None:
            meta.append(f"# chain_id: {chain_id}")
        path = self.tmp / name
        path.write_text("\n".join([*meta, header, *rows]) + "\n", encoding="utf-8")
        return path

    def csv_report(
        self, name: str, rows: Sequence[str], report_id: str = "r1", **kw: object
    ) -> tuple[Path, str]:
        """A CSV file and its valid signature."""
        period = kw.pop("period", PERIOD)
        assert isinstance(period, tuple)
        path = self.write_csv(name, rows, report_id=report_id, period=period, **kw)  # type: ignore[arg-type]
        return path, self.sign(self.file_hash(path), report_id, ReportFormat.CSV, period=period)

    def write_dsr(
        self,
        name: str,
        usage: Sequence[tuple[str, str, str, int | str]],
        message_id: str = "MSG-1",
        dates: tuple[str, str] = DSR_DATES,
    ) -> Path:
        """A Basic Audio Profile 1.2 report. usage: (summary id, ISRC, use type, streams); a use
        type may be a class number (0-5), written as a use type the default table maps to it."""
        writer = DsrWriter(message_id, dates[0], dates[1])
        summaries: dict[tuple[str, str], str] = {}
        for summary_id, _isrc, use, _count in usage:
            use_type = USE_TYPE_FOR_CLASS.get(use, use)
            if (summary_id, use_type) not in summaries:
                sid = summaries[(summary_id, use_type)] = f"{summary_id}-{len(summaries)}"
                writer.stream_summary(sid, use_type)
        for number, (summary_id, isrc, use, count) in enumerate(usage, start=1):
            sid = summaries[(summary_id, USE_TYPE_FOR_CLASS.get(use, use))]
            writer.stream_block(number, isrc, sid, count)
        return writer.write(self.tmp / name)

    def dsr_signature(self, path: Path, message_id: str = "MSG-1", **kw: object) -> str:
        return self.sign(self.file_hash(path), message_id, ReportFormat.DSR, **kw)  # type: ignore[arg-type]

    def write_json(
        self,
        name: str,
        lines: list[dict[str, object]],
        report_id: str = "j1",
        period: tuple[int, int] = PERIOD,
        key: str = PLATFORM_KEY,
        chain_id: int = CHAIN_ID,
        signed_chain_id: int | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> Path:
        import json

        signature = self.sign(
            canonical_lines_hash(lines),
            report_id,
            ReportFormat.JSON,
            period=period,
            key=key,
            chain_id=signed_chain_id or chain_id,
        )
        doc = {
            "report_id": report_id,
            "platform_id": 1,
            "chain_id": chain_id,
            "period_start": period[0],
            "period_end": period[1],
            "lines": lines,
            "signature": signature,
            **(extra or {}),
        }
        path = self.tmp / name
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        return path

    def ingest(
        self,
        path: Path,
        signature: str | None = None,
        fmt: ReportFormat | None = None,
        platform_id: int = 1,
    ) -> IngestResult:
        return ingest_file(self.settings, self.engine, path, platform_id, fmt, signature)

    def payable(self, cut: int | None = None) -> dict[tuple[int, int, int], int]:
        with self.engine.connect() as conn:
            return payable_totals(conn, latest_intake_seq(conn) if cut is None else cut)
