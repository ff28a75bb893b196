"""Node building blocks in process, on a real store: statements, replication, cuts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import Engine
from test_intake_kit import OTHER_KEY, IntakeKit

from oracle.nodes.cut import Cut, InvalidCut, MissingInputs, cut_at_seq, local_cut_seq
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
from oracle.store.counters import latest_intake_seq
from oracle.store.records import ReportFormat

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
