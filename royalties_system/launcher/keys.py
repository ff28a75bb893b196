"""Which keys the system runs with.

Development: anvil's well-known test keys, and only against a local chain. Production: keys
decrypted from encrypted keystore files (eth_account) with a password from KEYSTORE_PASSWORD or
KEYSTORE_PASSWORD_FILE; anvil's public keys are refused on any chain that is not local.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from eth_account import Account

from chain_client.devchain import dev_private_keys
from royalties_system.launcher.settings import LauncherSettings, LauncherSettingsError

OPERATOR, GUARDIAN, MINTER, RELAYER = 0, 4, 5, 9
FIRST_SIGNERS = (1, 2, 3)  # further signers use accounts 20, 21, ...
DEMO_ACCOUNTS = range(10, 19)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


class KeyConfigurationError(LauncherSettingsError):
    """A key is missing, unreadable, or not allowed for this chain."""


@dataclass(frozen=True)
class Keys:
    operator: str
    oracle_nodes: tuple[str, ...]  # coordinator first; it also posts
    minter: str
    relayer: str
    guardian_address: str
    signer_addresses: tuple[str, ...]


def address(key: str) -> str:
    return str(Account.from_key(key).address)


def is_local_rpc(url: str) -> bool:
    return (urlparse(url).hostname or "") in LOCAL_HOSTS


def dev_account_count(settings: LauncherSettings) -> int:
    return 20 + max(0, settings.oracle_signers - len(FIRST_SIGNERS))


def dev_signer_indices(count: int) -> list[int]:
    extra = [20 + i for i in range(max(0, count - len(FIRST_SIGNERS)))]
    return [*FIRST_SIGNERS[:count], *extra]


def development_keys(settings: LauncherSettings) -> Keys:
    keys = dev_private_keys(dev_account_count(settings))
    signers = [keys[i] for i in dev_signer_indices(settings.oracle_signers)]
    return Keys(
        operator=keys[OPERATOR],
        oracle_nodes=tuple(signers),
        minter=keys[MINTER],
        relayer=keys[RELAYER],
        guardian_address=address(keys[GUARDIAN]),
        signer_addresses=tuple(address(k) for k in signers),
    )


def _password(settings: LauncherSettings) -> str:
    if settings.keystore_password is not None:
        return settings.keystore_password
    if settings.keystore_password_file is not None:
        try:
            return settings.keystore_password_file.read_text(encoding="utf-8").rstrip("\n")
        except OSError as exc:
            raise KeyConfigurationError(
                f"KEYSTORE_PASSWORD_FILE: cannot read {settings.keystore_password_file}: {exc}"
            ) from exc
    raise KeyConfigurationError(
        "production keys come from keystores: set KEYSTORE_PASSWORD or KEYSTORE_PASSWORD_FILE"
    )


def decrypt_keystore(path: Path, password: str, name: str) -> str:
    try:
        keyfile = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyConfigurationError(f"{name}: cannot read keystore {path}: {exc}") from exc
    try:
        key = Account.decrypt(keyfile, password)
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyConfigurationError(f"{name}: cannot decrypt {path}: {exc}") from exc
    return "0x" + bytes(key).hex()


def production_keys(settings: LauncherSettings) -> Keys:
    password = _password(settings)

    def required(path: Path | None, name: str) -> str:
        if path is None:
            raise KeyConfigurationError(f"{name}: required outside development")
        return decrypt_keystore(path, password, name)

    operator = required(settings.operator_keystore, "OPERATOR_KEYSTORE")
    node = required(settings.oracle_keystore, "ORACLE_KEYSTORE")
    peers = [
        decrypt_keystore(Path(p.strip()), password, "ORACLE_PEER_KEYSTORES")
        for p in settings.oracle_peer_keystores.split(",")
        if p.strip()
    ]
    relayer = required(settings.relayer_keystore, "RELAYER_KEYSTORE")
    minter = (
        decrypt_keystore(settings.minter_keystore, password, "MINTER_KEYSTORE")
        if settings.minter_keystore is not None
        else operator
    )
    if not settings.guardian_address:
        raise KeyConfigurationError("GUARDIAN_ADDRESS: required outside development")
    nodes = (node, *peers)
    listed = [a.strip() for a in settings.oracle_signer_addresses.split(",") if a.strip()]
    return Keys(
        operator=operator,
        oracle_nodes=nodes,
        minter=minter,
        relayer=relayer,
        guardian_address=settings.guardian_address,
        signer_addresses=tuple(listed) if listed else tuple(address(k) for k in nodes),
    )


def resolve_keys(settings: LauncherSettings, rpc_url: str) -> Keys:
    """The keys to run with; refuses anvil's public keys anywhere but a local chain."""
    local = is_local_rpc(rpc_url)
    if settings.environment == "development":
        if not local:
            raise KeyConfigurationError(
                f"RPC_URL={rpc_url} is not a local chain: development uses anvil's public test "
                "keys, which are refused there. Set ENVIRONMENT=production and keystores."
            )
        return development_keys(settings)
    keys = production_keys(settings)
    public = set(dev_private_keys(40))
    used = [keys.operator, keys.minter, keys.relayer, *keys.oracle_nodes]
    if not local and any(k in public for k in used):
        raise KeyConfigurationError(
            "a keystore holds one of anvil's public development keys; refused on a non-local chain"
        )
    return keys
