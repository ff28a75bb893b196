"""Raw reports between nodes, by content hash (keccak of the stored bytes).

A report reaches a node pushed (the API hands it to every node) or fetched from a peer that
holds it. Either way it goes through this node's own intake: the bytes are hashed again, the
platform's EIP-712 signature is checked against this node's catalog, and only an accepted
version can ever be counted. A peer cannot make this node count usage no platform signed.
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak
from sqlalchemy import Engine, select

from oracle.errors import OracleError, ReportRejectedError, UnknownPlatformError
from oracle.intake.ingest import ingest_file
from oracle.settings import OracleSettings
from oracle.store.records import ReportFormat, ReportStatus
from oracle.store.schema import reports

_IN_FORCE = (ReportStatus.ACCEPTED.value, ReportStatus.SUPERSEDED.value)


class ReplicationError(OracleError):
    """A report could not be obtained or was refused by this node's intake."""


@dataclass(frozen=True)
class RawReport:
    raw_hash: str
    platform_id: int
    report_format: ReportFormat
    file_name: str
    signature: str
    content: bytes

    def as_json(self) -> dict[str, Any]:
        return {
            "raw_hash": self.raw_hash,
            "platform_id": self.platform_id,
            "format": int(self.report_format),
            "file_name": self.file_name,
            "signature": self.signature,
            "content": base64.b64encode(self.content).decode(),
        }

    @classmethod
    def from_json(cls, value: Any) -> RawReport:
        try:
            content = base64.b64decode(str(value["content"]), validate=True)
            return cls(
                raw_hash=str(value.get("raw_hash") or raw_hash_of(content)),
                platform_id=int(value["platform_id"]),
                report_format=ReportFormat(int(value["format"])),
                file_name=str(value.get("file_name") or "report"),
                signature=str(value.get("signature") or ""),
                content=content,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ReplicationError(f"malformed report payload: {exc}") from exc


def raw_hash_of(content: bytes) -> str:
    return "0x" + keccak(content).hex()


def held_hashes(engine: Engine) -> list[str]:
    """Raw hashes of every version this node accepted (in force or superseded)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(reports.c.raw_hash).where(reports.c.status.in_(_IN_FORCE)).order_by(reports.c.id)
        )
        return [str(h) for (h,) in rows]


def load_raw(settings: OracleSettings, engine: Engine, raw_hash: str) -> RawReport | None:
    """The stored bytes and signed metadata of an accepted version, for a peer to verify."""
    with engine.connect() as conn:
        row = conn.execute(
            select(reports)
            .where(reports.c.raw_hash == raw_hash, reports.c.status.in_(_IN_FORCE))
            .order_by(reports.c.id)
        ).first()
    if row is None:
        return None
    m = row._mapping
    path = settings.data_dir / str(m["raw_path"])
    content = path.read_bytes()
    return RawReport(
        raw_hash=raw_hash,
        platform_id=int(m["platform_id"]),
        report_format=ReportFormat(int(m["format"])),
        file_name=str(m["file_name"]),
        signature=str(m["signature"]),
        content=content,
    )


@dataclass(frozen=True)
class Intake:
    raw_hash: str
    status: str
    """accepted | duplicate | rejected (final) | deferred (its platform is not in this node's
    catalog yet: try again later)"""
    detail: str = ""


def ingest_raw(settings: OracleSettings, engine: Engine, report: RawReport) -> Intake:
    """Runs a pushed or fetched report through this node's own intake (signature included)."""
    actual = raw_hash_of(report.content)
    if actual != report.raw_hash:
        raise ReplicationError(f"report bytes hash to {actual}, not the named {report.raw_hash}")
    suffix = {ReportFormat.JSON: ".json", ReportFormat.CSV: ".csv", ReportFormat.DSR: ".dsr"}
    with tempfile.TemporaryDirectory(prefix="node-intake-") as tmp:
        path = Path(tmp) / f"report{suffix[report.report_format]}"
        path.write_bytes(report.content)
        try:
            result = ingest_file(
                settings,
                engine,
                path,
                report.platform_id,
                report_format=report.report_format,
                signature=report.signature or None,
                file_name=report.file_name,
            )
        except ReportRejectedError as exc:
            return Intake(actual, "rejected", str(exc))
        except UnknownPlatformError as exc:
            # This node's catalog lags (the platform's statement is on its way): not a verdict
            # on the report, which the relay sends again and anti-entropy fetches again.
            return Intake(actual, "deferred", str(exc))
        except OracleError as exc:
            return Intake(actual, "rejected", str(exc))
    status = "duplicate" if result.duplicate else str(result.report.status.value)
    return Intake(actual, status)
