"""Builds the oracle's settings from the API's, so intake runs on the same database and files."""

from __future__ import annotations

from api.chain.gateway import ChainGateway
from api.errors import ApiError
from oracle.settings import OracleSettings


def oracle_settings(chain: ChainGateway) -> OracleSettings:
    settings = chain.settings
    try:
        settlement: str | None = str(chain.deployment.usage_settlement)
    except ApiError:
        settlement = None
    return OracleSettings(
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        rpc_url=settings.rpc_url,
        chain_id=settings.chain_id,
        deployment_file=settings.deployment_file,
        settlement_address=settlement,
    )
