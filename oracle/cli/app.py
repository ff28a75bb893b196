"""Assembles the oracle's command group from the intake and epoch command modules."""

from __future__ import annotations

import typer

from oracle.cli import epoch_commands, intake_commands, node_commands

app = typer.Typer(
    help="Usage oracle: ingest platform reports, settle epochs on chain.", no_args_is_help=True
)
intake_commands.register(app)
epoch_commands.register(app)
node_commands.register(app)
