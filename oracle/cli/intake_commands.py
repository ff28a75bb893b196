"""Intake commands of the oracle CLI: ingest, reports, recover, quarantine, platform, track.

Settings come from the environment (``ROYALTIES_*``, see oracle/settings.py). Every command
brings the store's schema up to date first. Faults exit with code 2 and a message naming the
file, line and field.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, make_url

from oracle.catalog import Consent, upsert_platform, upsert_track
from oracle.errors import OracleError, ReportRejectedError
from oracle.intake.ddex_dsr import ingest_dsr_files
from oracle.intake.dsrf.inspect import inspect_files
from oracle.intake.ingest import IngestResult, ingest_file, recover_pending
from oracle.settings import OracleSettings
from oracle.store import quarantine_repository, report_repository
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade
from oracle.store.records import QuarantineStatus, ReportFormat, ReportStatus

USAGE_ERROR = 2


class FormatChoice(StrEnum):
    json = "json"
    csv = "csv"
    dsr = "dsr"


_FORMATS = {
    FormatChoice.json: ReportFormat.JSON,
    FormatChoice.csv: ReportFormat.CSV,
    FormatChoice.dsr: ReportFormat.DSR,
}


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=USAGE_ERROR)


@contextlib.contextmanager
def _store() -> Iterator[tuple[OracleSettings, Engine]]:
    settings = OracleSettings()
    try:
        upgrade(settings.database_url)
        engine = create_store_engine(settings.database_url)
    except OracleError as exc:
        raise _fail(str(exc)) from exc
    try:
        yield settings, engine
    except OracleError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()


def _describe(result: IngestResult) -> str:
    report = result.report
    lines = [
        f"report {report.report_id!r} version {report.version} of platform {report.platform_id}: "
        f"{report.status.value}"
        + (" (already received, nothing new counted)" if result.duplicate else ""),
        f"  version id {report.id}, intake seq {report.intake_seq}, {report.line_count} lines, "
        f"content {report.content_hash}",
        f"  payable {report.payable_micro_units} micro-units, "
        f"quarantined {report.quarantined_micro_units} micro-units",
    ]
    if report.supersedes_id is not None:
        lines.append(f"  supersedes version id {report.supersedes_id}")
    for entry in result.quarantined:
        lines.append(
            f"  quarantine #{entry.id} [{entry.status.value}] track {entry.track_id} class "
            f"{entry.usage_class}: {entry.reason.value} ({entry.detail}); "
            f"lines {entry.sample_lines}"
        )
    return "\n".join(lines)


def ingest_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="Report file (JSON, CSV or DDEX DSR); a DSR may be several files."),
    ],
    platform: Annotated[int, typer.Option("--platform", help="Platform id the report comes from.")],
    report_format: Annotated[
        FormatChoice | None,
        typer.Option(
            "--format", help="json, csv or dsr; by default from the suffix (.json .csv .dsr .tsv)."
        ),
    ] = None,
    signature: Annotated[
        str | None,
        typer.Option(
            "--signature", help="Detached EIP-712 UsageReport signature (hex) for CSV and DSR."
        ),
    ] = None,
) -> None:
    """Ingest one usage report: persist it, verify its signature, validate, aggregate.

    The files of a multi-file DSR are given together; the signature covers their manifest
    (docs/formats.md, DSR section)."""
    with _store() as (settings, engine):
        try:
            if len(files) > 1:
                outcome = ingest_dsr_files(settings, engine, files, platform, signature)
                assert isinstance(outcome, IngestResult)
                result = outcome
            else:
                result = ingest_file(
                    settings,
                    engine,
                    files[0],
                    platform,
                    _FORMATS[report_format] if report_format else None,
                    signature,
                )
        except ReportRejectedError as exc:
            raise _fail(str(exc)) from exc
        typer.echo(_describe(result))


def reports_command(
    platform: Annotated[int | None, typer.Option("--platform", help="Only this platform.")] = None,
    status: Annotated[
        ReportStatus | None, typer.Option("--status", help="Only this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    errors: Annotated[
        int | None,
        typer.Option("--errors", help="Print the listed errors of this report version id."),
    ] = None,
) -> None:
    """List received report versions, or the errors of one."""
    with _store() as (_settings, engine), engine.connect() as conn:
        if errors is not None:
            version = report_repository.get_report(conn, errors)
            if version is None:
                raise _fail(f"no report version {errors}")
            for issue in report_repository.report_errors(conn, errors):
                typer.echo(str(issue))
            typer.echo(f"{version.error_count} error(s) in total")
            return
        for v in report_repository.list_reports(conn, platform, status, limit):
            typer.echo(
                f"{v.id:>6}  platform {v.platform_id}  {v.report_id!r} v{v.version}  "
                f"{v.format.name}  {v.status.value}  seq={v.intake_seq}  lines={v.line_count}  "
                f"errors={v.error_count}  period=[{v.period_start}, {v.period_end})"
            )


def recover_command() -> None:
    """Finish every report left 'received' by a crash, from its stored raw file."""
    with _store() as (settings, engine):
        for outcome in recover_pending(settings, engine):
            if isinstance(outcome, ReportRejectedError):
                typer.echo(str(outcome))
            else:
                typer.echo(_describe(outcome))


def quarantine_list(
    status: Annotated[str, typer.Option(help="held, released, rejected or all.")] = "held",
    platform: Annotated[int | None, typer.Option("--platform", help="Only this platform.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """List quarantined usage."""
    chosen = None if status == "all" else _status(status)
    with _store() as (_settings, engine), engine.connect() as conn:
        for e in quarantine_repository.list_quarantine(conn, chosen, platform, limit=limit):
            typer.echo(
                f"#{e.id}  {e.status.value}  platform {e.platform_id} report {e.report_id!r} "
                f"(version {e.report_version_id})  track {e.track_id} class {e.usage_class}  "
                f"{e.micro_units} micro-units  {e.reason.value}: {e.detail}  lines {e.sample_lines}"
            )


def _status(text: str) -> QuarantineStatus:
    try:
        return QuarantineStatus(text)
    except ValueError:
        raise _fail(f"--status must be held, released, rejected or all, got {text!r}") from None


def quarantine_release(
    entry_id: Annotated[int, typer.Argument(help="Quarantine entry id.")],
    by: Annotated[str, typer.Option(help="Who decides (recorded).")] = "operator",
) -> None:
    """Release a held entry: it becomes payable from the next epoch on."""
    with _store() as (_settings, engine), engine.begin() as conn:
        entry = quarantine_repository.release(conn, entry_id, by)
    typer.echo(f"#{entry.id} released ({entry.micro_units} micro-units, seq {entry.decision_seq})")


def quarantine_reject(
    entry_id: Annotated[int, typer.Argument(help="Quarantine entry id.")],
    by: Annotated[str, typer.Option(help="Who decides (recorded).")] = "operator",
) -> None:
    """Reject a held entry: it is never paid."""
    with _store() as (_settings, engine), engine.begin() as conn:
        entry = quarantine_repository.reject(conn, entry_id, by)
    typer.echo(f"#{entry.id} rejected ({entry.micro_units} micro-units)")


def platform_add(
    platform_id: Annotated[int, typer.Option("--id", help="Platform id (as in UsageSettlement).")],
    signer: Annotated[
        str, typer.Option(help="Address whose EIP-712 signatures the oracle accepts.")
    ],
    token: Annotated[str, typer.Option(help="Payment token address (0xEeee... for ETH).")],
    rates: Annotated[
        str,
        typer.Option(
            help="Six comma-separated rates (token base units per unit x 1e6), classes 0-5."
        ),
    ],
    max_units: Annotated[
        int | None, typer.Option("--max-units", help="Declared bound on one report's total units.")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Register or update a platform in the oracle's catalog."""
    parts = [p.strip() for p in rates.split(",")]
    if len(parts) != 6 or not all(p.isdigit() for p in parts):
        raise _fail(f"--rates must be six non-negative integers separated by commas, got {rates!r}")
    with _store() as (_settings, engine), engine.begin() as conn:
        saved = upsert_platform(
            conn, platform_id, signer, token, [int(p) for p in parts], max_units, name
        )
    typer.echo(f"platform {saved.platform_id} saved: signer {saved.signer_address}")


