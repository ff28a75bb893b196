"""Runs the uvicorn command line (argv passed through, e.g. `--factory
api.asgi:create_app_from_env`) after installing the cross-process SQLite transaction lock that
`make up` installs in each of its processes (api.launcher.db_lock), configured from the same
ROYALTIES_API_* environment the app reads. Without it, the API's read-then-write transactions
fail with "database is locked" whenever the worker or the indexer commits in between."""

from __future__ import annotations

import sys

import uvicorn

from api.launcher.db_lock import install_shared_lock
from api.settings import ApiSettings

if __name__ == "__main__":
    settings = ApiSettings()
    install_shared_lock(settings.database_url, settings.data_dir)
    sys.argv[0] = "uvicorn"
    uvicorn.main()
