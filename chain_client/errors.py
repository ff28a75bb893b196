"""Exceptions raised by chain_client; every one derives from ChainClientError."""

from __future__ import annotations

from typing import Any


class ChainClientError(Exception):
    """Root of every error raised by chain_client."""


class CompilationError(ChainClientError):
    """The Solidity compiler failed or reported errors."""


class DeploymentError(ChainClientError):
    """A deployment could not be performed, loaded or verified."""


class MerkleTreeError(ChainClientError):
    """A Merkle tree cannot be built, loaded or queried with the given input."""


class DevChainError(ChainClientError):
    """The local development chain (anvil) could not be started or stopped."""


class RpcError(ChainClientError):
    """A transient JSON-RPC failure (connection, timeout, 429/5xx) that outlasted the retries.

    `tx_hash` is set when a signed transaction may have reached the node: await or rebroadcast
    it by that hash rather than sending a new one."""

    def __init__(self, message: str, tx_hash: str | None = None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class TransactionFailed(ChainClientError):
    """A transaction could not be sent or was mined with status 0 without decodable revert data."""

    def __init__(self, message: str, tx_hash: str | None = None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class TransactionNotFound(TransactionFailed):
    """A transaction hash is unknown to the node (never broadcast, or dropped from the mempool)."""


class TransactionTimeout(TransactionFailed):
    """No receipt or confirmations in time; the transaction may still be mined."""


class ContractRevert(TransactionFailed):
    """A call or transaction reverted with a decodable reason.

    `error_name` is the Solidity custom error name ("InsufficientEscrow"), "Error" for
    `require(cond, "msg")` strings, "Panic" for panics, or "" when the revert had no data.
    `args` holds the decoded error arguments (not the message, unlike other exceptions).
    """

    def __init__(
        self,
        error_name: str,
        args: tuple[Any, ...] = (),
        contract: str | None = None,
        *,
        data: bytes = b"",
        tx_hash: str | None = None,
    ) -> None:
        where = f"{contract}." if contract else ""
        rendered = ", ".join(repr(a) for a in args)
        label = f"{where}{error_name}({rendered})" if error_name else "revert without reason"
        super().__init__(f"execution reverted: {label}", tx_hash)
        self.message = f"execution reverted: {label}"
        self.error_name = error_name
        self.args = tuple(args)
        self.contract = contract
        self.data = data

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_contract_revert,
            (self.error_name, self.args, self.contract, self.data, self.tx_hash),
        )

    @property
    def reason(self) -> str | None:
        """The message of an `Error(string)` revert, else None."""
        if self.error_name == "Error" and self.args:
            return str(self.args[0])
        return None

    def is_error(self, name: str) -> bool:
        return self.error_name == name


def _rebuild_contract_revert(
    error_name: str, args: tuple[Any, ...], contract: str | None, data: bytes, tx_hash: str | None
) -> ContractRevert:
    return ContractRevert(error_name, args, contract, data=data, tx_hash=tx_hash)
