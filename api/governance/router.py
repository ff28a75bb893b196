"""Read-only governance route: UsageSettlement's timelocked changes (public: anyone watching a
queued change, e.g. a platform deciding to withdraw its escrow, may read it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.db.session import DbSession
from api.governance.schemas import ChangeStatus, GovernanceChanges
from api.governance.service import GovernanceService

router = APIRouter(prefix="/v1/governance", tags=["governance"])


@router.get(
    "/changes",
    response_model=GovernanceChanges,
    summary="Queued, applied and cancelled governance changes of UsageSettlement",
)
def governance_changes(
    session: DbSession,
    status: Annotated[ChangeStatus | None, Query(description="Only changes in this state.")] = None,
) -> GovernanceChanges:
    return GovernanceService(session).changes(status)
