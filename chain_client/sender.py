"""Sign and send transactions: local nonces, gas estimation, EIP-1559 fees, retries, receipts.

Crash safety: `prepare()` returns the signed raw transaction and its hash BEFORE anything is
broadcast, so a caller can persist them; after a restart `rebroadcast()` re-sends those exact
bytes and `wait_for_receipt()` awaits them by hash. A transaction that may already be in the
mempool is never re-signed under another nonce; only a transaction the node rejected (its nonce
taken by another transaction) is signed again.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import requests
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import (
    BlockNotFound,
    ContractLogicError,
    TransactionNotFound,
    Web3RPCError,
)
from web3.types import TxParams, TxReceipt

from chain_client.errors import (
    ContractRevert,
    RpcError,
    TransactionFailed,
    TransactionTimeout,
)
from chain_client.errors import TransactionNotFound as TxNotFoundError
from chain_client.reverts import RevertDecoder, project_revert_decoder, revert_data_from_exception

T = TypeVar("T")

_ALREADY_KNOWN = ("already known", "already imported", "known transaction")
_NONCE_TAKEN = (
    "nonce too low",
    "nonce has already been used",
    "replacement transaction underpriced",
)
_NONCE_GAP = ("nonce too high",)
_TRANSIENT_MESSAGES = (
    "429",
    "too many requests",
    "rate limit",
    "timeout",
    "timed out",
    "503",
    "502",
)
# Hashes, addresses and calldata in a message: a hash holding the digits "503" is not a 503.
_HEX_WORDS = re.compile(r"0x[0-9a-f]*")


@dataclass(frozen=True)
class SignedTx:
    """A signed transaction ready to broadcast; persist `raw` and `tx_hash` for crash recovery."""

    raw: bytes
    tx_hash: HexStr
    nonce: int
    params: dict[str, Any]


class _NonceRejected(Exception):
    """The node refused the transaction because of its nonce; it is not in the mempool."""


def is_transient(exc: BaseException) -> bool:
    """Whether an RPC failure is worth retrying (connection, timeout, 429, 5xx)."""
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status == 429 or status >= 500
    if isinstance(
        exc, requests.ConnectionError | requests.Timeout | ConnectionError | TimeoutError
    ):
        return True
    if isinstance(exc, ContractLogicError | TransactionNotFound | BlockNotFound):
        return False  # answers, not failures: retrying asks the same question again
    if isinstance(exc, Web3RPCError):
        message = _HEX_WORDS.sub("", str(exc).lower())
        return any(marker in message for marker in _TRANSIENT_MESSAGES)
    return False


class TransactionSender:
    """Sends transactions from one local account. Thread-safe for nonce allocation."""

    def __init__(
        self,
        w3: Web3,
        account: LocalAccount,
        *,
        decoder: RevertDecoder | None = None,
        confirmations: int = 0,
        gas_margin_percent: int = 20,
        receipt_timeout: float = 120.0,
        poll_interval: float = 0.05,
        max_attempts: int = 5,
        backoff: float = 0.2,
        max_priority_fee: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if confirmations < 0 or gas_margin_percent < 0 or max_attempts < 1:
            raise ValueError("confirmations and gas margin must be >= 0 and max_attempts >= 1")
        self.w3 = w3
        self.account = account
        self._decoder = decoder
        self.confirmations = confirmations
        self.gas_margin_percent = gas_margin_percent
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_priority_fee = max_priority_fee
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_nonce: int | None = None
        self._chain_id: int | None = None

    @property
    def address(self) -> ChecksumAddress:
        return self.account.address

    @property
    def decoder(self) -> RevertDecoder:
        if self._decoder is None:
            self._decoder = project_revert_decoder()
        return self._decoder

    # ---- high level -------------------------------------------------------------------

    def transact(
        self, function: ContractFunction, *, value: int = 0, gas: int | None = None
    ) -> TxReceipt:
        """Send a contract call and wait for its receipt; reverts raise ContractRevert."""
        to, data = call_target(function)
        return self.send({"to": to, "data": data, "value": value}, gas=gas)

    def send_raw(self, tx: TxParams | dict[str, Any]) -> TxReceipt:
        """Send a transaction dict (to, data, value; optional gas); fills nonce, gas and fees."""
        params = dict(tx)
        gas = params.pop("gas", None)
        return self.send(params, gas=int(gas) if gas is not None else None)

    def send(self, params: dict[str, Any], *, gas: int | None = None) -> TxReceipt:
        tx_hash = self.send_no_wait(params, gas=gas)
        return self.wait_for_receipt(tx_hash)

    def send_no_wait(self, params: dict[str, Any], *, gas: int | None = None) -> HexStr:
        for _ in range(3):
            signed = self.prepare(params, gas=gas)
            try:
                return self._broadcast_checked(signed)
            except _NonceRejected:
                self.resync_nonce()
        raise TransactionFailed("the node kept rejecting our nonce after re-syncing it")

    def deploy(self, abi: Sequence[dict[str, Any]], bytecode: bytes, *args: Any) -> TxReceipt:
        """Deploy a contract; the receipt's contractAddress is the new address."""
        constructor = self.w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args)
        data = constructor.data_in_transaction
        receipt = self.send({"data": data, "value": 0})
        if not receipt.get("contractAddress"):
            raise TransactionFailed("deployment receipt has no contract address")
        return receipt

    # ---- building and signing ---------------------------------------------------------

    def prepare(self, params: dict[str, Any], *, gas: int | None = None) -> SignedTx:
        """Estimate gas (reverts raise here, no nonce used), take a nonce, set fees, and sign."""
        tx: dict[str, Any] = {
            "from": self.address,
            "value": int(params.get("value", 0)),
            "data": HexBytes(params.get("data", b"")),
        }
        if params.get("to") is not None:
            tx["to"] = params["to"]
        if gas is None:
            estimate = self._estimate_gas(tx)
            gas = estimate + estimate * self.gas_margin_percent // 100
        tx["gas"] = gas
        tx.update(self._fees())
        tx["chainId"] = self._get_chain_id()
        tx["type"] = 2
        with self._lock:
            if self._next_nonce is None:
                self._next_nonce = self._retry(
                    lambda: self.w3.eth.get_transaction_count(self.address, "pending")
                )
            tx["nonce"] = self._next_nonce
            self._next_nonce += 1
        del tx["from"]
        signed = self.account.sign_transaction(tx)
        return SignedTx(
            raw=bytes(signed.raw_transaction),
            tx_hash=HexStr("0x" + bytes(signed.hash).hex()),
            nonce=tx["nonce"],
            params=tx,
        )

    def resync_nonce(self) -> None:
        """Forget the local nonce; the next transaction reads it from the node ("pending")."""
        with self._lock:
            self._next_nonce = None

    def _estimate_gas(self, tx: dict[str, Any]) -> int:
        def estimate() -> int:
            return int(self.w3.eth.estimate_gas(cast(TxParams, tx)))

        try:
            return self._retry(estimate)
        except ContractLogicError as exc:
            raise self._revert_from(exc) from exc
        except Web3RPCError as exc:
            data = revert_data_from_exception(exc)
            if data:
                raise self.decoder.decode(data) from exc
            raise TransactionFailed(f"gas estimation failed: {exc}") from exc

    def _fees(self) -> dict[str, int]:
        block = self._retry(lambda: self.w3.eth.get_block("latest"))
        base_fee = int(block.get("baseFeePerGas", 0) or 0)
        priority = self.max_priority_fee
        if priority is None:
            priority = int(self._retry(lambda: self.w3.eth.max_priority_fee))
        return {"maxFeePerGas": 2 * base_fee + priority, "maxPriorityFeePerGas": priority}

    def _get_chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self._retry(lambda: self.w3.eth.chain_id))
        return self._chain_id

    # ---- broadcasting ---------------------------------------------------------------

    def broadcast(self, signed: SignedTx) -> HexStr:
        """Broadcast a prepared transaction. Idempotent: re-sending the same bytes is harmless."""
        try:
            return self._broadcast_checked(signed)
        except _NonceRejected as exc:
            self.resync_nonce()
            raise TransactionFailed(
                f"nonce {signed.nonce} is already used by another transaction", signed.tx_hash
            ) from exc

    def rebroadcast(self, raw: bytes | str) -> HexStr:
        """Re-send a persisted raw transaction (after a crash). Returns its hash."""
        raw_bytes = HexBytes(raw)
        tx_hash = HexStr("0x" + Web3.keccak(raw_bytes).hex().removeprefix("0x"))
        if self._is_known(tx_hash):
            return tx_hash
        try:
            self._send_raw_bytes(raw_bytes, tx_hash)
        except _NonceRejected as exc:
            raise TransactionFailed(
                "the persisted transaction's nonce was used by another transaction", tx_hash
            ) from exc
        return tx_hash

    def _broadcast_checked(self, signed: SignedTx) -> HexStr:
        try:
            self._send_raw_bytes(signed.raw, signed.tx_hash)
        except RpcError:
            # It may or may not be in the mempool: keep the nonce, never re-sign.
            raise
        except TransactionFailed:
            self.resync_nonce()
            raise
        return signed.tx_hash

    def _send_raw_bytes(self, raw: bytes, tx_hash: HexStr) -> None:
        last_error: BaseException | None = None
        for attempt in range(self.max_attempts):
            try:
                self.w3.eth.send_raw_transaction(raw)
                return
            except Web3RPCError as exc:
                message = str(exc).lower()
                if any(marker in message for marker in _ALREADY_KNOWN):
                    return
                if any(marker in message for marker in _NONCE_TAKEN + _NONCE_GAP):
                    # A lost reply to an earlier attempt may have got it mined already.
                    if self._is_known(tx_hash):
                        return
                    raise _NonceRejected(message) from exc
                if not is_transient(exc):
                    data = revert_data_from_exception(exc)
                    if data:
                        raise self.decoder.decode(data, tx_hash=tx_hash) from exc
                    raise TransactionFailed(f"node rejected transaction: {exc}", tx_hash) from exc
                last_error = exc
            except Exception as exc:
                if not is_transient(exc):
                    raise
                last_error = exc
            self._sleep(self.backoff * 2**attempt)
        raise RpcError(f"broadcast of {tx_hash} failed after retries: {last_error}", tx_hash)

    def _is_known(self, tx_hash: HexStr) -> bool:
        try:
            self._retry(lambda: self.w3.eth.get_transaction(tx_hash))
            return True
        except TransactionNotFound:
            return False

    # ---- receipts -------------------------------------------------------------------

    def wait_for_receipt(
        self,
        tx_hash: HexStr | str | bytes,
        *,
        timeout: float | None = None,
        confirmations: int | None = None,
    ) -> TxReceipt:
        """Wait for the receipt and `confirmations` blocks on top; status 0 raises."""
        hash_hex = HexStr(HexBytes(tx_hash).to_0x_hex())
        needed = self.confirmations if confirmations is None else confirmations
        deadline = time.monotonic() + (self.receipt_timeout if timeout is None else timeout)
        while True:
            receipt = self._poll_receipt(hash_hex)
            if receipt is not None:
                head = int(self._retry(lambda: self.w3.eth.block_number))
                if head - int(receipt["blockNumber"]) >= needed:
                    # Re-read after waiting so a reorg that dropped the block is noticed.
                    final = receipt if needed == 0 else self._poll_receipt(hash_hex)
                    if final is not None and final["blockHash"] == receipt["blockHash"]:
                        return self._check_status(final, hash_hex)
            if time.monotonic() >= deadline:
                raise TransactionTimeout(
                    f"no receipt with {needed} confirmations for {hash_hex} in time", hash_hex
                )
            self._sleep(self.poll_interval)

    def _poll_receipt(self, tx_hash: HexStr) -> TxReceipt | None:
        try:
            return self._retry(lambda: self.w3.eth.get_transaction_receipt(tx_hash))
        except TransactionNotFound:
            return None

    def _check_status(self, receipt: TxReceipt, tx_hash: HexStr) -> TxReceipt:
        if receipt["status"] == 1:
            return receipt
        raise self._replay_revert(receipt, tx_hash)

    def _replay_revert(self, receipt: TxReceipt, tx_hash: HexStr) -> TransactionFailed:
        """Re-run a failed transaction as eth_call on its parent block to get the revert data."""
        try:
            tx = self.w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return TxNotFoundError(f"{tx_hash} reverted and cannot be re-read", tx_hash)
        call: dict[str, Any] = {
            "from": tx["from"],
            "to": tx.get("to"),
            "data": tx["input"],
            "value": tx["value"],
            "gas": tx["gas"],
        }
        try:
            self.w3.eth.call(cast(TxParams, call), int(receipt["blockNumber"]) - 1)
        except ContractLogicError as exc:
            revert = self._revert_from(exc)
            revert.tx_hash = tx_hash
            return revert
        except Web3RPCError as exc:
            data = revert_data_from_exception(exc)
            if data:
                return self.decoder.decode(data, tx_hash=tx_hash)
        return TransactionFailed(
            f"transaction {tx_hash} failed (status 0, gas used {receipt['gasUsed']})", tx_hash
        )

    def _revert_from(self, exc: ContractLogicError) -> ContractRevert:
        return self.decoder.decode(revert_data_from_exception(exc))

    # ---- retries --------------------------------------------------------------------

    def _retry(self, action: Callable[[], T]) -> T:
        for attempt in range(self.max_attempts):
            try:
                return action()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if attempt == self.max_attempts - 1:
                    raise RpcError(f"RPC failed after {self.max_attempts} attempts: {exc}") from exc
                self._sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")


def call_target(function: ContractFunction) -> tuple[ChecksumAddress, HexStr]:
    """The (to, calldata) of a contract call: what a user sends from their own wallet."""
    if function.address is None:
        raise ValueError("the contract function is not bound to an address")
    data = function.build_transaction(
        cast(
            TxParams,
            {
                "from": function.address,
                "gas": 1,
                "maxFeePerGas": 1,
                "maxPriorityFeePerGas": 1,
                "nonce": 0,
                "chainId": 1,
                "value": 0,
            },
        )
    )["data"]
    return function.address, HexStr(HexBytes(data).to_0x_hex())
