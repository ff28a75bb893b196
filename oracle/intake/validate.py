"""Report-level checks: chain, platform, period, settled overlap, the platform's signature."""

from __future__ import annotations

import json
import time

from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import Connection

from chain_client.constants import UNIT_SCALE
from chain_client.eip712 import UsageReport, recover_digest_signer, usage_report_digest
from chain_client.errors import ChainClientError
from oracle.catalog import Platform
from oracle.errors import ConfigurationError
from oracle.intake.contract_wallet import contract_wallet_accepts
from oracle.intake.issues import IssueCollector
from oracle.intake.model import Aggregate, ReportHeader, unpack_key
from oracle.settings import OracleSettings
from oracle.store.records import ReportFormat
from oracle.store.report_repository import (
    overlapping_settled_periods,
    platform_lifetime_micro_units,
)

_SETTLEMENT_KEYS = ("usage_settlement", "UsageSettlement", "usageSettlement", "settlement")


def verifying_contract(settings: OracleSettings) -> str:
    """The UsageSettlement address platform signatures are bound to."""
    if settings.settlement_address:
        return to_checksum_address(settings.settlement_address)
    path = settings.deployment_file
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"no settlement_address set and deployment file {path} is unreadable: {exc}"
        ) from exc
    for container in (document, document.get("addresses", {}), document.get("contracts", {})):
        if isinstance(container, dict):
            for key in _SETTLEMENT_KEYS:
                if isinstance(container.get(key), str):
                    return to_checksum_address(container[key])
    raise ConfigurationError(f"deployment file {path} names no UsageSettlement address")


def check_header(
    header: ReportHeader,
    platform: Platform,
    settings: OracleSettings,
    issues: IssueCollector,
    now: int | None = None,
) -> None:
    """Chain id, platform id and period bounds (the fields every format declares)."""
    if header.chain_id is not None and header.chain_id != settings.chain_id:
        issues.add(
            None,
            "chain_id",
            f"report is for chain {header.chain_id}, this oracle settles chain {settings.chain_id}",
        )
    if header.platform_id is not None and header.platform_id != platform.platform_id:
        issues.add(
            None,
            "platform_id",
            f"report names platform {header.platform_id}, it was submitted as platform "
            f"{platform.platform_id}",
        )
    start, end = header.period_start, header.period_end
    if start is None or end is None:
        return
    if start >= end:
        issues.add(None, "period_end", f"period end {end} is not after its start {start}")
    if end >= 2**64:
        issues.add(None, "period_end", "period end does not fit uint64")
    current = int(time.time()) if now is None else now
    if end > current + settings.max_future_skew_seconds:
        issues.add(None, "period_end", f"period ends in the future ({end} > now {current})")


def check_settled_overlap(
    conn: Connection,
    header: ReportHeader,
    platform_id: int,
    is_correction: bool,
    issues: IssueCollector,
) -> None:
    """A new report (not a correction) may not overlap a period already settled on chain."""
    if is_correction or header.period_start is None or header.period_end is None:
        return
    for settled in overlapping_settled_periods(
        conn, platform_id, header.period_start, header.period_end, header.report_id or ""
    ):
        issues.add(
            None,
            "period_start",
            f"period [{header.period_start}, {header.period_end}) overlaps report "
            f"{settled.report_id!r} [{settled.period_start}, {settled.period_end}), "
            f"already settled in epoch {settled.settled_epoch}",
        )


