"""What `up` prints once everything runs: URLs, contract addresses, development accounts."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from chain_client.deploy import Deployment
from chain_client.devchain import dev_private_keys
from royalties_system.launcher.keys import (
    DEMO_ACCOUNTS,
    GUARDIAN,
    MINTER,
    OPERATOR,
    RELAYER,
    Keys,
    address,
)
from royalties_system.launcher.settings import LauncherSettings


def banner(
    settings: LauncherSettings, keys: Keys, deployment: Deployment, rpc_url: str, reused: bool
) -> str:
    api = settings.api_url
    lines = [
        "",
        "AI music royalties is up.",
        f"  API        {api}",
        f"  OpenAPI    {api}/docs  ({api}/openapi.json)",
        f"  Dashboard  {api}/dashboard",
        f"  Health     {api}/healthz",
        f"  Chain      {rpc_url}  (chain id {deployment.chain_id})",
        f"  Database   {make_url(settings.resolved_database_url).render_as_string()}",
        f"  Data       {settings.data_path}",
        "",
        f"Contracts ({'reused from' if reused else 'deployed, recorded in'} "
        f"{settings.deployment_file}, block {deployment.deploy_block}):",
    ]
    for name, where in deployment.contract_addresses().items():
        lines.append(f"  {name:<16} {where}")
    lines += [
        "",
        f"Oracle: {len(keys.oracle_nodes)} signing "
        f"{'node process(es)' if settings.oracle_nodes else 'key(s) in one worker'} "
        f"{', '.join(address(k) for k in keys.oracle_nodes)}; epoch every "
        f"{settings.epoch_interval}s",
    ]
    if settings.oracle_nodes:
        first = settings.oracle_node_port
        lines.append(
            f"  node status  `royalties oracle nodes` or {api}/v1/oracle/nodes "
            f"(nodes on ports {first}-{first + len(keys.oracle_nodes) - 1})"
        )
    if settings.environment == "development":
        keys_20 = dev_private_keys(20)
        roles = {
            OPERATOR: "operator / owner",
            GUARDIAN: "guardian",
            MINTER: "editions minter",
            RELAYER: "claim relayer",
        }
        lines += ["", "Development accounts (anvil's public test keys: local chain only):"]
        for index, role in roles.items():
            lines.append(f"  #{index:<2} {address(keys_20[index])}  {role}")
        for index in DEMO_ACCOUNTS:
            lines.append(f"  #{index:<2} {address(keys_20[index])}  {keys_20[index]}  (demo)")
        if not settings.admin_token:
            lines.append("  admin token: dev-admin-token-change-me (set ADMIN_TOKEN)")
    lines += ["", "Try `royalties demo` in another terminal. Ctrl-C stops everything.", ""]
    return "\n".join(lines)
