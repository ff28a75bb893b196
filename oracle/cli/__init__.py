"""The ``royalties oracle`` command group."""

from oracle.cli.app import app

__all__ = ["app"]
