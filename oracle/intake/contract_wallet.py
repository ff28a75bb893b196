"""EIP-1271: asking a platform's contract wallet whether it accepts a signature."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address

from chain_client.rpc import connect
from oracle.errors import ConfigurationError

#: bytes4(keccak256("isValidSignature(bytes32,bytes)")): the selector, and the "valid" answer.
EIP1271_MAGIC = bytes.fromhex("1626ba7e")


def contract_wallet_accepts(
    rpc_url: str, wallet: str, digest: bytes, signature: bytes, timeout: float = 5.0
) -> bool | None:
    """True/False from the wallet's isValidSignature; None when `wallet` has no code (an EOA).

    Raises ConfigurationError when the node at `rpc_url` cannot be asked.
    """
    w3 = connect(rpc_url, timeout=timeout, retries=False)
    address = to_checksum_address(wallet)
    try:
        if not w3.eth.get_code(address):
            return None
        data = EIP1271_MAGIC + encode(["bytes32", "bytes"], [digest, signature])
        answer = bytes(w3.eth.call({"to": address, "data": data}))
    except (OSError, ValueError) as exc:
        if "revert" in str(exc).lower():
            return False
        raise ConfigurationError(f"could not ask {rpc_url} about wallet {address}: {exc}") from exc
    except Exception as exc:  # web3 raises its own types for reverts and transport errors
        if "revert" in type(exc).__name__.lower() or "revert" in str(exc).lower():
            return False
        raise ConfigurationError(f"could not ask {rpc_url} about wallet {address}: {exc}") from exc
    return len(answer) >= 4 and answer[:4] == EIP1271_MAGIC
