"""Uvicorn entry point: `uvicorn --factory api.asgi:create_app_from_env`.

The settings are read from the environment (``ROYALTIES_API_*``) when uvicorn calls the factory,
never at import time.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from api.db.txlock import install_shared_lock
from api.settings import ApiSettings


def create_app_from_env() -> FastAPI:
    """Builds `ApiSettings` from the environment and the application from them.

    On SQLite, transactions take the lock shared with the oracle worker and the indexer
    (api.db.txlock), so the processes on one database file never fail each other.
    """
    settings = ApiSettings()
    install_shared_lock(settings.database_url)
    return create_app(settings)
