"""Incremental epochs equal the same history recomputed from scratch, byte for byte.

A store gets a random history (new reports, corrections up and down, quarantine released,
a platform held back for lack of escrow, a rate change, nested and cyclic splits, a split that
settles to itself, an unverified list). Each epoch is computed by the incremental engine and
confirmed; then oracle.settlement.reference recomputes every epoch from all usage rows and
the two must give the same root and the same data file bytes. The published files are then
checked by the independent verifier (oracle.settlement.verify_file) alone.

The chain is not needed here: the engine takes the platform states and the split roots as
inputs (the anvil tests feed them from the real contracts); here they are the values a chain
would hold for these synthetic splits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from chain_client.merkle import recipients_root
from oracle.catalog import upsert_platform, upsert_track
from oracle.epoch.tables import settled_totals
from oracle.epoch.totals import PlatformState
from oracle.settlement import engine as settlement_engine
from oracle.settlement import track_spool
from oracle.settlement.engine import EngineResult, EpochRequest
from oracle.settlement.queries import account_leaf, account_sources
from oracle.settlement.reference import recompute_history
from oracle.settlement.synthetic import add_report
from oracle.settlement.tables import leaf_versions
from oracle.settlement.verify_file import verify_files
from oracle.store import epoch_repository as repo
from oracle.store.counters import latest_intake_seq
from oracle.store.engine import create_store_engine
from oracle.store.migrate import downgrade, upgrade
from oracle.store.quarantine_repository import list_quarantine, release

USD = "0x" + "aa" * 20
ETH = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
ACCOUNTS = [f"0x{i:040x}" for i in range(0x1001, 0x1009)]
RATES = {
    1: (3_333_333_333, 900_000_000_000, 1_234_567_891, 0, 2_500_000_001, 777_777_777),
    2: (3 * 10**18 + 1, 10**18, 0, 0, 5 * 10**18 + 7, 0),
}


def split_of(track: int) -> str:
    return f"0x{0x5000 + track:040x}"


class KnownRoots:
    """recipientsRoot() values of the synthetic splits (what their contracts would return)."""

    def __init__(self, roots: dict[str, str]) -> None:
        self.roots = roots
        self.reads = 0

    def recipients_roots(self, splits: Sequence[str], block: int) -> dict[str, str]:
        self.reads += len(splits)
        return {s: self.roots[s] for s in splits if s in self.roots}


def _catalog(engine: Engine, rng: random.Random) -> KnownRoots:
    roots: dict[str, str] = {}
    with engine.begin() as conn:
        upsert_platform(conn, 1, ACCOUNTS[0], USD, [1] * 6)
        upsert_platform(conn, 2, ACCOUNTS[1], ETH, [1] * 6)
        for track in range(1, 13):
            choices = list(ACCOUNTS)
            if track > 2:
                choices += [split_of(t) for t in range(1, 13) if t != track]
            if track in (1, 2):  # a cycle: 1 lists 2's split and 2 lists 1's
                choices = [*ACCOUNTS[:2], split_of(3 - track)]
            count = rng.randint(1, 3)
            recipients = sorted(set(rng.sample(choices, count)), key=lambda a: int(a, 16))
            if track in (1, 2) and split_of(3 - track) not in recipients:
                recipients = sorted([*recipients, split_of(3 - track)], key=lambda a: int(a, 16))
            shares = [1_000_000 // len(recipients)] * len(recipients)
            shares[-1] += 1_000_000 - sum(shares)
            listed = track != 9  # track 9's list never reached the catalog
            upsert_track(
                conn,
                track,
                6,
                split_address=split_of(track),
                settle_to_split=track == 7,
                recipients=recipients if listed else None,
                shares=shares if listed else None,
            )
            root = "0x" + recipients_root(recipients, shares).hex()
            # Track 11's catalog list differs from what its contract holds: never used.
            roots[split_of(track)] = "0x" + "11" * 32 if track == 11 else root
    return KnownRoots(roots)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'oracle.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    yield engine
    engine.dispose()


DAY = 86_400
# Platform 1's rate card changes from day 5: usage of periods starting then is priced by the new
# card, corrections of earlier days still by the first one.
CARD_FROM = 5 * DAY
CARDS_1 = ((0, RATES[1]), (CARD_FROM, (5_000_000_001, *RATES[1][1:])))


def _states(epoch: int) -> dict[int, PlatformState]:
    escrow_2 = 10 if epoch == 3 else 10**40  # platform 2 cannot pay epoch 3
    return {
        1: PlatformState(1, USD, RATES[1], 10**40, CARDS_1),
        2: PlatformState(2, ETH, RATES[2], escrow_2),
    }


def _period(day: int) -> tuple[int, int]:
    return day * DAY, (day + 1) * DAY


def _history_step(engine: Engine, rng: random.Random, day: int) -> None:
    with engine.begin() as conn:
        for platform_id in (1, 2):
            rows = {
                (rng.randint(1, 12), rng.choice((0, 1, 4))): rng.randint(1, 50) * 1_000_000
                + rng.randint(0, 999_999)
                for _ in range(rng.randint(1, 6))
            }
            held = [(rng.randint(1, 12), 2, rng.randint(1, 9) * 1_000_000)] if day % 2 else []
            add_report(
                conn,
                platform_id,
                f"p{platform_id}-day{day}",
                rows,
                quarantined=held,
                period=_period(day),
            )
        if day >= 2:  # a correction of an earlier day, up or down
            earlier = rng.randint(1, day - 1)
            rows = {(rng.randint(1, 12), 0): rng.randint(0, 30) * 1_000_000 + 1}
            add_report(conn, 1, f"p1-day{earlier}", rows, salt=f"fix{day}", period=_period(earlier))
        for entry in list_quarantine(conn)[:1]:
            release(conn, entry.id)


History = tuple[list[tuple[EpochRequest, dict[int, PlatformState]]], list[EngineResult]]


def _run_history(store: Engine, tmp_path: Path, rng: random.Random, reader: KnownRoots) -> History:
    """Seven days of reports, each computed incrementally and confirmed (skipped when no leaf
    moves); the requests and results of the epochs kept."""
    requests: list[tuple[EpochRequest, dict[int, PlatformState]]] = []
    results: list[EngineResult] = []
    epoch = 0
    for day in range(1, 8):
        _history_step(store, rng, day)
        with store.connect() as conn:
            cut = latest_intake_seq(conn)
        states = _states(epoch + 1)
        request = EpochRequest(epoch + 1, 1, cut, 100 + day, 31337, USD)
        result = settlement_engine.compute(
            store, request, states.__getitem__, reader, tmp_path / "work"
        )
        if result.changed_leaves == 0:
            continue
        epoch += 1
        with store.begin() as conn:
            repo.save_epoch(
                conn,
                repo.EpochRecord(
                    epoch, "built", 1, cut, 100 + day, result.root, result.data_hash, "", 0
                ),
                result.debits,
                result.held_back,
                [r.version_id for r in result.included_reports],
            )
            repo.confirm_epoch(conn, epoch, None, None)
        requests.append((request, states))
        results.append(result)
    return requests, results


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_epochs_equal_the_history_recomputed_from_scratch(
    store: Engine, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    reader = _catalog(store, rng)
    requests, results = _run_history(store, tmp_path, rng, reader)
    epoch = len(results)
    assert epoch >= 4
    assert any(r.held_back for r in results)  # the history exercised a held-back platform
    with store.connect() as conn:
        cards_used = {
            int(r)
            for (r,) in conn.execute(
                select(settled_totals.c.rate_from).where(settled_totals.c.platform_id == 1)
            )
        }
    assert cards_used == {0, CARD_FROM}  # both of platform 1's cards priced usage

    with store.connect() as conn:
        reference = recompute_history(conn, requests, tmp_path / "reference")

    for result, again in zip(results, reference, strict=True):
        assert again is not None
        assert again.root == result.root
        assert again.data == result.data_path.read_bytes()
        assert again.data_hash == result.data_hash

    checked = verify_files([r.data_path for r in results])
    assert [c["root"] for c in checked] == [r.root for r in results]
    assert reader.reads <= 12  # every split's root was read once, then cached


def test_a_step_transaction_relaxes_fsync_only_for_itself(store: Engine) -> None:
    """Step rows commit without fsync (the epoch row's FULL commit covers them); the pooled
    connection is handed back at synchronous=FULL."""
    with settlement_engine.step_transaction(store) as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with store.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def _sources_by_leaf(store: Engine) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (account, token) of the latest epoch: (leaf amount, sum of its sources)."""
    found = {}
    with store.connect() as conn:
        keys = conn.execute(select(leaf_versions.c.account, leaf_versions.c.token).distinct())
        for account, token in keys.all():
            leaf = account_leaf(conn, account, token)
            assert leaf is not None
            sources = account_sources(conn, account, token)
            assert all(s.amount > 0 for s in sources)
            found[(str(account), str(token))] = (
                leaf.cumulative_amount,
                sum(s.amount for s in sources),
            )
    return found


def test_an_accounts_sources_sum_to_its_leaf_and_the_credits_migration_reverts(
    store: Engine, tmp_path: Path
) -> None:
    """Sources are derived from the fixed paths and the epochs' track amounts (no credit is
    stored); migration 0009's downgrade refills oracle_epoch_credits with the same credits."""
    rng = random.Random(4)
    reader = _catalog(store, rng)
    _requests, results = _run_history(store, tmp_path, rng, reader)
    assert len(results) >= 4
    found = _sources_by_leaf(store)
    assert found
    assert all(leaf == total for leaf, total in found.values())

    url = str(store.url)
    downgrade(url, "0008_derived_credits")
    with store.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT c.account, c.token, SUM(CAST(c.amount AS INTEGER)) FROM oracle_epoch_credits c "
            "WHERE c.epoch = (SELECT MAX(a.epoch) FROM oracle_epoch_track_amounts a "
            "WHERE a.track_id = c.track_id AND a.token = c.token) GROUP BY c.account, c.token"
        ).all()
    refilled = {(str(a), str(t)): int(m) for a, t, m in rows if int(m) > 0}
    assert refilled == {key: leaf for key, (leaf, _total) in found.items()}
    upgrade(url)
    assert _sources_by_leaf(store) == found


