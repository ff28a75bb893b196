"""`royalties demo`: the whole story against a running `royalties up` (development chain only)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from api.db.txlock import install_shared_lock
from api.settings import DEVELOPMENT_ADMIN_TOKEN
from chain_client.deploy import Deployment
from chain_client.errors import DeploymentError
from chain_client.rpc import connect
from royalties_system.demo.balances import check_balances, snapshot
from royalties_system.demo.catalogue import fund_escrows, onboard_platforms, register_tracks
from royalties_system.demo.claims import claim_all
from royalties_system.demo.context import Demo
from royalties_system.demo.editions import sell_edition
from royalties_system.demo.http import ApiClient, DemoError
from royalties_system.demo.review import review_quarantine
from royalties_system.demo.settle import wait_for_settlement
from royalties_system.demo.usage import submit_reports
from royalties_system.launcher.keys import is_local_rpc
from royalties_system.launcher.settings import LauncherSettings


def run_demo(
    settings: LauncherSettings,
    *,
    api_url: str | None = None,
    epoch_timeout: float = 180.0,
    echo: Callable[[str], None] = print,
) -> None:
    rpc_url = settings.rpc_url or f"http://127.0.0.1:{settings.anvil_port}"
    if settings.environment != "development" or not is_local_rpc(rpc_url):
        raise DemoError("the demo uses anvil's public test keys: development on a local chain only")
    try:
        deployment = Deployment.load(settings.deployment_file)
    except DeploymentError as exc:
        raise DemoError(f"{exc}; start the system first with `royalties up`") from exc
    install_shared_lock(settings.resolved_database_url)
    w3 = connect(rpc_url)
    from royalties_system.demo.wallets import Wallets

    api = ApiClient(api_url or settings.api_url, settings.admin_token or DEVELOPMENT_ADMIN_TOKEN)
    try:
        api.get("/healthz")
        demo = Demo(api, Wallets(w3), deployment, secrets.token_hex(3), echo)
        demo.start_block = int(w3.eth.block_number) + 1
        echo(f"Demo run {demo.tag} against {api.base_url} and {rpc_url} (mUSD {demo.token})")
        before = snapshot(demo)
        register_tracks(demo)
        onboard_platforms(demo)
        fund_escrows(demo)
        dsr_versions = submit_reports(demo)
        review_quarantine(demo, settings.resolved_database_url, dsr_versions)
        wait_for_settlement(demo, epoch_timeout)
        sell_edition(demo)
        claim_all(demo)
        check_balances(demo, before)
    finally:
        api.close()
