"""The chain side of `up`: start anvil with persisted state (or use RPC_URL), then deploy the
contracts or reuse the deployment recorded for that chain id."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace

from eth_account import Account
from web3 import Web3

from chain_client.deploy import Deployment, load_or_deploy
from chain_client.devchain import LIVE_BLOCKS_ARGS, DevChain
from chain_client.errors import ChainClientError, DevChainError
from chain_client.rpc import connect as connect_rpc
from royalties_system.launcher.keys import Keys, dev_account_count
from royalties_system.launcher.settings import LauncherSettings, LauncherSettingsError


def listening(host: str, port: int) -> bool:
    """Whether something accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


class PersistentDevChain(DevChain):
    """DevChain on a fixed port that tolerates the port's TIME_WAIT after a previous run.

    DevChain refuses a fixed port it cannot bind without SO_REUSEADDR, which is the case for a
    minute after the last anvil on it stopped; anvil itself binds it fine. Only a listener that
    answers means the port is really taken.
    """

    def start(self) -> DevChain:
        if self.running:
            return self
        if self.port is None or listening(self.host, self.port):
            raise DevChainError(f"port {self.port} on {self.host} is already in use")
        try:
            self._spawn()
            self._wait_until_ready()
        except DevChainError:
            self.stop()
            raise
        return self


@dataclass
class ChainHandle:
    rpc_url: str
    chain_id: int
    w3: Web3
    devchain: DevChain | None

    def stop(self) -> None:
        """Stops anvil if we started it (SIGTERM: anvil dumps its --state file)."""
        if self.devchain is not None:
            self.devchain.stop()


def connect(rpc_url: str) -> Web3:
    w3 = connect_rpc(rpc_url)
    try:
        w3.eth.chain_id  # noqa: B018 - a reachability probe
    except Exception as exc:
        raise LauncherSettingsError(f"RPC_URL: cannot reach {rpc_url}: {exc}") from exc
    return w3


def start_chain(settings: LauncherSettings) -> ChainHandle:
    if settings.rpc_url:
        w3 = connect(settings.rpc_url)
        return ChainHandle(settings.rpc_url, int(w3.eth.chain_id), w3, None)
    chain = PersistentDevChain(
        port=settings.anvil_port,
        accounts_count=dev_account_count(settings),
        state_path=settings.anvil_state_file,
        state_interval=10,
        extra_args=LIVE_BLOCKS_ARGS,
    )
    try:
        chain.start()
    except ChainClientError as exc:
        raise LauncherSettingsError(
            f"cannot start anvil on 127.0.0.1:{settings.anvil_port} ({exc}); "
            "set ANVIL_PORT to a free port or RPC_URL to an existing node"
        ) from exc
    w3 = connect_rpc(chain.rpc_url)
    return ChainHandle(chain.rpc_url, chain.chain_id, w3, chain)


def deploy(settings: LauncherSettings, handle: ChainHandle, keys: Keys) -> Deployment:
    """Reuses data/deployment.json when its code is on this chain, else deploys and records."""
    try:
        return load_or_deploy(
            handle.w3,
            settings.deployment_file,
            Account.from_key(keys.operator),
            guardian=keys.guardian_address,
            oracle_signers=list(keys.signer_addresses),
            threshold=settings.oracle_threshold,
            root_delay=settings.root_delay,
            minter=Account.from_key(keys.minter).address,
        )
    except ChainClientError as exc:
        raise LauncherSettingsError(f"deployment failed: {exc}") from exc


def match_signers(
    handle: ChainHandle, deployment: Deployment, keys: Keys, *, keep_all: bool = False
) -> Keys:
    """Orders the node keys by the on-chain signer set and keeps `threshold` of them (every
    held signer with `keep_all`: one node process each).

    A reused deployment keeps its signer set and threshold; the nodes must hold enough of it.
    """
    settlement = handle.w3.eth.contract(
        address=deployment.usage_settlement,
        abi=[
            {
                "name": "signers",
                "type": "function",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [{"name": "", "type": "address[]"}],
            },
            {
                "name": "threshold",
                "type": "function",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [{"name": "", "type": "uint8"}],
            },
        ],
    )
    on_chain = {str(a) for a in settlement.functions.signers().call()}
    threshold = int(settlement.functions.threshold().call())
    held = [k for k in keys.oracle_nodes if Account.from_key(k).address in on_chain]
    if len(held) < threshold:
        raise LauncherSettingsError(
            f"UsageSettlement {deployment.usage_settlement} needs {threshold} signatures but the "
            f"configured oracle keys hold only {len(held)} of its signers"
        )
    return replace(keys, oracle_nodes=tuple(held if keep_all else held[:threshold]))
