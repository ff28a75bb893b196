"""Builds an epoch runner from OracleSettings: store engines, web3, nodes, poster."""

from __future__ import annotations

import os
from dataclasses import dataclass

from eth_account import Account
from sqlalchemy import Engine
from web3 import Web3

from chain_client.deploy import Deployment
from chain_client.rpc import connect as connect_rpc
from chain_client.sender import TransactionSender
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.crash import crash_hook_from_env
from oracle.epoch.errors import MissingConfiguration
from oracle.epoch.node import OracleNode
from oracle.epoch.poster import Poster
from oracle.epoch.runner import EpochRunner
from oracle.settings import OracleSettings
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade


@dataclass
class EpochSetup:
    runner: EpochRunner
    engines: list[Engine]

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


def settlement_address(settings: OracleSettings) -> str:
    """settings.settlement_address if set, else the UsageSettlement of the deployment file."""
    if settings.settlement_address:
        return Web3.to_checksum_address(settings.settlement_address)
    if not settings.deployment_file.is_file():
        raise MissingConfiguration(
            f"deployment file {settings.deployment_file} not found "
            "(set ROYALTIES_DEPLOYMENT_FILE or ROYALTIES_SETTLEMENT_ADDRESS)"
        )
    deployment = Deployment.load(settings.deployment_file)
    if deployment.chain_id != settings.chain_id:
        raise MissingConfiguration(
            f"deployment file {settings.deployment_file} is for chain {deployment.chain_id}, "
            f"settings say {settings.chain_id}"
        )
    return str(deployment.usage_settlement)


def connect(settings: OracleSettings) -> Web3:
    w3 = connect_rpc(settings.rpc_url)
    try:
        chain_id = int(w3.eth.chain_id)
    except Exception as exc:
        raise MissingConfiguration(f"cannot reach the chain at {settings.rpc_url}: {exc}") from exc
    if chain_id != settings.chain_id:
        raise MissingConfiguration(
            f"the node at {settings.rpc_url} is chain {chain_id}, settings say {settings.chain_id}"
        )
    return w3


def build_runner(settings: OracleSettings) -> EpochSetup:
    if not settings.node_key:
        raise MissingConfiguration("no node key: set ROYALTIES_NODE_KEY to this node's signing key")
    address = settlement_address(settings)
    w3 = connect(settings)
    view = SettlementView(w3, address)
    engines: list[Engine] = []

    def node(name: str, key: str, database_url: str) -> OracleNode:
        upgrade(database_url)
        engine = create_store_engine(database_url)
        engines.append(engine)
        return OracleNode(
            name,
            key,
            engine,
            view,
            chain_id=settings.chain_id,
            work_dir=settings.data_dir / "work" / name,
        )

    coordinator = node("coordinator", settings.node_key, settings.database_url)
    peers = [node(p.name, p.key, p.database_url) for p in settings.peer_nodes]
    sender = TransactionSender(
        w3,
        Account.from_key(settings.poster_key or settings.node_key),
        confirmations=settings.confirmations,
    )
    crash = crash_hook_from_env(os.environ)
    poster = Poster(coordinator.engine, view, sender, crash)
    runner = EpochRunner(coordinator, peers, poster, settings.data_dir, crash)
    return EpochSetup(runner, engines)
