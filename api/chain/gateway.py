"""Lazily connects to the chain named by the settings and hands out typed contract clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import requests
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.types import TxReceipt

from api.errors import ServiceMisconfigured
from api.settings import ApiSettings
from chain_client.rpc import connect

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from chain_client.deploy import Deployment
    from chain_client.sender import TransactionSender


class ChainGateway:
    """One per app. Operator and relayer transactions are serialised by a lock each."""

    def __init__(
        self,
        settings: ApiSettings,
        *,
        w3: Web3 | None = None,
        deployment: Deployment | None = None,
        sender_factory: Callable[[LocalAccount], TransactionSender] | None = None,
    ) -> None:
        self.settings = settings
        self._w3 = w3
        self._deployment = deployment
        self._sender_factory = sender_factory
        self._contracts: dict[tuple[str, str], Contract] = {}
        self.operator_lock = threading.Lock()
        self.relayer_lock = threading.Lock()
        self.minter_lock = threading.Lock()

    @cached_property
    def w3(self) -> Web3:
        if self._w3 is not None:
            return self._w3
        return connect(self.settings.rpc_url)

    @cached_property
    def deployment(self) -> Deployment:
        from chain_client.deploy import Deployment

        if self._deployment is not None:
            return self._deployment
        path = self.settings.deployment_file
        if not path.exists():
            raise ServiceMisconfigured(f"deployment_file: {path} does not exist; deploy first")
        return Deployment.from_json(path.read_text())

    def _sender(self, key: str | None, name: str) -> TransactionSender:
        from eth_account import Account

        from chain_client.sender import TransactionSender

        if key is None:
            raise ServiceMisconfigured(f"{name}: not configured; this route sends transactions")
        if self._sender_factory is not None:
            return self._sender_factory(Account.from_key(key))
        return TransactionSender(
            self.w3, Account.from_key(key), confirmations=self.settings.confirmations
        )

    @cached_property
    def operator_sender(self) -> TransactionSender:
        return self._sender(self.settings.operator_key, "operator_key")

    @cached_property
    def minter_sender(self) -> TransactionSender:
        key = self.settings.minter_key or self.settings.operator_key
        return self._sender(key, "minter_key")

    @cached_property
    def relayer_sender(self) -> TransactionSender:
        return self._sender(self.settings.relayer_key, "relayer_key")

    @property
    def operator_address(self) -> str:
        return str(self.operator_sender.address)

    @cached_property
    def _artifacts(self) -> Any:
        from chain_client.compiler import compile_contracts

        return compile_contracts()

    def abi(self, name: str) -> list[dict[str, Any]]:
        artifact = "MockStablecoin" if name == "ERC20" else name
        return list(self._artifacts.abi(artifact))

    def _address_of(self, name: str) -> str:
        deployment = self.deployment
        attribute = {
            "TrackRegistry": "track_registry",
            "UsageSettlement": "usage_settlement",
            "TrackEditions": "track_editions",
            "SplitFactory": "split_factory",
        }[name]
        return str(getattr(deployment, attribute))

    def contract(self, name: str, address: str | None = None) -> Contract:
        """A web3 contract for a deployed singleton, or for `address` (splits, tokens)."""
        target = Web3.to_checksum_address(
            address if address is not None else self._address_of(name)
        )
        key = (name, target)
        cached = self._contracts.get(key)
        if cached is None:
            cached = self.w3.eth.contract(address=target, abi=self.abi(name))
            self._contracts[key] = cached
        return cached

    def send_as_operator(self, function: ContractFunction, value: int = 0) -> TxReceipt:
        with self.operator_lock:
            return self.operator_sender.transact(function, value=value)

    def send_as_minter(self, function: ContractFunction) -> TxReceipt:
        with self.minter_lock:
            return self.minter_sender.transact(function)

    def send_as_relayer(self, function: ContractFunction) -> TxReceipt:
        with self.relayer_lock:
            return self.relayer_sender.transact(function)

    def call(self, function: ContractFunction) -> Any:
        """eth_call a view; a revert becomes chain_client's ContractRevert."""
        from web3.exceptions import ContractLogicError

        from chain_client.reverts import project_revert_decoder, revert_data_from_exception

        try:
            return function.call()
        except ContractLogicError as exc:
            data = revert_data_from_exception(exc)
            raise project_revert_decoder().decode(data) from exc

    def prepared(self, function: ContractFunction, value: int = 0) -> dict[str, Any]:
        """The transaction a wallet must sign for `function` (to, data, value, chain id)."""
        from chain_client.sender import call_target

        to, data = call_target(function)
        return {"to": str(to), "data": str(data), "value": str(value), "chain_id": self.chain_id}

    @property
    def chain_id(self) -> int:
        return self.settings.chain_id

    def settlement_clock(self) -> int:
        """Now, for checking a report's period: the later of the wall clock and the chain head.

        Consent starts and rate cards are chain timestamps. On a public chain the head is within
        a block of the wall clock; a development chain moved forward (governance delays are
        travelled, not waited) must still accept a period dated by its own clock. With the chain
        unreachable the wall clock alone decides (the stricter check).
        """
        wall = int(time.time())
        try:
            head = int(self.w3.eth.get_block("latest")["timestamp"])
        except (requests.RequestException, Web3Exception, OSError):
            return wall
        return max(wall, head)