def track_add(
    track_id: Annotated[int, typer.Option("--id", help="Track id (as in TrackRegistry).")],
    tier: Annotated[int, typer.Option(help="Licence tier 1-6.")],
    isrc: Annotated[
        str | None, typer.Option(help="ISRC, CC-XXX-YY-NNNNN (hyphens optional).")
    ] = None,
    split: Annotated[str | None, typer.Option(help="The track's split address.")] = None,
    controller: Annotated[str | None, typer.Option(help="The track's controller address.")] = None,
    consent: Annotated[
        list[str] | None,
        typer.Option(
            help="CLASS=GRANTED_AT[:REVOKED_AT] (unix seconds, 0 = never); repeat per class."
        ),
    ] = None,
) -> None:
    """Register or update a track in the oracle's catalog."""
    consents: dict[int, Consent] = {}
    for item in consent or []:
        usage_class, _, times = item.partition("=")
        granted, _, revoked = times.partition(":")
        if not (usage_class.isdigit() and granted.isdigit() and (revoked or "0").isdigit()):
            raise _fail(f"--consent must look like 4=1700000000[:1800000000], got {item!r}")
        consents[int(usage_class)] = Consent(int(granted), int(revoked or "0"))
    with _store() as (_settings, engine), engine.begin() as conn:
        saved = upsert_track(conn, track_id, tier, isrc, split, controller, consents)
    typer.echo(f"track {saved.track_id} saved: tier {saved.tier}, isrc {saved.isrc}")


