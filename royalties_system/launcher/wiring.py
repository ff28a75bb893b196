"""Maps the launcher's settings, keys and chain onto ApiSettings and OracleSettings."""

from __future__ import annotations

from api.settings import DEVELOPMENT_ADMIN_TOKEN, ApiSettings
from chain_client.deploy import Deployment
from oracle.settings import OracleSettings, PeerNode
from royalties_system.launcher.keys import Keys, is_local_rpc
from royalties_system.launcher.settings import LauncherSettings


def confirmations(settings: LauncherSettings, rpc_url: str) -> int:
    if settings.confirmations is not None:
        return settings.confirmations
    return 0 if is_local_rpc(rpc_url) else 2


def api_settings(
    settings: LauncherSettings, keys: Keys, rpc_url: str, chain_id: int
) -> ApiSettings:
    authority = f"{'localhost' if settings.api_host == '127.0.0.1' else settings.api_host}"
    authority = f"{authority}:{settings.api_port}"
    return ApiSettings(
        environment=settings.environment,
        database_url=settings.resolved_database_url,
        data_dir=settings.data_path,
        rpc_url=rpc_url,
        chain_id=chain_id,
        deployment_file=settings.deployment_file,
        admin_token=settings.admin_token or DEVELOPMENT_ADMIN_TOKEN,
        siwe_domain=authority,
        siwe_uri=f"http://{authority}",
        operator_key=keys.operator,
        minter_key=keys.minter,
        relayer_key=keys.relayer,
        confirmations=confirmations(settings, rpc_url),
    )


def oracle_settings(
    settings: LauncherSettings, keys: Keys, rpc_url: str, deployment: Deployment
) -> OracleSettings:
    coordinator, *peers = keys.oracle_nodes
    database_url = settings.resolved_database_url
    return OracleSettings(
        database_url=database_url,
        data_dir=settings.data_path,
        rpc_url=rpc_url,
        chain_id=deployment.chain_id,
        deployment_file=settings.deployment_file,
        node_key=coordinator,
        epoch_interval_seconds=settings.epoch_interval,
        confirmations=confirmations(settings, rpc_url),
        # Co-signing nodes recompute every root from the same store and sign what they computed.
        peer_nodes=[
            PeerNode(name=f"node-{i + 2}", key=key, database_url=database_url)
            for i, key in enumerate(peers)
        ],
    )
