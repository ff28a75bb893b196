"""Lazily connects to the chain named by the settings and hands out typed contract clients."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import requests
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import abi_to_signature, get_abi_input_types, get_abi_output_types
from eth_utils.address import is_checksum_address
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.contract.utils import format_contract_call_return_data_curried
from web3.exceptions import Web3Exception
from web3.types import BlockIdentifier, TxReceipt

from api.chain.read_log import ChainRead, OpaqueReadsMiddleware, record
from api.chain.rpc import KeepAliveRpc, RpcTransportError
from api.errors import ServiceMisconfigured
from api.settings import ApiSettings
from chain_client.rpc import connect

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from chain_client.deploy import Deployment
    from chain_client.sender import TransactionSender


OPAQUE_READS = "api_opaque_reads"


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
        w3 = self._w3 if self._w3 is not None else connect(self.settings.rpc_url)
        if OPAQUE_READS not in w3.middleware_onion:
            w3.middleware_onion.add(OpaqueReadsMiddleware, name=OPAQUE_READS)
        return w3

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

    @cached_property
    def _rpc(self) -> KeepAliveRpc | None:
        """The node's http(s) endpoint for plain calls, None when web3's provider is another
        kind (IPC, websocket, a test double): then every call goes through web3."""
        provider = self.w3.provider
        if not isinstance(provider, HTTPProvider) or provider.endpoint_uri is None:
            return None
        try:
            return KeepAliveRpc(str(provider.endpoint_uri))
        except ValueError:
            return None

    def call(self, function: ContractFunction) -> Any:
        """eth_call a view; a revert becomes chain_client's ContractRevert."""
        return self.call_many([function])[0]

    def call_many(
        self, functions: Sequence[ContractFunction], block: BlockIdentifier = "latest"
    ) -> list[Any]:
        """eth_call views, all at `block`, in one JSON-RPC batch; each result as `call` gives it.

        Encoded and decoded by web3 as `ContractFunction.call()` does. An answer that is not a
        plain result (a revert, no code at the address, an unreachable node) is asked again
        through web3, which raises what `call` always raised for it."""
        if not functions:
            return []
        rpc = self._rpc
        tag = hex(block) if isinstance(block, int) else block
        if rpc is None:
            return [self._web3_call(f, block) for f in functions]
        data = [_calldata(f) for f in functions]
        calls: list[tuple[str, list[Any]]] = [
            ("eth_call", [{"to": f.address, "data": d}, tag])
            for f, d in zip(functions, data, strict=True)
        ]
        try:
            answers = [rpc.request(*calls[0])] if len(calls) == 1 else rpc.batch(calls)
        except RpcTransportError:
            return [self._web3_call(f, block) for f in functions]
        return [
            self._decoded(f, d, answer.get("result"), block)
            for f, d, answer in zip(functions, data, answers, strict=True)
        ]

    def replay(self, reads: Sequence[ChainRead], block: int) -> bool:
        """True when every logged eth_call answers the same raw result at `block` (one batch);
        False when any differs or cannot be asked (then the caller rebuilds)."""
        if not reads:
            return True
        rpc = self._rpc
        if rpc is None:
            return False
        calls: list[tuple[str, list[Any]]] = [
            ("eth_call", [{"to": r.to, "data": r.data}, hex(block)]) for r in reads
        ]
        try:
            answers = rpc.batch(calls)
        except RpcTransportError:
            return False
        return all(a.get("result") == r.result for a, r in zip(answers, reads, strict=True))

    def _decoded(
        self, function: ContractFunction, data: str, result: object, block: BlockIdentifier
    ) -> Any:
        output_types = get_abi_output_types(function.abi)
        if not isinstance(result, str) or (result in ("", "0x") and output_types):
            return self._web3_call(function, block)
        record(str(function.address), data, result)
        return format_contract_call_return_data_curried(
            self.w3,
            False,
            function.abi,
            abi_to_signature(function.abi),
            function._return_data_normalizers,
            output_types,
            HexBytes(result),
        )

    @staticmethod
    def _web3_call(function: ContractFunction, block: BlockIdentifier) -> Any:
        from web3.exceptions import ContractLogicError

        from chain_client.reverts import project_revert_decoder, revert_data_from_exception

        try:
            return function.call(block_identifier=block)
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


_UINT_OR_INT = re.compile(r"u?int\d*")


def _plain(abi_type: str, value: object) -> bool:
    """A value web3's input normalizers would pass to the ABI codec unchanged."""
    if abi_type.endswith("[]"):
        return isinstance(value, list | tuple) and all(_plain(abi_type[:-2], v) for v in value)
    if abi_type == "address":
        return isinstance(value, str) and is_checksum_address(value)
    if abi_type == "bool":
        return isinstance(value, bool)
    if abi_type == "bytes32":
        return isinstance(value, bytes) and len(value) == 32
    if _UINT_OR_INT.fullmatch(abi_type):
        return isinstance(value, int) and not isinstance(value, bool)
    return False


def _calldata(function: ContractFunction) -> str:
    """`function._encode_transaction_data()`, without web3's normalizer pass when every argument
    is already in the codec's form (checksummed addresses, ints, 32-byte values): that pass is
    most of the CPU of a view call here. Anything else is encoded by web3 itself."""
    types = get_abi_input_types(function.abi)
    arguments = tuple(function.arguments or ())
    if len(types) != len(arguments) or not all(map(_plain, types, arguments)):
        return str(function._encode_transaction_data())
    return "0x" + (bytes(HexBytes(function.selector)) + abi_encode(types, arguments)).hex()
