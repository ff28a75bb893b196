"""Shared set-up of the epoch tests, imported by the other test_epoch_* modules.

A fresh deployment on the session's anvil, two platforms registered on chain (a stablecoin one
and a native-ETH one, with rates that do not divide evenly), three tracks with real splits,
oracle stores holding the catalog, signed JSON usage reports ingested through the real intake,
and the arithmetic the tests check against, done by hand from the report lines.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from web3 import Web3

from chain_client.constants import NATIVE_TOKEN
from chain_client.contracts.erc20 import ERC20Client
from chain_client.contracts.track_registry import TrackRegistryClient
from chain_client.contracts.usage_settlement import ClaimRequest, UsageSettlementClient
from chain_client.deploy import Deployment
from chain_client.eip712 import UsageReport, sign_usage_report
from chain_client.sender import TransactionSender
from oracle.catalog import Consent, upsert_platform, upsert_track
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.crash import CrashHook, no_crash
from oracle.epoch.node import OracleNode
from oracle.epoch.poster import Poster
from oracle.epoch.runner import EpochRunner
from oracle.intake.ingest import ingest_file
from oracle.intake.json_report import canonical_lines_hash
from oracle.settings import OracleSettings
from oracle.settlement.data_file import read_records
from oracle.settlement.queries import account_leaf
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade
from oracle.store.records import ReportFormat

PAYERS = (6, 7)
RECIPIENTS = (8, 9, 10, 11)
POSTER = 12
CLI_POSTER = 13
CONTROLLER = 14
DAY = 86_400
FIRST_DAY = 1_699_920_000  # 2023-11-14, safely in the past
STABLE, ETH = 1, 2
# Token base units per unit x 1e6; chosen so that floors bite.
CHAIN_RATES = {
    STABLE: [3_333_333_333, 900_000_000_000, 1_234_567_891, 0, 2_500_000_001, 777_777_777],
    ETH: [3 * 10**18 + 1, 10**18, 0, 0, 5 * 10**18 + 7, 0],
}
# The catalog's local copy is deliberately wrong: amounts must come from the chain.
LOCAL_RATES = [1, 1, 1, 1, 1, 1]
UsageLine = dict[str, Any]
POSTGRES_URL_ENV = "ROYALTIES_TEST_POSTGRES_URL"


@dataclass
class Store:
    name: str
    settings: OracleSettings
    engine: Engine


@dataclass
class EpochWorld:
    w3: Web3
    deployment: Deployment
    accounts: list[LocalAccount]
    oracle_keys: list[str]
    sender_for: Callable[[LocalAccount], TransactionSender]
    tmp: Path
    tracks: dict[int, tuple[str, list[str], list[int]]] = field(default_factory=dict)
    stores: list[Store] = field(default_factory=list)
    reports: list[tuple[int, list[UsageLine]]] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    _day: int = 0

    # ---- chain -------------------------------------------------------------------

    def settlement(self, account: LocalAccount | None = None) -> UsageSettlementClient:
        sender = self.sender_for(account or self.accounts[0])
        return UsageSettlementClient(self.w3, self.deployment.usage_settlement, sender)

    @property
    def rpc_url(self) -> str:
        return str(self.w3.provider.endpoint_uri)  # type: ignore[attr-defined]

    @property
    def token(self) -> str:
        return str(self.deployment.mock_stablecoin)

    def token_of(self, platform_id: int) -> str:
        return self.token if platform_id == STABLE else str(NATIVE_TOKEN)

    def deposit(self, platform_id: int, amount: int) -> None:
        payer = self.accounts[PAYERS[platform_id - 1]]
        if platform_id == STABLE:
            erc20 = ERC20Client(self.w3, self.token, self.sender_for(payer))
            erc20.mint(payer.address, amount)
            erc20.approve(self.deployment.usage_settlement, amount)
        self.settlement(payer).deposit(platform_id, amount)

    def escrow(self, platform_id: int) -> int:
        return self.settlement().platform(platform_id).escrow

    def balance(self, account: str, platform_id: int) -> int:
        if platform_id == STABLE:
            return ERC20Client(self.w3, self.token).balance_of(account)
        return int(self.w3.eth.get_balance(Web3.to_checksum_address(account)))

    # ---- stores ------------------------------------------------------------------

    def new_store(self, name: str) -> Store:
        """A migrated store with the catalog: SQLite, or a fresh PostgreSQL database when
        ROYALTIES_TEST_POSTGRES_URL names a server."""
        database_url = f"sqlite:///{self.tmp / name / 'oracle.db'}"
        server = os.environ.get(POSTGRES_URL_ENV)
        if server:
            database_url = self._postgres_database(server)
        settings = OracleSettings(
            database_url=database_url,
            data_dir=self.tmp / name / "data",
            chain_id=self.deployment.chain_id,
            settlement_address=self.deployment.usage_settlement,
            confirmations=0,
        )
        upgrade(settings.database_url)
        engine = create_store_engine(settings.database_url)
        with engine.begin() as conn:
            for platform_id, account_index in zip((STABLE, ETH), PAYERS, strict=True):
                upsert_platform(
                    conn,
                    platform_id,
                    self.accounts[account_index].address,
                    self.token_of(platform_id),
                    LOCAL_RATES,
                    name=f"platform {platform_id}",
                )
            for track_id, (split, recipients, shares) in self.tracks.items():
                upsert_track(
                    conn,
                    track_id,
                    6,
                    split_address=split,
                    consents={4: Consent(granted_at=1), 5: Consent(granted_at=1)},
                    recipients=recipients,
                    shares=shares,
                )
        store = Store(name, settings, engine)
        self.stores.append(store)
        return store

    def _postgres_database(self, server_url: str) -> str:
        url = make_url(server_url)
        name = f"oracle_epoch_{uuid.uuid4().hex[:12]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.cleanups.append(lambda: _drop_database(admin, name))
        return url.set(database=name).render_as_string(hide_password=False)

    def report(
        self, platform_id: int, lines: list[UsageLine], period: tuple[int, int] | None = None
    ) -> Path:
        """Writes a signed JSON report for a new day (or `period`); returns its path (ingest it
        per store)."""
        self._day += 1
        if period is None:
            period = (FIRST_DAY + self._day * DAY, FIRST_DAY + (self._day + 1) * DAY)
        report_id = f"p{platform_id}-day{self._day}"
        payer = self.accounts[PAYERS[platform_id - 1]]
        usage_report = UsageReport(
            report_id=report_id,
            platform_id=platform_id,
            period_start=period[0],
            period_end=period[1],
            format=int(ReportFormat.JSON),
            content_hash=bytes(HexBytes(canonical_lines_hash(lines))),
        )
        signature = sign_usage_report(
            payer.key,
            usage_report,
            chain_id=self.deployment.chain_id,
            verifying_contract=self.deployment.usage_settlement,
        )
        document = {
            "report_id": report_id,
            "platform_id": platform_id,
            "chain_id": self.deployment.chain_id,
            "period_start": period[0],
            "period_end": period[1],
            "lines": lines,
            "signature": "0x" + signature.hex(),
        }
        path = self.tmp / "reports" / f"{report_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))
        self.reports.append((platform_id, lines))
        return path

    def ingest(
        self,
        path: Path,
        platform_id: int,
        stores: Iterable[Store] | None = None,
        now: int | None = None,
    ) -> None:
        for store in stores if stores is not None else self.stores:
            result = ingest_file(store.settings, store.engine, path, platform_id, now=now)
            assert result.report.status == "accepted", result

    def submit(
        self, platform_id: int, lines: list[UsageLine], period: tuple[int, int] | None = None
    ) -> None:
        """Ingests a report; one with a `period` is judged at the chain's time (a dev chain that
        travelled through a governance delay may be ahead of the wall clock)."""
        now = None if period is None else max(period[1], self.chain_time())
        self.ingest(self.report(platform_id, lines, period), platform_id, now=now)

    def chain_time(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    # ---- oracle nodes --------------------------------------------------------------

    def node(self, store: Store, key_index: int) -> OracleNode:
        view = SettlementView(self.w3, self.deployment.usage_settlement)
        return OracleNode(
            store.name,
            self.oracle_keys[key_index],
            store.engine,
            view,
            chain_id=self.deployment.chain_id,
        )

    def runner(
        self,
        coordinator: OracleNode,
        peers: list[OracleNode],
        poster: int = POSTER,
        crash: CrashHook = no_crash,
    ) -> EpochRunner:
        sender = self.sender_for(self.accounts[poster])
        return EpochRunner(
            coordinator,
            peers,
            Poster(coordinator.engine, coordinator.view, sender, crash),
            self.stores[0].settings.data_dir,
            crash,
        )

    # ---- independent arithmetic ------------------------------------------------------

    def expected_micro_units(self) -> dict[tuple[int, int, int], int]:
        """(track, platform, class) -> micro-units, from the report lines as submitted."""
        totals: dict[tuple[int, int, int], int] = {}
        for platform_id, lines in self.reports:
            for line in lines:
                units, cls = int(line["units"]), int(line["usage_class"])
                sources = line.get("attribution") or [{"track": line["track"], "weight": 10**6}]
                for source in sources:
                    key = (int(source["track"]), platform_id, cls)
                    totals[key] = totals.get(key, 0) + units * int(source["weight"])
        return totals

    def expected_leaf_amounts(
        self, platforms: Iterable[int] = (STABLE, ETH)
    ) -> dict[tuple[int, int], int]:
        """(track, platform) -> floor(units x rate / 1e12) summed over classes, by hand."""
        wanted = set(platforms)
        amounts: dict[tuple[int, int], int] = {}
        for (track, pid, cls), micro in self.expected_micro_units().items():
            if pid in wanted:
                amount = micro * CHAIN_RATES[pid][cls] // 10**12
                amounts[(track, pid)] = amounts.get((track, pid), 0) + amount
        return amounts

    # ---- claiming ----------------------------------------------------------------------

    def claim_all(
        self, store: Store, data_file: Path, *, batch: bool = False, earlier: Sequence[Path] = ()
    ) -> dict[tuple[str, str], int]:
        """Claims every leaf of the tree a published data file describes (the files `earlier`
        hold the leaves it did not change; proofs from the store's tree, as the API serves
        them), one `claim` each or all in one relayed `claimMany`; returns what each (account,
        token) was paid."""
        settlement = self.settlement()
        epoch = int(next(iter(read_records(data_file)))["epoch"])
        owed: dict[tuple[str, str], int] = {}
        requests: list[ClaimRequest] = []
        with store.engine.connect() as conn:
            for (account, token), amount in leaves_of(*earlier, data_file).items():
                already = settlement.claimed(account, token)
                if amount == already:
                    continue
                leaf = account_leaf(conn, account, token, epoch)
                assert leaf is not None
                assert leaf.cumulative_amount == amount
                proof = [bytes(HexBytes(p)) for p in leaf.proof]
                requests.append(ClaimRequest(leaf.account, leaf.token, amount, proof))
                owed[(account, token)] = amount - already
        if batch and requests:
            receipt = settlement.claim_many(requests)
            assert settlement.claimed_amount(receipt) == sum(owed.values())
        else:
            for request in requests:
                receipt = settlement.claim(request)
                key = (request.account.lower(), request.token.lower())
                assert settlement.claimed_amount(receipt) == owed[key]
        return owed


def leaves_of(*data_files: Path) -> dict[tuple[str, str], int]:
    """(account, token) -> amount of every leaf the files list, a later file's leaf replacing
    an earlier one's (a v4 file lists only the leaves its epoch changed or appended)."""
    leaves: dict[tuple[str, str], int] = {}
    for path in data_files:
        for record in read_records(path):
            if record["kind"] == "leaf":
                leaves[(record["account"], record["token"])] = int(record["amount"])
    return leaves


