"""The per-request database session dependency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Creating a session does no I/O; it connects on its first query, inside a sync route.
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session)]