def inspect_command(
    files: Annotated[list[Path], typer.Argument(help="The report's file(s).")],
    report_format: Annotated[
        FormatChoice,
        typer.Option("--format", help="dsr (default), csv or json."),
    ] = FormatChoice.dsr,
    platform: Annotated[
        int | None,
        typer.Option("--platform", help="Use this platform's class table and MessageIds."),
    ] = None,
) -> None:
    """Check a report without a signature; print JSON; persist nothing. Exit 0 if it would be
    accepted, 1 if not. The catalog is read from the store when there is one."""
    for file in files:
        if not file.is_file():
            raise _fail(f"{file} does not exist or is not a file")
    settings = OracleSettings()
    named = [(f.name, f) for f in files]
    fmt = _FORMATS[report_format]
    options = {
        "max_future_skew": settings.max_future_skew_seconds,
        "max_errors": settings.max_listed_errors,
    }
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        answer = inspect_files(named, fmt, None, platform, **options)  # no store: no catalog
    else:
        engine = create_store_engine(settings.database_url)
        try:
            with engine.connect() as conn:
                answer = inspect_files(named, fmt, conn, platform, **options)
        finally:
            engine.dispose()
    typer.echo(json.dumps(answer, indent=2))
    raise typer.Exit(code=0 if answer["accepted"] else 1)


def register(app: typer.Typer) -> None:
    app.command("inspect")(inspect_command)
    """Adds the intake commands to `app`."""
    app.command("ingest")(ingest_command)
    app.command("reports")(reports_command)
    app.command("recover")(recover_command)
    quarantine = typer.Typer(help="Usage held back from payment, and the operator's decisions.")
    quarantine.command("list")(quarantine_list)
    quarantine.command("release")(quarantine_release)
    quarantine.command("reject")(quarantine_reject)
    app.add_typer(quarantine, name="quarantine")
    platform = typer.Typer(help="Platforms in the oracle's catalog.")
    platform.command("add")(platform_add)
    app.add_typer(platform, name="platform")
    track = typer.Typer(help="Tracks in the oracle's catalog.")
    track.command("add")(track_add)
    app.add_typer(track, name="track")
