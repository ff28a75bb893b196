"""Intake commands of the oracle CLI."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds the intake commands to `app`."""