def check_signature(
    header: ReportHeader,
    report_format: ReportFormat,
    content_hash: str,
    signature: str | None,
    platform: Platform,
    settings: OracleSettings,
    issues: IssueCollector,
) -> str | None:
    """Recovers the signer of the report's UsageReport; returns it when it is the platform's key."""
    if not signature:
        issues.add(None, "signature", "the report is not signed (EIP-712 UsageReport signature)")
        return None
    if header.report_id is None or header.period_start is None or header.period_end is None:
        return None  # already reported as missing fields; nothing to verify against
    report = UsageReport(
        report_id=header.report_id,
        platform_id=platform.platform_id,
        period_start=header.period_start,
        period_end=header.period_end,
        format=int(report_format),
        content_hash=bytes(HexBytes(content_hash)),
    )
    contract = verifying_contract(settings)
    expected = to_checksum_address(platform.signer_address)
    digest = usage_report_digest(report, chain_id=settings.chain_id, verifying_contract=contract)
    try:
        signer: str | None = recover_digest_signer(digest, signature)
        problem = f"the signature recovers to {signer}"
    except (ChainClientError, ValueError) as exc:
        signer, problem = None, f"unusable as an ECDSA signature ({exc})"
    if signer is not None and signer.lower() == expected.lower():
        return signer
    wallet = _ask_contract_wallet(settings, expected, digest, signature)
    if wallet is True:
        return expected
    if wallet is False:
        note = f"; the EIP-1271 wallet {expected} refused it"
    else:
        note = wallet or ""
    issues.add(
        None,
        "signature",
        f"wrong signer: {problem}, platform {platform.platform_id} signs with {expected} "
        f"(other key, or signed for another chain than {settings.chain_id} / contract "
        f"{contract}, or other content){note}",
    )
    return None


def _ask_contract_wallet(
    settings: OracleSettings, wallet: str, digest: bytes, signature: str
) -> bool | str | None:
    """The EIP-1271 answer, None for an EOA, or a note why the node could not be asked."""
    try:
        raw = bytes(HexBytes(signature))
    except ValueError:
        return None
    try:
        return contract_wallet_accepts(settings.rpc_url, wallet, digest, raw)
    except ConfigurationError as exc:
        return f"; EIP-1271 check not possible: {exc}"


def check_report_caps(aggregate: Aggregate, settings: OracleSettings) -> None:
    """Per-(track, class) and per-report caps, checked on Python ints before anything is stored.

    With the per-platform cap (`check_platform_cap`) they bound every 64-bit sum the store takes:
    one row <= max_key_micro_units, one report <= max_report_micro_units (so payable + quarantined
    of a version fits a BIGINT), one platform's versions in force at any cut <= 2^62.
    """
    issues = aggregate.issues
    key_cap = settings.max_key_micro_units
    total = 0
    for key, micro in aggregate.micro.items():
        total += micro
        if micro > key_cap:
            track_id, usage_class = unpack_key(key)
            issues.add(
                aggregate.first_line[key],
                "units",
                f"track {track_id} class {usage_class} totals {micro} micro-units in this report, "
                f"over the per-(track, class) cap of {key_cap} micro-units "
                f"({key_cap // UNIT_SCALE} units)",
            )
    if total > settings.max_report_micro_units:
        issues.add(
            None,
            "units",
            f"the report totals {total} micro-units, over the per-report cap of "
            f"{settings.max_report_micro_units} micro-units "
            f"({settings.max_report_micro_units // UNIT_SCALE} units)",
        )


def check_platform_cap(
    conn: Connection,
    platform_id: int,
    report_id: str,
    report_micro_units: int,
    settings: OracleSettings,
    issues: IssueCollector,
) -> None:
    """Refuses a report that would take the platform's lifetime usage over its cap.

    Lifetime = the sum over the platform's report ids of each one's largest accepted version
    (payable + quarantined), this report counted at max(its largest version, this one). Any set
    of versions in force at a cut holds at most one version per report id, so every sum of usage
    rows of one platform the store or an epoch takes is at most this. Run it inside the deciding
    transaction (writes are serialised), so two reports cannot both pass against the same total.
    """
    others, this_report = platform_lifetime_micro_units(conn, platform_id, report_id)
    total = others + max(this_report, report_micro_units)
    cap = settings.max_platform_micro_units
    if total > cap:
        issues.add(
            None,
            "units",
            f"platform {platform_id} would reach {total} micro-units of lifetime usage with "
            f"this report ({report_micro_units} micro-units), over its per-platform cap of "
            f"{cap} micro-units ({cap // UNIT_SCALE} units); the report is refused",
        )
