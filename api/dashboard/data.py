"""Two small JSON reads the dashboard needs that no domain router offers: a token's symbol and
decimals (public, read from the chain), and a contributor's quarantined usage (that wallet or
the operator), so a contributor sees usage held back from their tracks and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select
from web3 import Web3
from web3.exceptions import Web3Exception

from api.auth.dependencies import SelfOrOperator
from api.chain.dependencies import Chain
from api.db.session import DbSession
from api.errors import ChainUnavailable, NotFound
from api.openapi import error_responses
from api.tracks.repository import TrackRepository
from api.types import Amount, EthAddress
from chain_client.constants import NATIVE_TOKEN, UsageClass
from chain_client.errors import ChainClientError
from oracle.store.schema import quarantine, reports

router = APIRouter(prefix="/dashboard/data", tags=["dashboard"])

_TOKEN_CACHE: dict[tuple[str, str], TokenInfo] = {}


class TokenInfo(BaseModel):
    address: str
    symbol: str
    decimals: int = Field(ge=0, le=77)


class QuarantineLine(BaseModel):
    track_id: int
    title: str
    platform_id: int
    report_id: str
    usage_class: int
    class_name: str
    reason: str = Field(examples=["opted_out", "consent", "tier", "spike", "platform_bound"])
    detail: str
    micro_units: Amount
    status: str = Field(examples=["held", "released", "rejected"])


class ContributorQuarantine(BaseModel):
    address: str
    lines: list[QuarantineLine]


@router.get(
    "/tokens/{token}",
    response_model=TokenInfo,
    summary="A token's symbol and decimals, read from the chain (public)",
    responses=error_responses(404, 503),
)
def token_info(token: Annotated[EthAddress, Path()], chain: Chain) -> TokenInfo:
    """Symbol and decimals of a token, to format base units; ETH for the ERC-7528 address."""
    if token.lower() == NATIVE_TOKEN.lower():
        return TokenInfo(
            address=str(Web3.to_checksum_address(NATIVE_TOKEN)), symbol="ETH", decimals=18
        )
    key = (chain.settings.rpc_url, token)
    cached = _TOKEN_CACHE.get(key)
    if cached is not None:
        return cached
    contract = chain.contract("ERC20", token)
    try:
        symbol = str(chain.call(contract.functions.symbol()))
        decimals = int(chain.call(contract.functions.decimals()))
    except OSError as exc:
        raise ChainUnavailable(f"chain: cannot read token {token}: {exc}") from exc
    except (ChainClientError, Web3Exception, ValueError) as exc:
        raise NotFound(f"token: {token} does not answer symbol() and decimals()") from exc
    info = TokenInfo(address=token, symbol=symbol, decimals=decimals)
    _TOKEN_CACHE[key] = info
    return info


@router.get(
    "/contributors/{address}/quarantine",
    response_model=ContributorQuarantine,
    summary="Quarantined usage of this contributor's tracks (that wallet, or operator)",
    responses=error_responses(401, 403),
)
def contributor_quarantine(
    address: Annotated[EthAddress, Path()], principal: SelfOrOperator, session: DbSession
) -> ContributorQuarantine:
    """Quarantined usage of the tracks this address contributes to, every status, oldest first."""
    titles = {
        t.track_id: t.title for t, _ in TrackRepository(session).tracks_of_contributor(address)
    }
    if not titles:
        return ContributorQuarantine(address=address, lines=[])
    rows = session.connection().execute(
        select(quarantine, reports.c.platform_id, reports.c.report_id)
        .join(reports, reports.c.id == quarantine.c.report_version_id)
        .where(quarantine.c.track_id.in_(list(titles)))
        .order_by(quarantine.c.id)
    )
    lines = [
        QuarantineLine(
            track_id=int(m["track_id"]),
            title=titles[int(m["track_id"])],
            platform_id=int(m["platform_id"]),
            report_id=str(m["report_id"]),
            usage_class=int(m["usage_class"]),
            class_name=UsageClass(int(m["usage_class"])).name,
            reason=str(m["reason"]),
            detail=str(m["detail"]),
            micro_units=int(m["micro_units"]),
            status=str(m["status"]),
        )
        for m in (row._mapping for row in rows)
    ]
    return ContributorQuarantine(address=address, lines=lines)