def make_world(
    w3: Web3,
    deployment: Deployment,
    accounts: list[LocalAccount],
    dev_keys: list[str],
    sender_for: Callable[[LocalAccount], TransactionSender],
    tmp: Path,
) -> EpochWorld:
    world = EpochWorld(w3, deployment, accounts, dev_keys[1:4], sender_for, tmp)
    owner = world.settlement()
    for platform_id in (STABLE, ETH):
        payer = accounts[PAYERS[platform_id - 1]]
        receipt = owner.register_platform(
            payer.address, world.token_of(platform_id), CHAIN_RATES[platform_id]
        )
        assert owner.registered_platform_id(receipt) == platform_id
    registry = TrackRegistryClient(w3, deployment.track_registry, sender_for(accounts[0]))
    r = sorted((accounts[i].address for i in RECIPIENTS), key=lambda a: int(a, 16))
    for recipients, shares in (
        ([r[0], r[1]], [600_000, 400_000]),
        ([r[2]], [1_000_000]),
        ([r[0], r[2], r[3]], [333_333, 333_333, 333_334]),
    ):
        receipt = registry.register_track(
            accounts[CONTROLLER].address, recipients, shares, 6, ai_consent_mask=0b110000
        )
        registered = registry.registered_track(receipt)
        world.tracks[registered.track_id] = (str(registered.split), list(recipients), shares)
    return world


def build_world(
    w3: Web3,
    deploy_fresh: Callable[..., Deployment],
    accounts: list[LocalAccount],
    dev_keys: list[str],
    sender_for: Callable[[LocalAccount], TransactionSender],
    tmp_path: Path,
) -> Iterable[EpochWorld]:
    made = make_world(w3, deploy_fresh(), accounts, dev_keys, sender_for, tmp_path)
    yield made
    for store in made.stores:
        store.engine.dispose()
    for cleanup in made.cleanups:
        cleanup()


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


world_fixture = pytest.fixture(name="world")(build_world)


def test_world_registers_platforms_and_tracks_on_chain(world: EpochWorld) -> None:
    assert world.settlement().platform(ETH).rates == tuple(CHAIN_RATES[ETH])
    assert sorted(world.tracks) == [1, 2, 3]
    assert Account.from_key(world.oracle_keys[0]).address in world.settlement().signers()