def _history_in_new_store(folder: Path, seed: int) -> tuple[Engine, list[EngineResult]]:
    """A new store in `folder` and the history of `seed` computed in it (the caller disposes
    of the engine)."""
    url = f"sqlite:///{folder / 'oracle.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    rng = random.Random(seed)
    _requests, results = _run_history(engine, folder, rng, _catalog(engine, rng))
    return engine, results


def test_track_records_written_by_a_second_process_give_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large epoch writes its track records in a second process (beside the leaves step);
    forced on for every epoch, the files and roots are those written in line."""
    files = {}
    for mode in ("inline", "background"):
        if mode == "background":
            monkeypatch.setattr(track_spool, "BACKGROUND_MIN_TRACKS", 1)
        engine, results = _history_in_new_store(tmp_path / mode, seed=5)
        engine.dispose()
        files[mode] = [(r.root, r.data_path.read_bytes()) for r in results]
        assert not list((tmp_path / mode / "work").glob("*.tracks"))
    assert len(files["inline"]) >= 4
    assert files["background"] == files["inline"]


def _path_indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("oracle_track_paths")}


def test_an_epoch_that_defers_the_paths_account_index_gives_the_same_files_and_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Step 3 of an epoch moving more tracks than the store holds paths drops the account
    index of oracle_track_paths and builds it after its inserts; forced on for every epoch,
    the files, roots and account sources are those of inserts into the live index."""
    found = {}
    for mode in ("live", "deferred"):
        if mode == "deferred":
            monkeypatch.setattr(settlement_engine, "BULK_PATHS_MIN_TRACKS", 1)
        engine, results = _history_in_new_store(tmp_path / mode, seed=6)
        assert "ix_oracle_track_paths_account" in _path_indexes(engine)
        found[mode] = (
            [(r.root, r.data_path.read_bytes()) for r in results],
            _sources_by_leaf(engine),
        )
        engine.dispose()
    assert len(found["live"][0]) >= 4
    assert found["deferred"] == found["live"]


def test_an_account_index_left_dropped_by_a_crash_is_rebuilt_by_the_next_epoch(
    store: Engine, tmp_path: Path
) -> None:
    """A node killed between step 3's drop of the account index and its rebuild leaves the
    index missing; the next epoch's step 3 creates it again before its inserts."""
    rng = random.Random(7)
    reader = _catalog(store, rng)
    with store.begin() as conn:
        settlement_engine.PATHS_ACCOUNT_INDEX.drop(conn)
    assert "ix_oracle_track_paths_account" not in _path_indexes(store)
    _requests, results = _run_history(store, tmp_path, rng, reader)
    assert results
    assert "ix_oracle_track_paths_account" in _path_indexes(store)
