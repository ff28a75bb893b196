"""The platforms' usage reports in the three formats, signed with EIP-712 (chain_client.eip712)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hexbytes import HexBytes
from web3 import Web3

from chain_client.eip712 import UsageReport, sign_usage_report
from oracle.intake.dsrf.builder import DsrWriter
from oracle.intake.json_report import canonical_lines_hash

JSON_FORMAT, CSV_FORMAT, DSR_FORMAT = 0, 1, 2


def _sign(
    key: str,
    *,
    report_id: str,
    platform_id: int,
    period: tuple[int, int],
    report_format: int,
    content_hash: bytes,
    chain_id: int,
    settlement: str,
) -> str:
    report = UsageReport(
        report_id=report_id,
        platform_id=platform_id,
        period_start=period[0],
        period_end=period[1],
        format=report_format,
        content_hash=content_hash,
    )
    signature = sign_usage_report(key, report, chain_id=chain_id, verifying_contract=settlement)
    return "0x" + bytes(signature).hex()


def signed_json(
    key: str,
    *,
    report_id: str,
    platform_id: int,
    period: tuple[int, int],
    lines: list[dict[str, object]],
    chain_id: int,
    settlement: str,
) -> dict[str, object]:
    signature = _sign(
        key,
        report_id=report_id,
        platform_id=platform_id,
        period=period,
        report_format=JSON_FORMAT,
        content_hash=bytes(HexBytes(canonical_lines_hash(lines))),
        chain_id=chain_id,
        settlement=settlement,
    )
    return {
        "report_id": report_id,
        "platform_id": platform_id,
        "chain_id": chain_id,
        "period_start": period[0],
        "period_end": period[1],
        "lines": lines,
        "signature": signature,
    }


def csv_file(*, report_id: str, period: tuple[int, int], chain_id: int, rows: list[str]) -> bytes:
    meta = [
        f"# report_id: {report_id}",
        f"# period_start: {period[0]}",
        f"# period_end: {period[1]}",
        f"# chain_id: {chain_id}",
        "track,usage_class,units,attribution",
    ]
    return ("\n".join([*meta, *rows]) + "\n").encode()


def dsr_file(*, message_id: str, day: datetime, usage: list[tuple[str, str, int]]) -> bytes:
    """A one-day DSRF Basic Audio Profile 1.2 report: usage is (ISRC, UseType, streams), one
    summary per use type, one block (AS01.01 + SU02) per line."""
    date = day.strftime("%Y-%m-%d")
    writer = DsrWriter(message_id, date, date)
    summaries: dict[str, str] = {}
    for _isrc, use, _count in usage:
        if use not in summaries:
            summaries[use] = f"S{len(summaries) + 1}"
            total = sum(n for _i, u, n in usage if u == use)
            writer.stream_summary(summaries[use], use, usages=total)
    for number, (isrc, use, count) in enumerate(usage, start=1):
        writer.stream_block(number, isrc, summaries[use], count)
    return writer.finish().encode()


def dsr_period(day: datetime) -> tuple[int, int]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def sign_file(
    key: str,
    content: bytes,
    *,
    report_id: str,
    platform_id: int,
    period: tuple[int, int],
    report_format: int,
    chain_id: int,
    settlement: str,
) -> str:
    """The detached signature of a CSV or DSR file (contentHash = keccak256 of its bytes)."""
    return _sign(
        key,
        report_id=report_id,
        platform_id=platform_id,
        period=period,
        report_format=report_format,
        content_hash=bytes(Web3.keccak(content)),
        chain_id=chain_id,
        settlement=settlement,
    )
