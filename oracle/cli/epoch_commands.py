"""Epoch commands of the oracle CLI: `royalties oracle epoch`, `status` and `verify-data`."""

from __future__ import annotations

from pathlib import Path

import typer

from chain_client.errors import ChainClientError
from oracle.epoch.runner import EpochOutcome
from oracle.epoch.wiring import build_runner
from oracle.errors import OracleError
from oracle.settings import OracleSettings
from oracle.store import epoch_repository as repo
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def describe(outcome: EpochOutcome) -> list[str]:
    lines = [f"epoch {outcome.epoch}: {outcome.status}"]
    if outcome.message:
        lines.append(f"  {outcome.message}")
    if outcome.root:
        lines.append(f"  root      {outcome.root}  ({outcome.leaf_count} leaves)")
    if outcome.tx_hash:
        lines.append(f"  tx        {outcome.tx_hash}")
    if outcome.data_path:
        lines.append(f"  data file {outcome.data_path}")
    for platform_id, amount in outcome.debits:
        lines.append(f"  debit     platform {platform_id}: {amount} base units")
    for held in outcome.held_back:
        lines.append(
            f"  held back platform {held.platform_id}: debit {held.debit} > escrow {held.escrow}"
        )
    for refusal in outcome.refusals:
        lines.append(f"  refused   {refusal}")
    return lines


def run_epoch_command(
    abandon_unsent: bool = typer.Option(
        False,
        "--abandon-unsent",
        help="First abandon an unfinished epoch that has no signed transaction yet "
        "(e.g. it cannot gather k signatures), so this run rebuilds it.",
    ),
) -> None:
    """Run one epoch now: build, sign (k of n), post, reconcile; print a summary."""
    settings = OracleSettings()
    try:
        setup = build_runner(settings)
        try:
            if abandon_unsent:
                abandoned = setup.runner.abandon_unsent("abandoned by the operator")
                if abandoned is not None:
                    typer.echo(f"abandoned unsent epoch {abandoned}")
            outcome = setup.runner.run_once()
        finally:
            setup.close()
    except (OracleError, ChainClientError) as exc:
        _fail(str(exc))
        return
    typer.echo("\n".join(describe(outcome)))


def status_command(
    limit: int = typer.Option(5, min=1, help="How many recent epochs to list."),
) -> None:
    """Show the last epochs, pending (unsettled) reports and quarantine counts."""
    settings = OracleSettings()
    try:
        upgrade(settings.database_url)
    except Exception as exc:
        _fail(f"cannot open the store at {settings.database_url}: {exc}")
    engine = create_store_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            epochs = repo.recent_epochs(conn, limit)
            held = {record.epoch: repo.held_back_of(conn, record.epoch) for record in epochs}
            debits = {record.epoch: repo.debits_of(conn, record.epoch) for record in epochs}
            pending = repo.pending_report_count(conn)
            quarantine = repo.quarantine_counts(conn)
    finally:
        engine.dispose()
    typer.echo(f"epochs (last {limit}):" if epochs else "epochs: none yet")
    for record in epochs:
        typer.echo(
            f"  {record.epoch:>6}  {record.status:<9}  root {record.root}  "
            f"leaves {record.leaf_count}  tx {record.tx_hash or '-'}"
        )
        for platform_id, amount in debits[record.epoch]:
            typer.echo(f"          debit platform {platform_id}: {amount}")
        for h in held[record.epoch]:
            why = f"{h.debit} > {h.escrow}" if h.debit > h.escrow else "waits (see the note)"
            typer.echo(f"          held back platform {h.platform_id}: {why}")
        if record.note:
            typer.echo(f"          note: {record.note}")
    typer.echo(f"pending reports (accepted, not settled): {pending}")
    counts = ", ".join(f"{status} {count}" for status, count in sorted(quarantine.items()))
    typer.echo(f"quarantine: {counts or 'empty'}")


def verify_data_command(
    files: list[Path] = typer.Argument(  # noqa: B008
        ..., exists=True, dir_okay=False, help="Data files of epochs 1..N, in order."
    ),
    rpc: str | None = typer.Option(
        None, "--rpc", help="JSON-RPC URL: also check rate cards, split lists and the root."
    ),
) -> None:
    """Recompute every account amount and the root from published data files alone."""
    from oracle.settlement.verify_file import VerificationError, verify_files

    try:
        results = verify_files(files, rpc)
    except VerificationError as exc:
        _fail(str(exc))
        return
    for result in results:
        typer.echo(
            f"epoch {result['epoch']}: ok  root {result['root']}  {result['leaves']} leaves  "
            f"{result['tracks']} track records  dataHash {result['dataHash']}"
        )


def register(app: typer.Typer) -> None:
    """Adds the epoch commands to `app`."""
    app.command("epoch")(run_epoch_command)
    app.command("status")(status_command)
    app.command("verify-data")(verify_data_command)
