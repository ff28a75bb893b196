"""Node commands of the oracle CLI: `royalties oracle node` (run one) and `oracle nodes`."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer

from oracle.nodes.config import NodeSettings
from oracle.nodes.status import describe_nodes, read_nodes


def node_command(
    stdin: bool = typer.Option(
        False, "--stdin", help="Read the settings as JSON from stdin (keys stay out of argv)."
    ),
    config: Path = typer.Option(None, "--config", help="Settings as a JSON file."),  # noqa: B008
) -> None:
    """Run one oracle node (own key, store, raw reports; peer HTTP) until SIGINT/SIGTERM.

    Settings: --stdin or --config JSON, else ROYALTIES_NODE_* environment variables."""
    from oracle.nodes.server import run_node

    if stdin:
        settings = NodeSettings.model_validate(json.loads(sys.stdin.read()))
    elif config is not None:
        settings = NodeSettings.model_validate(json.loads(config.read_text()))
    else:
        settings = NodeSettings()
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s [{settings.name}] %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    run_node(settings)


def nodes_command(
    urls: list[str] = typer.Argument(  # noqa: B008 - typer's declaration style
        None,
        help="Node URLs (default: ROYALTIES_NODE_URLS, comma-separated, else `make up`'s "
        "three nodes at http://127.0.0.1:$ORACLE_NODE_PORT (8701) and the next two ports).",
    ),
) -> None:
    """Show each node's last signed epoch, lag and health; a stopped node shows as DOWN."""
    import os

    listed = list(urls or []) or [
        u for u in os.environ.get("ROYALTIES_NODE_URLS", "").split(",") if u.strip()
    ]
    first = int(os.environ.get("ORACLE_NODE_PORT") or 8701)
    listed = listed or [f"http://127.0.0.1:{first + i}" for i in range(3)]
    statuses = read_nodes(listed)
    typer.echo("oracle nodes:")
    typer.echo("\n".join(describe_nodes(statuses)))
    if any(s.get("health") != "ok" for s in statuses):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("node")(node_command)
    app.command("nodes")(nodes_command)
