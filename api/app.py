"""Builds the FastAPI application from explicit settings (nothing is read at import time)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api.auth.dependencies import wallet_self_or_operator
from api.auth.principal_cache import PrincipalCache
from api.auth.router import router as auth_router
from api.body_cap import BodyCapMiddleware
from api.chain.gateway import ChainGateway
from api.contributors.dashboard_cache import DashboardCache
from api.contributors.router import router as contributors_router
from api.contributors.single_flight import SingleFlight
from api.dashboard.router import router as dashboard_router
from api.db.engine import make_engine
from api.db.migrate import upgrade_engine
from api.editions.router import router as editions_router
from api.error_handlers import install_error_handlers
from api.governance.router import router as governance_router
from api.health import router as health_router
from api.oracle_nodes.router import router as oracle_nodes_router
from api.platforms.router import router as platforms_router
from api.read_cache import CachedRoute, ReadCacheMiddleware, ReadCacheStats, public
from api.reports.router import router as reports_router
from api.settings import ApiSettings
from api.tracks.router import router as tracks_router
from api.usage.router import router as usage_router

DESCRIPTION = """Royalty settlement for AI-generated music.

Every error is `{"code", "message", "details"}`. Amounts are integers in token base units,
serialised as decimal strings. Authenticate with `Authorization: Bearer <token>`: the operator's
admin token, a wallet session from `/v1/auth/siwe`, or a platform API key from onboarding.
"""


_ADDRESS = r"(?P<address>0x[0-9a-fA-F]{40})"

# The reads served from memory while their data is unchanged (api.read_cache). Each guard is
# the route's own dependency, so a stored body reaches only a caller the route would answer.
CACHED_READS = (
    CachedRoute(
        "dashboard",
        re.compile(rf"/v1/contributors/{_ADDRESS}/dashboard"),
        wallet_self_or_operator,
    ),
    CachedRoute(
        "claimable",
        re.compile(rf"/v1/contributors/{_ADDRESS}/claimable"),
        wallet_self_or_operator,
        chain=True,
    ),
    CachedRoute(
        # Public; without ?epoch= it answers for the chain's current root, hence the chain head.
        "proof",
        re.compile(rf"/v1/settlement/proof/{_ADDRESS}"),
        public,
        chain=True,
    ),
)


def migrate_all(engine: Engine) -> None:
    """Brings the oracle's and the API's schemas (same database, separate trees) to head.

    The oracle's go first: the API's read indexes are created on some of its tables.
    """
    from oracle.store.migrate import upgrade as upgrade_oracle

    upgrade_oracle(engine.url.render_as_string(hide_password=False))
    upgrade_engine(engine)


def create_app(
    settings: ApiSettings,
    *,
    engine: Engine | None = None,
    chain: ChainGateway | None = None,
    run_migrations: bool = True,
) -> FastAPI:
    owned_engine = engine is None
    app_engine = engine if engine is not None else make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            migrate_all(app_engine)
        yield
        if owned_engine:
            app_engine.dispose()

    app = FastAPI(
        title="AI Music Royalties API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = app_engine
    app.state.chain = chain if chain is not None else ChainGateway(settings)
    app.state.dashboard_cache = DashboardCache()
    app.state.dashboard_builds = SingleFlight()
    app.state.principal_cache = PrincipalCache()
    install_error_handlers(app)
    app.state.read_cache = ReadCacheStats()
    app.add_middleware(
        BodyCapMiddleware,
        max_bytes=settings.max_request_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(ReadCacheMiddleware, routes=CACHED_READS, stats=app.state.read_cache)
    for router in (
        health_router,
        auth_router,
        tracks_router,
        platforms_router,
        usage_router,
        editions_router,
        contributors_router,
        reports_router,
        dashboard_router,
        oracle_nodes_router,
        governance_router,
    ):
        app.include_router(router)
    return app
