"""`up`'s oracle nodes: one supervised `royalties oracle node` process per signer key, each with
its own SQLite file and data directory under data/nodes/, plus an observer on the API's store
that hands the API's reports, catalog and quarantine decisions to the nodes (oracle.nodes.relay)
and follows the posted epochs so the API can serve proofs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eth_account import Account

from chain_client.deploy import Deployment
from oracle.nodes.config import NodeSettings, PeerConfig
from royalties_system.launcher.keys import Keys
from royalties_system.launcher.settings import LauncherSettings
from royalties_system.launcher.supervisor import Child

ROUND_TIMEOUT_SECONDS = 15.0


def node_urls(settings: LauncherSettings, count: int) -> list[str]:
    return [f"http://127.0.0.1:{settings.oracle_node_port + i}" for i in range(count)]


def node_settings(
    settings: LauncherSettings, keys: Keys, rpc_url: str, deployment: Deployment, confirmations: int
) -> tuple[list[NodeSettings], NodeSettings]:
    """(the signing nodes, the observer on the API's store)."""
    count = len(keys.oracle_nodes)
    urls = node_urls(settings, count + 1)
    names = [f"node-{i + 1}" for i in range(count)]
    addresses = [str(Account.from_key(k).address) for k in keys.oracle_nodes]
    databases = [u.strip() for u in settings.oracle_node_database_urls.split(",") if u.strip()]
    common: dict[str, object] = {
        "rpc_url": rpc_url,
        "chain_id": deployment.chain_id,
        "settlement_address": str(deployment.usage_settlement),
        "deployment_file": settings.deployment_file,
        "from_block": deployment.deploy_block,
        "operator_addresses": [str(Account.from_key(keys.operator).address)],
        "epoch_interval_seconds": float(settings.epoch_interval),
        "round_timeout_seconds": ROUND_TIMEOUT_SECONDS,
        "confirmations": confirmations,
    }
    nodes = []
    for i, key in enumerate(keys.oracle_nodes):
        data_dir: Path = settings.data_path / "nodes" / names[i]
        database = databases[i] if i < len(databases) else f"sqlite:///{data_dir}/oracle.db"
        peers = [
            PeerConfig(name=names[j], url=urls[j], address=addresses[j])
            for j in range(count)
            if j != i
        ]
        nodes.append(
            NodeSettings.model_validate(
                {
                    "name": names[i],
                    "key": key,
                    "database_url": database,
                    "data_dir": data_dir,
                    "port": settings.oracle_node_port + i,
                    "peers": peers,
                    **common,
                }
            )
        )
    observer = NodeSettings.model_validate(
        {
            "name": "observer",
            "key": None,
            "database_url": settings.resolved_database_url,
            "data_dir": settings.data_path,
            "port": settings.oracle_node_port + count,
            "peers": [
                PeerConfig(name=names[j], url=urls[j], address=addresses[j]) for j in range(count)
            ],
            "relay_operator_key": keys.operator,
            "relay_node_urls": urls[:count],
            **common,
        }
    )
    return nodes, observer


def node_children(
    settings: LauncherSettings, keys: Keys, rpc_url: str, deployment: Deployment, confirmations: int
) -> list[Child]:
    nodes, observer = node_settings(settings, keys, rpc_url, deployment, confirmations)
    children = [
        Child(
            n.name,
            n.model_dump_json(),
            command=[str(Path(sys.executable).parent / "royalties"), "oracle", "node", "--stdin"],
        )
        for n in nodes
    ]
    children.append(Child("observer", json.dumps({"settings": observer.model_dump(mode="json")})))
    return children
