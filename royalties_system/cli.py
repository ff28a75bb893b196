"""The ``royalties`` command: the oracle group and the operator commands."""

from __future__ import annotations

import logging

import typer

from oracle.cli import app as oracle_app

app = typer.Typer(help="AI music royalty settlement.", no_args_is_help=True)
app.add_typer(oracle_app, name="oracle")


@app.command("worker")
def worker_command() -> None:
    """Run the oracle epoch worker until SIGINT/SIGTERM (settings from ROYALTIES_* env)."""
    from api.db.txlock import install_shared_lock
    from oracle.settings import OracleSettings
    from oracle.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = OracleSettings()
    install_shared_lock(settings.database_url)  # shared with the API on one SQLite file
    run_worker(settings)


@app.command("up")
def up_command() -> None:
    """Start anvil (or use RPC_URL), deploy or reuse the contracts, migrate, and run the API,
    the oracle worker and the indexer until Ctrl-C. Configured by environment variables."""
    from royalties_system.launcher.settings import LauncherSettings, LauncherSettingsError
    from royalties_system.launcher.up import run_up

    logging.basicConfig(level=logging.INFO, format="%(asctime)s [up] %(message)s")
    try:
        code = run_up(LauncherSettings())
    except (LauncherSettingsError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(code)


@app.command("demo")
def demo_command(
    api_url: str = typer.Option(None, help="API base URL (default http://127.0.0.1:$API_PORT)."),
    epoch_timeout: float = typer.Option(180.0, help="Seconds to wait for the oracle's epoch."),
) -> None:
    """Seed a real story against the running system and print the money trail."""
    from chain_client.errors import ChainClientError
    from royalties_system.demo.http import DemoError
    from royalties_system.demo.run import run_demo
    from royalties_system.launcher.settings import LauncherSettings

    try:
        run_demo(LauncherSettings(), api_url=api_url, epoch_timeout=epoch_timeout, echo=typer.echo)
    except (DemoError, ChainClientError, ValueError) as exc:
        typer.echo(f"demo failed: {exc}", err=True)
        raise typer.Exit(1) from exc
