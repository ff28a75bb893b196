"""Key resolution of `royalties up`: development keys only on a local chain, keystores elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from chain_client.devchain import dev_private_keys
from royalties_system.launcher.keys import KeyConfigurationError, resolve_keys
from royalties_system.launcher.settings import LauncherSettings

REMOTE = "https://rpc.example.org"
LOCAL = "http://127.0.0.1:8545"


def _keystore(tmp_path: Path, name: str, key: str, password: str) -> Path:
    path = tmp_path / f"{name}.json"
    encrypted = Account.encrypt(key, password, kdf="pbkdf2", iterations=1_000)
    path.write_text(json.dumps(encrypted))
    return path


def _production(tmp_path: Path, keys: dict[str, str], **extra: object) -> LauncherSettings:
    values: dict[str, object] = {
        "environment": "production",
        "keystore_password": "correct horse",
        "admin_token": "a-long-random-operator-token",
        "guardian_address": "0x000000000000000000000000000000000000dEaD",
        **{
            f"{name}_keystore": _keystore(tmp_path, name, key, "correct horse")
            for name, key in keys.items()
        },
        **extra,
    }
    return LauncherSettings(**values)  # type: ignore[arg-type]


def _fresh_keys(count: int) -> list[str]:
    return ["0x" + bytes(Account.create().key).hex() for _ in range(count)]


def test_development_keys_are_anvils_on_a_local_chain() -> None:
    keys = resolve_keys(LauncherSettings(oracle_threshold=2, oracle_signers=3), LOCAL)
    dev = dev_private_keys(20)
    assert keys.operator == dev[0]
    assert keys.oracle_nodes == (dev[1], dev[2], dev[3])
    assert len(keys.signer_addresses) == 3


def test_development_keys_are_refused_on_a_remote_chain() -> None:
    with pytest.raises(KeyConfigurationError, match="not a local chain"):
        resolve_keys(LauncherSettings(), REMOTE)


def test_threshold_above_signer_count_is_refused() -> None:
    with pytest.raises(ValueError, match="ORACLE_THRESHOLD=4"):
        LauncherSettings(oracle_threshold=4, oracle_signers=3)


def test_production_keys_come_from_keystores(tmp_path: Path) -> None:
    operator, oracle, relayer = _fresh_keys(3)
    settings = _production(tmp_path, {"operator": operator, "oracle": oracle, "relayer": relayer})
    keys = resolve_keys(settings, REMOTE)
    assert (keys.operator, keys.oracle_nodes, keys.relayer) == (operator, (oracle,), relayer)
    assert keys.minter == operator
    assert keys.signer_addresses == (Account.from_key(oracle).address,)


def test_a_wrong_password_names_the_keystore(tmp_path: Path) -> None:
    operator, oracle, relayer = _fresh_keys(3)
    settings = _production(
        tmp_path,
        {"operator": operator, "oracle": oracle, "relayer": relayer},
    ).model_copy(update={"keystore_password": "wrong"})
    with pytest.raises(KeyConfigurationError, match="OPERATOR_KEYSTORE: cannot decrypt"):
        resolve_keys(settings, REMOTE)


def test_password_file_and_missing_keystore(tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text("correct horse\n")
    operator, oracle = _fresh_keys(2)
    settings = _production(tmp_path, {"operator": operator, "oracle": oracle}).model_copy(
        update={"keystore_password": None, "keystore_password_file": password_file}
    )
    with pytest.raises(KeyConfigurationError, match="RELAYER_KEYSTORE: required"):
        resolve_keys(settings, REMOTE)


def test_anvil_keys_in_keystores_are_refused_on_a_remote_chain(tmp_path: Path) -> None:
    dev = dev_private_keys(3)
    settings = _production(tmp_path, {"operator": dev[0], "oracle": dev[1], "relayer": dev[2]})
    with pytest.raises(KeyConfigurationError, match="public development keys"):
        resolve_keys(settings, REMOTE)
    assert resolve_keys(settings, LOCAL).operator == dev[0]  # a local chain may use them
