"""Deploy the whole system and record it (JSON), or reuse a recorded deployment still on chain."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.types import TxReceipt

from chain_client.compiler import Artifacts, compile_contracts
from chain_client.contracts.track_editions import MINTER_ROLE
from chain_client.contracts.track_registry import REGISTRAR_ROLE
from chain_client.errors import ChainClientError, DeploymentError
from chain_client.reverts import RevertDecoder
from chain_client.sender import TransactionSender

DEFAULT_WITHDRAWAL_DELAY = 3 * 24 * 3600
DEFAULT_EDITIONS_URI = "https://royalties.invalid/editions/{id}.json"


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    deploy_block: int
    deployer: ChecksumAddress
    split_implementation: ChecksumAddress
    split_factory: ChecksumAddress
    track_registry: ChecksumAddress
    usage_settlement: ChecksumAddress
    track_editions: ChecksumAddress
    mock_stablecoin: ChecksumAddress

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Deployment:
        try:
            data = json.loads(text)
            values: dict[str, Any] = {}
            for field in fields(cls):
                raw = data[field.name]
                if field.name in ("chain_id", "deploy_block"):
                    values[field.name] = int(raw)
                else:
                    values[field.name] = Web3.to_checksum_address(raw)
            return cls(**values)
        except (ValueError, KeyError, TypeError) as exc:
            raise DeploymentError(f"malformed deployment record: {exc}") from exc

    def save(self, path: Path) -> None:
        """Atomic write: a crash never leaves a half-written record."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.to_json())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Deployment:
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DeploymentError(f"cannot read deployment record {path}: {exc}") from exc

    def contract_addresses(self) -> dict[str, ChecksumAddress]:
        return {
            "TrackSplit": self.split_implementation,
            "SplitFactory": self.split_factory,
            "TrackRegistry": self.track_registry,
            "UsageSettlement": self.usage_settlement,
            "TrackEditions": self.track_editions,
            "MockStablecoin": self.mock_stablecoin,
        }


def deploy_all(
    w3: Web3,
    deployer: LocalAccount,
    *,
    guardian: str,
    oracle_signers: Sequence[str],
    threshold: int,
    root_delay: int = 0,
    withdrawal_delay: int = DEFAULT_WITHDRAWAL_DELAY,
    minter: str | None = None,
    registrar: str | None = None,
    editions_uri: str = DEFAULT_EDITIONS_URI,
    artifacts: Artifacts | None = None,
    sender: TransactionSender | None = None,
) -> Deployment:
    """Deploy every contract with `deployer` as owner/admin.

    Oracle signers are sorted ascending as UsageSettlement requires; `minter` (the API's
    account) gets TrackEditions' MINTER_ROLE; `registrar` (default: the deployer, which is the
    API's operator in development) gets TrackRegistry's REGISTRAR_ROLE.
    """
    if not oracle_signers:
        raise DeploymentError("at least one oracle signer is required")
    if not 1 <= threshold <= len(oracle_signers):
        raise DeploymentError(
            f"threshold {threshold} must be within 1..{len(oracle_signers)} (the signer count)"
        )
    built = artifacts or compile_contracts()
    tx = sender or TransactionSender(
        w3, deployer, decoder=RevertDecoder((a.name, a.abi) for a in built.all())
    )
    signers = sorted(
        (Web3.to_checksum_address(s) for s in oracle_signers), key=lambda a: int(a, 16)
    )
    try:
        first = _deploy(tx, built, "SplitFactory")
        factory = _address(first)
        implementation = Web3.to_checksum_address(
            w3.eth.contract(address=factory, abi=built.abi("SplitFactory"))
            .functions.implementation()
            .call()
        )
        registry = _address(_deploy(tx, built, "TrackRegistry", factory, deployer.address))
        registry_contract = w3.eth.contract(address=registry, abi=built.abi("TrackRegistry"))
        tx.transact(
            registry_contract.functions.grantRole(
                REGISTRAR_ROLE, Web3.to_checksum_address(registrar or deployer.address)
            )
        )
        settlement = _address(
            _deploy(
                tx,
                built,
                "UsageSettlement",
                deployer.address,
                Web3.to_checksum_address(guardian),
                signers,
                threshold,
                root_delay,
                withdrawal_delay,
            )
        )
        editions = _address(
            _deploy(
                tx,
                built,
                "TrackEditions",
                deployer.address,
                registry,
                editions_uri,
            )
        )
        stablecoin = _address(_deploy(tx, built, "MockStablecoin"))
        if minter is not None:
            contract = w3.eth.contract(address=editions, abi=built.abi("TrackEditions"))
            tx.transact(contract.functions.grantRole(MINTER_ROLE, Web3.to_checksum_address(minter)))
    except ChainClientError as exc:
        if isinstance(exc, DeploymentError):
            raise
        raise DeploymentError(f"deployment failed: {exc}") from exc
    return Deployment(
        chain_id=int(w3.eth.chain_id),
        deploy_block=int(first["blockNumber"]),
        deployer=deployer.address,
        split_implementation=implementation,
        split_factory=factory,
        track_registry=registry,
        usage_settlement=settlement,
        track_editions=editions,
        mock_stablecoin=stablecoin,
    )


def deployment_is_live(w3: Web3, deployment: Deployment) -> bool:
    """Whether the record belongs to this chain and every contract still has code there."""
    if int(w3.eth.chain_id) != deployment.chain_id:
        return False
    return all(len(w3.eth.get_code(a)) > 0 for a in deployment.contract_addresses().values())


def load_or_deploy(
    w3: Web3, path: Path, deployer: LocalAccount, **deploy_kwargs: Any
) -> Deployment:
    """Reuse the deployment recorded at `path` when its code is on this chain, else deploy anew."""
    if path.exists():
        try:
            recorded = Deployment.load(path)
        except DeploymentError:
            recorded = None
        if recorded is not None and deployment_is_live(w3, recorded):
            return recorded
    deployment = deploy_all(w3, deployer, **deploy_kwargs)
    deployment.save(path)
    return deployment


def _deploy(tx: TransactionSender, artifacts: Artifacts, name: str, *args: Any) -> TxReceipt:
    bytecode = artifacts.bytecode(name)
    if not bytecode:
        raise DeploymentError(f"{name} has no bytecode (abstract contract or interface?)")
    return tx.deploy(artifacts.abi(name), bytecode, *args)


def _address(receipt: TxReceipt) -> ChecksumAddress:
    address = receipt.get("contractAddress")
    if not address:
        raise DeploymentError("deployment receipt has no contract address")
    return Web3.to_checksum_address(address)


__all__ = ["Deployment", "deploy_all", "deployment_is_live", "load_or_deploy"]
