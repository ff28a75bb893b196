"""End to end: a DSRF Basic Audio Profile 1.2 report signed by the platform, accepted by two
oracle nodes, settled in an epoch on anvil, and paid through the tracks' splits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hexbytes import HexBytes
from test_epoch_world import DAY, FIRST_DAY, PAYERS, STABLE, EpochWorld, build_world
from web3 import Web3

from chain_client.eip712 import UsageReport, sign_usage_report
from oracle.catalog import Consent, upsert_track
from oracle.intake.dsrf.builder import DsrWriter
from oracle.intake.dsrf.store import list_unknown_usage
from oracle.intake.ingest import ingest_file
from oracle.store.records import ReportFormat, ReportStatus

world_fixture = pytest.fixture(name="world")(build_world)
STREAMS = {0: 1_234, 1: 77, 2: 5}  # track index -> streams
UNKNOWN_ISRC = "QZABC2399999"


def _isrc(track_id: int) -> str:
    return f"USRC1{track_id:07d}"


def _dsr(world: EpochWorld, tracks: list[int], message_id: str) -> tuple[Path, tuple[int, int]]:
    day = dt.datetime.fromtimestamp(FIRST_DAY + DAY, dt.UTC).strftime("%Y-%m-%d")
    writer = DsrWriter(message_id, day, day)
    writer.stream_summary("S1", usages=sum(STREAMS.values()) + 9)
    isrcs = [*(_isrc(t) for t in tracks), UNKNOWN_ISRC]
    streams = [*(STREAMS[i] for i in range(len(tracks))), 9]
    for number, (isrc, count) in enumerate(zip(isrcs, streams, strict=True), start=1):
        writer.stream_block(number, isrc, "S1", count)
    name = f"DSR_PADPIDA2014021302X_PADPIDA2023111401R_Premium_{day}_US_1of1_20231121T100000.tsv"
    path = writer.write(world.tmp / name)
    return path, (FIRST_DAY + DAY, FIRST_DAY + 2 * DAY)


def test_real_profile_dsr_is_signed_accepted_settled_and_paid(world: EpochWorld) -> None:
    world.deposit(STABLE, 10**12)
    coordinator, peer = world.new_store("node1"), world.new_store("node2")
    tracks = sorted(world.tracks)
    for store in (coordinator, peer):
        with store.engine.begin() as conn:
            for track_id in tracks:
                split = world.tracks[track_id][0]
                upsert_track(
                    conn,
                    track_id,
                    6,
                    isrc=_isrc(track_id),
                    split_address=split,
                    consents={4: Consent(granted_at=1), 5: Consent(granted_at=1)},
                )
    message_id = "DSR-E2E-0001"
    path, period = _dsr(world, tracks, message_id)
    report = UsageReport(
        report_id=message_id,
        platform_id=STABLE,
        period_start=period[0],
        period_end=period[1],
        format=int(ReportFormat.DSR),
        content_hash=bytes(Web3.keccak(path.read_bytes())),
    )
    signature = sign_usage_report(
        world.accounts[PAYERS[0]].key,
        report,
        chain_id=world.deployment.chain_id,
        verifying_contract=world.deployment.usage_settlement,
    )
    for store in (coordinator, peer):
        result = ingest_file(
            store.settings, store.engine, path, STABLE, ReportFormat.DSR, "0x" + signature.hex()
        )
        assert result.report.status is ReportStatus.ACCEPTED
        with store.engine.connect() as conn:
            assert [u.isrc for u in list_unknown_usage(conn)] == [UNKNOWN_ISRC]
    # What the arithmetic helpers expect: the known ISRCs' streams, class 0.
    lines = [{"track": t, "usage_class": 0, "units": STREAMS[i]} for i, t in enumerate(tracks)]
    world.reports.append((STABLE, lines))

    runner = world.runner(world.node(coordinator, 0), [world.node(peer, 1)])
    escrow_before = world.escrow(STABLE)
    outcome = runner.run_once()
    assert outcome.status == "posted", outcome
    expected = world.expected_leaf_amounts([STABLE])
    debit = sum(expected.values())
    assert dict(outcome.debits) == {STABLE: debit}
    assert world.escrow(STABLE) == escrow_before - debit

    owed: dict[str, int] = {}
    for (track, _pid), amount in expected.items():
        _split, recipients, shares = world.tracks[track]
        for recipient, share in zip(recipients, shares, strict=True):
            owed[recipient] = owed.get(recipient, 0) + amount * share // 1_000_000
    before = {r: world.balance(r, STABLE) for r in owed}
    paid = world.claim_all(coordinator, Path(outcome.data_path))  # per-account claims (issue 8)
    assert sum(paid.values()) == sum(owed.values())
    for recipient, amount in owed.items():
        assert world.balance(recipient, STABLE) - before[recipient] == amount
    assert HexBytes(outcome.root)
