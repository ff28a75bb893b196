"""The one way the system opens a JSON-RPC connection: web3.py over HTTP, without two middlewares.

web3.py's default `validation` middleware asks the node for `eth_chainId` before every `eth_call`
and every transaction (to check a transaction's chainId, which `TransactionSender` sets itself from
the chain it asked once), and `ens_name_to_address` walks every argument looking for ENS names
(the system never passes one). Together they made a contract read cost 9.0 ms of CPU instead of
3.2 ms (200 `lastEpoch()` reads against anvil, on 2 cores), and every idle oracle node spent a
tenth of a core on them.
"""

from __future__ import annotations

from typing import Any

from web3 import Web3

#: The default middlewares `connect` leaves out (web3.py's names for them).
REMOVED_MIDDLEWARES = ("validation", "ens_name_to_address")


def connect(rpc_url: str, *, timeout: float = 30, retries: bool = True) -> Web3:
    """A Web3 for `rpc_url` with a request timeout of `timeout` seconds; `retries=False` turns
    web3.py's own retries of failed requests off (for callers that must answer quickly)."""
    no_retries: dict[str, Any] = {} if retries else {"exception_retry_configuration": None}
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, **no_retries))
    for name in REMOVED_MIDDLEWARES:
        w3.middleware_onion.remove(name)
    return w3
