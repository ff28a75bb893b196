"""Node building blocks in process, on a real store: statements, replication, cuts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import Engine
from test_intake_kit import OTHER_KEY, PERIOD, IntakeKit

from oracle.catalog import Consent, get_tracks, split_recipient_list, upsert_track
from oracle.nodes.cut import Cut, InvalidCut, MissingInputs, cut_at_seq, local_cut_seq
from oracle.nodes.relay import Relay
from oracle.nodes.replication import (
    RawReport,
    ReplicationError,
    held_hashes,
    ingest_raw,
    load_raw,
    raw_hash_of,
)
from oracle.nodes.statements import (
    SignedStatement,
    StatementError,
    StatementStore,
    apply_statement,
    quarantine_statement,
    sign_statement,
    track_statement,
)
from oracle.settings import OracleSettings
from oracle.settlement.tables import splits
from oracle.store import quarantine_repository
from oracle.store.counters import latest_intake_seq
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade
from oracle.store.records import QuarantineReason, ReportFormat

OPERATOR_KEY = "0x" + "c3" * 32
OPERATOR = Account.from_key(OPERATOR_KEY).address
ONE = 10**6


def _raw(path: Path, platform_id: int = 1) -> RawReport:
    content = path.read_bytes()
    return RawReport(raw_hash_of(content), platform_id, ReportFormat.JSON, path.name, "", content)


def _cut(engine: Engine) -> Cut:
    with engine.connect() as conn:
        return cut_at_seq(conn, latest_intake_seq(conn))


def _local(engine: Engine, cut: Cut) -> int:
    with engine.connect() as conn:
        return local_cut_seq(conn, cut)


def test_statements_verify_the_operator_and_refuse_anyone_else(tmp_path: Path) -> None:
    store = StatementStore(tmp_path, [OPERATOR])
    statement = track_statement(7, 6, split_address="0x" + "11" * 20)
    signed = sign_statement(OPERATOR_KEY, statement)
    assert store.add(signed) is True
    assert store.add(signed) is False  # content-addressed: held once
    assert store.get(signed.hash) == signed
    forged = sign_statement(OTHER_KEY, statement)
    with pytest.raises(StatementError, match="not by an operator this node trusts"):
        store.add(forged)
    altered = SignedStatement({**statement, "tier": 1}, signed.signature)
    with pytest.raises(StatementError, match="not by an operator"):
        store.verify(altered)  # the signature recovers to someone else for other content
    assert store.hashes() == [signed.hash]


def test_a_report_moves_between_stores_and_is_verified_again(
    kit: IntakeKit, tmp_path: Path
) -> None:
    path = kit.write_json("r.json", [{"track": 1, "usage_class": 0, "units": 5}])
    assert ingest_raw(kit.settings, kit.engine, _raw(path)).status == "accepted"
    assert ingest_raw(kit.settings, kit.engine, _raw(path)).status == "duplicate"
    [raw_hash] = held_hashes(kit.engine)
    served = load_raw(kit.settings, kit.engine, raw_hash)
    assert served is not None
    assert served.content == path.read_bytes()
    # Bytes that do not hash to the named hash are refused before intake.
    tampered = RawReport.from_json({**served.as_json(), "raw_hash": "0x" + "00" * 32})
    with pytest.raises(ReplicationError, match="hash to"):
        ingest_raw(kit.settings, kit.engine, tampered)
    # A report signed by another key is rejected by intake: it is never counted.
    forged = kit.write_json(
        "f.json", [{"track": 1, "usage_class": 0, "units": 9}], report_id="f1", key=OTHER_KEY
    )
    refused = ingest_raw(kit.settings, kit.engine, _raw(forged))
    assert refused.status == "rejected"
    assert "signature" in refused.detail
    assert held_hashes(kit.engine) == [raw_hash]


def test_a_cut_maps_onto_the_store_only_at_one_point_of_its_order(kit: IntakeKit) -> None:
    first = kit.write_json("a.json", [{"track": 1, "usage_class": 0, "units": 5}], report_id="a")
    ingest_raw(kit.settings, kit.engine, _raw(first))
    cut_a = _cut(kit.engine)
    second = kit.write_json("b.json", [{"track": 2, "usage_class": 0, "units": 3}], report_id="b")
    ingest_raw(kit.settings, kit.engine, _raw(second))
    cut_ab = _cut(kit.engine)
    assert len(cut_ab.reports) == 2
    assert _local(kit.engine, cut_ab) == latest_intake_seq(kit.engine.connect())
    assert _local(kit.engine, cut_a) == 1
    missing = Cut.of([*cut_ab.reports, "0x" + "ab" * 32])
    with pytest.raises(MissingInputs, match="lacks reports"):
        _local(kit.engine, missing)
    with pytest.raises(MissingInputs, match="statements"):
        _local(kit.engine, Cut.of(cut_ab.reports, ["0x" + "cd" * 32]))
    # Only b: a (earlier in this store's order) would be in force too.
    only_b = Cut.of(set(cut_ab.reports) - set(cut_a.reports))
    with pytest.raises(InvalidCut, match="also in force"):
        _local(kit.engine, only_b)
    assert Cut.from_json(json.loads(json.dumps(cut_ab.as_json()))) == cut_ab


def test_a_release_counts_only_through_its_signed_statement(kit: IntakeKit) -> None:
    kit.add_track(9, tier=1)  # tier 1 does not allow AI generation: held
    path = kit.write_json(
        "q.json",
        [
            {
                "track": 9,
                "usage_class": 4,
                "units": 2,
                "attribution": [{"track": 9, "weight": 10**6}],
            }
        ],
        report_id="q",
    )
    result = ingest_raw(kit.settings, kit.engine, _raw(path))
    assert result.status == "accepted"
    raw_hash = result.raw_hash
    before = _cut(kit.engine)
    assert before.releases == ()
    release = sign_statement(OPERATOR_KEY, quarantine_statement(raw_hash, 9, 4, "release"))
    assert apply_statement(kit.engine, release) is True
    assert apply_statement(kit.engine, release) is False  # decided already
    after = _cut(kit.engine)
    assert after.releases == (release.hash,)
    assert _local(kit.engine, after) == latest_intake_seq(kit.engine.connect())
    # The cut before the release cannot be held now: the release is at a later point.
    assert _local(kit.engine, before) < _local(kit.engine, after)


def test_statements_are_kept_as_files(tmp_path: Path) -> None:
    store = StatementStore(tmp_path / "a", [OPERATOR])
    signed = sign_statement(OPERATOR_KEY, track_statement(3, 5, split_address=None))
    store.add(signed)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    assert StatementStore(tmp_path / "b", [OPERATOR]).all() == [signed]


def _node_store(kit: IntakeKit, tmp_path: Path) -> tuple[OracleSettings, Engine]:
    """A node's own store beside the kit's (the API's): its settings and engine."""
    node_url = f"sqlite:///{tmp_path / 'node.db'}"
    upgrade(node_url)
    settings = kit.settings.model_copy(
        update={"database_url": node_url, "data_dir": tmp_path / "node"}
    )
    return settings, create_store_engine(node_url)


def _address(byte: int) -> str:
    return "0x" + f"{byte:02x}" * 20


def test_a_node_fed_by_the_relay_settles_with_the_api_stores_catalog(
    kit: IntakeKit, tmp_path: Path
) -> None:
    """The API's observer and the nodes flatten through the same splits: once the nodes were
    handed tracks without their recipient lists and settleToSplit flags, the observer computed
    another root than the one the nodes posted (a nested split in `make up` + demo)."""
    split_a, split_b, split_c = _address(0xA1), _address(0xB2), _address(0xC3)
    with kit.engine.begin() as conn:
        upsert_track(
            conn,
            1,
            6,
            split_address=split_a,
            recipients=[_address(0x11), _address(0x22)],
            shares=[300_000, 700_000],
        )
        # Track 3 (a remix) pays the original's split: a nested split.
        upsert_track(
            conn,
            3,
            6,
            split_address=split_b,
            recipients=[_address(0x33), split_a],
            shares=[500_000, 500_000],
        )
        upsert_track(
            conn,
            2,
            6,
            split_address=split_c,
            settle_to_split=True,
            recipients=[_address(0x44)],
            shares=[1_000_000],
        )
    report = _raw(kit.write_json("r.json", [{"track": 3, "usage_class": 0, "units": 5}]))
    assert ingest_raw(kit.settings, kit.engine, report).status == "accepted"

    node_settings, node_engine = _node_store(kit, tmp_path)
    try:
        # Before the catalog reached it, a node defers the report (not refused for good).
        deferred = ingest_raw(node_settings, node_engine, report)
        assert deferred.status == "deferred", deferred
        store = StatementStore(tmp_path / "node", [OPERATOR])
        relay = Relay(kit.engine, kit.settings.data_dir, OPERATOR_KEY, [])
        for signed in relay.catalog_statements():
            store.add(signed)
            assert store.is_latest(signed)
            apply_statement(node_engine, signed)
        with kit.engine.connect() as api, node_engine.connect() as node:
            assert get_tracks(node, [1, 2, 3]) == get_tracks(api, [1, 2, 3])
            assert get_tracks(node, [2])[2].settle_to_split is True
            for split in (split_a, split_b, split_c):
                assert split_recipient_list(node, split) == split_recipient_list(api, split)
            roots = "SELECT split, list_root FROM oracle_splits ORDER BY split"
            assert list(node.exec_driver_sql(roots)) == list(api.exec_driver_sql(roots))
            assert len(list(node.execute(splits.select()))) == 3
        assert ingest_raw(node_settings, node_engine, report).status == "accepted"
    finally:
        node_engine.dispose()


def test_an_older_catalog_statement_never_overwrites_a_newer_one(tmp_path: Path) -> None:
    store = StatementStore(tmp_path, [OPERATOR])
    old = sign_statement(OPERATOR_KEY, track_statement(4, 6, split_address=None, issued_at=10))
    new = sign_statement(OPERATOR_KEY, track_statement(4, 5, split_address=None, issued_at=20))
    store.add(new)
    store.add(old)  # fetched late from a peer
    assert store.is_latest(new)
    assert not store.is_latest(old)


def test_the_relay_hands_reports_and_decisions_in_the_api_stores_order(kit: IntakeKit) -> None:
    """Each node then holds a prefix of the API's order, so the cut a caught-up node proposes
    is a point of the API store's order, where its observer can confirm it."""
    kit.add_track(9, tier=1)  # tier 1 does not allow AI generation: held
    first = kit.write_json("a.json", [{"track": 1, "usage_class": 0, "units": 5}], report_id="a")
    held = kit.write_json(
        "q.json",
        [{"track": 9, "usage_class": 4, "units": 2, "attribution": [{"track": 9, "weight": ONE}]}],
        report_id="q",
    )
    assert ingest_raw(kit.settings, kit.engine, _raw(first)).status == "accepted"
    assert ingest_raw(kit.settings, kit.engine, _raw(held)).status == "accepted"
    with kit.engine.begin() as conn:
        [entry] = quarantine_repository.list_quarantine(conn)
        quarantine_repository.release(conn, entry.id)  # the operator, on the API's store
    last = kit.write_json("c.json", [{"track": 2, "usage_class": 0, "units": 3}], report_id="c")
    assert ingest_raw(kit.settings, kit.engine, _raw(last)).status == "accepted"

    relay = Relay(kit.engine, kit.settings.data_dir, OPERATOR_KEY, [])
    relay.stamp_decisions()
    items = relay.items_after(0)
    kinds = [getattr(item, "kind", "report") for _seq, item in items]
    assert kinds == ["report", "report", "quarantine", "report"]
    assert [seq for seq, _item in items] == [1, 2, 3, 4]
    names = [getattr(item, "file_name", "") for _seq, item in items]
    assert [names[0], names[3]] == ["a.json", "c.json"]
    assert [seq for seq, _item in relay.items_after(2)] == [3, 4]
    with kit.engine.connect() as conn:
        # The API's store names the release by the statement the nodes count.
        assert _cut(kit.engine).releases == (items[2][1].hash,)  # type: ignore[union-attr]
        assert latest_intake_seq(conn) == 4


def test_a_node_holds_usage_of_a_scheduled_tier_change_as_the_api_store_does(
    kit: IntakeKit, tmp_path: Path
) -> None:
    """Issue 13: a track statement without the tier history left a follower judging usage by
    the current tier alone, so it counted AI usage the API's store (and the leader) held."""
    change_at = PERIOD[0] + 3_600  # tier 6 -> 1 within the report's period: class 4 not allowed
    with kit.engine.begin() as conn:
        upsert_track(
            conn,
            9,
            6,
            consents={4: Consent(granted_at=1)},
            tier_history=[(0, 6), (change_at, 1)],
        )
    rows = [
        {"track": 9, "usage_class": 4, "units": 2, "attribution": [{"track": 9, "weight": ONE}]}
    ]
    report = _raw(kit.write_json("ai.json", rows, report_id="ai"))
    assert ingest_raw(kit.settings, kit.engine, report).status == "accepted"

    node_settings, node_engine = _node_store(kit, tmp_path)
    try:
        store = StatementStore(tmp_path / "node", [OPERATOR])
        relay = Relay(kit.engine, kit.settings.data_dir, OPERATOR_KEY, [])
        for signed in relay.catalog_statements():
            store.add(signed)
            apply_statement(node_engine, signed)
        assert ingest_raw(node_settings, node_engine, report).status == "accepted"
        with kit.engine.connect() as api, node_engine.connect() as node:
            assert get_tracks(node, [9])[9].tiers == ((0, 6), (change_at, 1))
            assert get_tracks(node, [9]) == get_tracks(api, [9])
            held = [
                (e.track_id, e.usage_class, e.reason)
                for e in quarantine_repository.list_quarantine(node)
            ]
            assert held == [
                (e.track_id, e.usage_class, e.reason)
                for e in quarantine_repository.list_quarantine(api)
            ]
            assert held == [(9, 4, QuarantineReason.TIER)]
    finally:
        node_engine.dispose()


def test_a_track_statement_with_the_tier_history_outranks_one_signed_before_it(
    tmp_path: Path,
) -> None:
    """An upgraded relay re-signs each track with its tier history at the same issued_at: every
    node must then apply the new statement, whichever hash is larger."""
    new = sign_statement(
        OPERATOR_KEY,
        track_statement(4, 6, split_address=None, tier_history=[(0, 6), (50, 5)], issued_at=10),
    )
    legacy = dict(new.statement)
    del legacy["tier_history"]
    old = sign_statement(OPERATOR_KEY, legacy)
    for first, second in ((old, new), (new, old)):
        store = StatementStore(tmp_path / first.hash, [OPERATOR])
        store.add(first)
        store.add(second)
        assert store.is_latest(new)
        assert not store.is_latest(old)
