"""Shared fixtures: one anvil node per test session and one deployment of every contract.

Account roles (anvil's well-known dev keys, `accounts[i]`):
0 deployer and owner, 1-3 oracle signers (threshold 2), 4 guardian, 5 minter (the API),
6-19 free for tests (platforms, artists, collectors).

Tests that change global contract state (signer sets, epochs) should use `deploy_fresh()`
instead of the shared `deployment`.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.compiler import Artifacts, compile_contracts, default_project_root
from chain_client.deploy import Deployment, deploy_all
from chain_client.devchain import DevChain
from chain_client.reverts import RevertDecoder
from chain_client.rpc import connect
from chain_client.sender import TransactionSender

DEPLOYER, SIGNER_1, SIGNER_2, SIGNER_3, GUARDIAN, MINTER = range(6)
FIRST_FREE_ACCOUNT = 6
ORACLE_THRESHOLD = 2


@pytest.fixture(scope="session")
def dev_chain() -> Iterator[DevChain]:
    with DevChain(accounts_count=20) as chain:
        yield chain


@pytest.fixture(scope="session")
def w3(dev_chain: DevChain) -> Web3:
    return connect(dev_chain.rpc_url)


POSTGRES_URL_ENV = "ROYALTIES_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, each worker gets a PostgreSQL database of its own.

    Fixtures that migrate the one named by ROYALTIES_TEST_POSTGRES_URL (tests/api) would race
    each other's migrations and rows from two workers; so each worker creates `<name>_<worker>`
    once and points the variable at it. Without xdist nothing changes."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not worker or not server_url:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"{url.database}_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    os.environ[POSTGRES_URL_ENV] = url.set(database=name).render_as_string(hide_password=False)
    config.stash[_WORKER_DATABASE] = (server_url, name)


def pytest_unconfigure(config: pytest.Config) -> None:
    created = config.stash.get(_WORKER_DATABASE, None)
    if created is None:
        return
    from sqlalchemy import create_engine

    server_url, name = created
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
    os.environ[POSTGRES_URL_ENV] = server_url


_WORKER_DATABASE = pytest.StashKey[tuple[str, str]]()


# The longest files first, so that under pytest-xdist (`--dist loadfile --no-loadscope-reorder`)
# neither worker is left alone with a long file at the end: the forge suite (one item of minutes)
# starts at once on one worker while the other takes the Python tests.
_FIRST = (
    "tests/test_forge_suite.py",
    "tests/launcher/test_up_and_demo.py",
    "tests/oracle/test_nodes_faults.py",
    "tests/oracle/test_epoch_crash.py",
    "tests/e2e/",
    "tests/browser/",
    "tests/launcher/",
    "tests/oracle/test_epoch_worker.py",
)


def _start_rank(item: pytest.Item) -> int:
    path = Path(item.path).resolve().relative_to(Path(__file__).resolve().parent.parent)
    text = path.as_posix()
    for rank, prefix in enumerate(_FIRST):
        if text.startswith(prefix):
            return rank
    return len(_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)  # stable: a file's tests keep their order


@pytest.fixture(scope="session")
def artifacts() -> Artifacts:
    """Compiled once per source hash for all workers: the first compiles under a file lock
    (solcjs takes tens of seconds), the others wait for it and read the cache."""
    build = default_project_root() / ".build"
    build.mkdir(parents=True, exist_ok=True)
    with open(Path(build) / ".compile.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return compile_contracts()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def revert_decoder(artifacts: Artifacts) -> RevertDecoder:
    return RevertDecoder((a.name, a.abi) for a in artifacts.all())


@pytest.fixture(scope="session")
def accounts(dev_chain: DevChain) -> list[LocalAccount]:
    return [Account.from_key(key) for key in dev_chain.private_keys]


@pytest.fixture(scope="session")
def dev_keys(dev_chain: DevChain) -> list[str]:
    return list(dev_chain.private_keys)


@pytest.fixture(scope="session")
def deployer(accounts: list[LocalAccount]) -> LocalAccount:
    return accounts[DEPLOYER]


@pytest.fixture(scope="session")
def oracle_accounts(accounts: list[LocalAccount]) -> list[LocalAccount]:
    return [accounts[SIGNER_1], accounts[SIGNER_2], accounts[SIGNER_3]]


@pytest.fixture(scope="session")
def guardian(accounts: list[LocalAccount]) -> LocalAccount:
    return accounts[GUARDIAN]


@pytest.fixture(scope="session")
def minter(accounts: list[LocalAccount]) -> LocalAccount:
    return accounts[MINTER]


@pytest.fixture(scope="session")
def sender_for(
    w3: Web3, revert_decoder: RevertDecoder
) -> Callable[[LocalAccount], TransactionSender]:
    """One TransactionSender per account for the whole session (they keep local nonces)."""
    senders: dict[str, TransactionSender] = {}

    def get(account: LocalAccount) -> TransactionSender:
        if account.address not in senders:
            senders[account.address] = TransactionSender(w3, account, decoder=revert_decoder)
        return senders[account.address]

    return get


@pytest.fixture(scope="session")
def deploy_fresh(
    w3: Web3,
    artifacts: Artifacts,
    deployer: LocalAccount,
    oracle_accounts: list[LocalAccount],
    guardian: LocalAccount,
    minter: LocalAccount,
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> Callable[..., Deployment]:
    """Deploy a new, independent set of contracts; keyword arguments override deploy_all's."""

    def deploy(**overrides: Any) -> Deployment:
        options: dict[str, Any] = {
            "guardian": guardian.address,
            "oracle_signers": [a.address for a in oracle_accounts],
            "threshold": ORACLE_THRESHOLD,
            "root_delay": 0,
            "minter": minter.address,
            "artifacts": artifacts,
            "sender": sender_for(deployer),
        }
        options.update(overrides)
        return deploy_all(w3, deployer, **options)

    return deploy


@pytest.fixture(scope="session")
def deployment(deploy_fresh: Callable[..., Deployment]) -> Deployment:
    return deploy_fresh()


@pytest.fixture(scope="session")
def dev_chain_url(dev_chain: DevChain) -> str:
    return dev_chain.rpc_url
