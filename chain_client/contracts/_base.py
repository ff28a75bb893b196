"""Shared plumbing for the typed contract wrappers: calls, transactions, calldata, events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from eth_typing import ChecksumAddress, HexStr
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, MismatchedABI
from web3.types import BlockIdentifier, EventData, TxReceipt

from chain_client.compiler import Artifacts, compile_contracts
from chain_client.errors import ChainClientError, RpcError
from chain_client.reverts import (
    RevertDecoder,
    canonical_type,
    project_revert_decoder,
    revert_data_from_exception,
)
from chain_client.sender import TransactionSender, call_target, is_transient

DEFAULT_LOG_CHUNK = 5_000


@lru_cache(maxsize=1)
def project_artifacts() -> Artifacts:
    """Artifacts of contracts/src, compiled once per process (or read from the .build cache)."""
    return compile_contracts()


@dataclass(frozen=True)
class Calldata:
    """A transaction for the user to send from their own wallet."""

    to: ChecksumAddress
    data: HexStr
    value: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"to": self.to, "data": self.data, "value": self.value}


@dataclass(frozen=True)
class DecodedEvent:
    name: str
    args: dict[str, Any]
    address: ChecksumAddress
    block_number: int
    transaction_hash: HexStr
    log_index: int

    @classmethod
    def from_event_data(cls, data: EventData) -> DecodedEvent:
        return cls(
            name=data["event"],
            args=dict(data["args"]),
            address=Web3.to_checksum_address(data["address"]),
            block_number=int(data["blockNumber"]),
            transaction_hash=HexStr(HexBytes(data["transactionHash"]).to_0x_hex()),
            log_index=int(data["logIndex"]),
        )


class ContractClient:
    """Base of every wrapper: `CONTRACT_NAME` selects the ABI from the compiled artifacts."""

    CONTRACT_NAME: ClassVar[str]

    def __init__(
        self,
        w3: Web3,
        address: str,
        sender: TransactionSender | None = None,
        *,
        abi: Sequence[Mapping[str, Any]] | None = None,
        decoder: RevertDecoder | None = None,
    ) -> None:
        self.w3 = w3
        self.address = Web3.to_checksum_address(address)
        self.sender = sender
        contract_abi: list[Mapping[str, Any]] = (
            list(abi) if abi is not None else list(project_artifacts().abi(self.CONTRACT_NAME))
        )
        self._abi = contract_abi
        self.contract: Contract = w3.eth.contract(address=self.address, abi=contract_abi)
        self._decoder = decoder
        self._topics: dict[bytes, str] | None = None

    @property
    def decoder(self) -> RevertDecoder:
        if self._decoder is None:
            self._decoder = self.sender.decoder if self.sender else project_revert_decoder()
        return self._decoder

    def decode_call(self, tx_hash: str | bytes, function_name: str) -> dict[str, Any]:
        """The arguments of a transaction that called `function_name` on this contract directly."""
        tx = self.w3.eth.get_transaction(HexBytes(tx_hash))
        if tx.get("to") is None or Web3.to_checksum_address(str(tx["to"])) != self.address:
            raise ChainClientError(f"the transaction was not sent to this {self.CONTRACT_NAME}")
        function, params = self.contract.decode_function_input(tx["input"])
        if function.fn_name != function_name:
            raise ChainClientError(f"the transaction calls {function.fn_name}, not {function_name}")
        return dict(params)

    def function(self, name: str, *args: Any) -> ContractFunction:
        return self.contract.functions[name](*args)

    def _call(self, name: str, *args: Any, block: BlockIdentifier = "latest") -> Any:
        try:
            return self.function(name, *args).call(block_identifier=block)
        except ContractLogicError as exc:
            raise self.decoder.decode(revert_data_from_exception(exc)) from exc
        except Exception as exc:
            if is_transient(exc):
                raise RpcError(f"{self.CONTRACT_NAME}.{name} call failed: {exc}") from exc
            raise

    def _transact(self, name: str, *args: Any, value: int = 0) -> TxReceipt:
        if self.sender is None:
            raise ChainClientError(
                f"{type(self).__name__} was built without a TransactionSender; cannot send {name}"
            )
        return self.sender.transact(self.function(name, *args), value=value)

    def calldata(self, name: str, *args: Any, value: int = 0) -> Calldata:
        """Calldata of any function, for sending from the user's own wallet."""
        to, data = call_target(self.function(name, *args))
        return Calldata(to=to, data=data, value=value)

    # ---- events ---------------------------------------------------------------------

    def events(
        self,
        event_name: str,
        from_block: int,
        to_block: int | str = "latest",
        *,
        argument_filters: dict[str, Any] | None = None,
        chunk_size: int = DEFAULT_LOG_CHUNK,
    ) -> list[DecodedEvent]:
        """Decoded `event_name` logs of this contract in [from_block, to_block], chunked."""
        last = self.w3.eth.block_number if to_block == "latest" else int(to_block)
        event = self.contract.events[event_name]
        found: list[DecodedEvent] = []
        start = from_block
        while start <= last:
            end = min(start + chunk_size - 1, last)
            logs = event().get_logs(
                from_block=start, to_block=end, argument_filters=argument_filters
            )
            found.extend(DecodedEvent.from_event_data(log) for log in logs)
            start = end + 1
        return found

    def all_events(
        self,
        from_block: int,
        to_block: int | str = "latest",
        *,
        chunk_size: int = DEFAULT_LOG_CHUNK,
    ) -> list[DecodedEvent]:
        """Every event this contract emitted in the range, decoded, in chain order."""
        last = self.w3.eth.block_number if to_block == "latest" else int(to_block)
        found: list[DecodedEvent] = []
        start = from_block
        while start <= last:
            end = min(start + chunk_size - 1, last)
            logs = self.w3.eth.get_logs(
                {"address": self.address, "fromBlock": start, "toBlock": end}
            )
            for log in logs:
                decoded = self._decode_log(log)
                if decoded is not None:
                    found.append(decoded)
            start = end + 1
        return found

    def events_in_receipt(self, receipt: TxReceipt, event_name: str) -> list[DecodedEvent]:
        event = self.contract.events[event_name]()
        found = []
        for log in receipt["logs"]:
            if Web3.to_checksum_address(log["address"]) != self.address:
                continue
            try:
                found.append(DecodedEvent.from_event_data(event.process_log(log)))
            except MismatchedABI:
                continue
        return found

    def _decode_log(self, log: Any) -> DecodedEvent | None:
        topics = log.get("topics") or []
        if not topics:
            return None
        name = self._event_by_topic().get(bytes(HexBytes(topics[0])))
        if name is None:
            return None
        try:
            return DecodedEvent.from_event_data(self.contract.events[name]().process_log(log))
        except MismatchedABI:
            return None

    def _event_by_topic(self) -> dict[bytes, str]:
        if self._topics is None:
            self._topics = {}
            for item in self._abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    types = ",".join(canonical_type(p) for p in item.get("inputs", []))
                    self._topics[keccak(text=f"{item['name']}({types})")] = str(item["name"])
        return self._topics


def to_bytes32(value: bytes | str | int) -> bytes:
    if isinstance(value, int):
        return value.to_bytes(32, "big")
    raw = bytes(HexBytes(value))
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes, got {len(raw)}")
    return raw


def checksum(address: str) -> ChecksumAddress:
    return Web3.to_checksum_address(address)


def checksums(addresses: Sequence[str]) -> list[ChecksumAddress]:
    return [Web3.to_checksum_address(a) for a in addresses]
