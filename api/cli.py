"""The ``royalties`` command: the oracle group and the operator commands."""

from __future__ import annotations

import typer

from oracle.cli import app as oracle_app

app = typer.Typer(help="AI music royalty settlement.", no_args_is_help=True)
app.add_typer(oracle_app, name="oracle")


@app.command("worker")
def worker_command() -> None:
    """Run the oracle epoch worker until SIGINT/SIGTERM (settings from ROYALTIES_* env)."""
    from oracle.worker import main

    main()
