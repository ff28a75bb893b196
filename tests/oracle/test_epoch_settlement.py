"""End-to-end epochs on anvil: post, claim per account, balances to the base unit; hold-back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from test_epoch_world import ETH, STABLE, EpochWorld, build_world

from chain_client.eip712 import Debit
from oracle.epoch.chain_view import POST_HORIZON
from oracle.epoch.computation import EpochProposal
from oracle.settlement.data_file import read_records
from oracle.settlement.verify_file import verify_files
from oracle.store import epoch_repository as repo
from oracle.store.schema import reports

# Lines: direct usage, an AI generation attributed 1/3 each (weights sum to 1e6), a remix.
EPOCH_ONE_STABLE = [
    {"track": 1, "usage_class": 0, "units": 777},
    {"track": 2, "usage_class": 0, "units": 5},
    {"track": 3, "usage_class": 1, "units": 2},
    {
        "track": 2,
        "usage_class": 4,
        "units": 7,
        "attribution": [
            {"track": 1, "weight": 333_333},
            {"track": 2, "weight": 333_333},
            {"track": 3, "weight": 333_334},
        ],
    },
    {"track": 3, "usage_class": 2, "units": 11},
]
EPOCH_ONE_ETH = [
    {"track": 1, "usage_class": 0, "units": 13},
    {"track": 3, "usage_class": 4, "units": 3, "attribution": [{"track": 1, "weight": 1_000_000}]},
]

world_fixture = pytest.fixture(name="world")(build_world)


NATIVE = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"


def _pid(world: EpochWorld, token: str) -> int:
    return STABLE if token.lower() == world.token.lower() else ETH


def _fund(world: EpochWorld, stable: int = 10**12, eth: int = 10**18) -> None:
    world.deposit(STABLE, stable)
    world.deposit(ETH, eth)


def _expected_recipient_amounts(world: EpochWorld, platform_id: int) -> dict[str, int]:
    """Each recipient's floor(leafAmount x share / 1e6), summed over the tracks, by hand."""
    owed: dict[str, int] = {}
    for (track, pid), amount in world.expected_leaf_amounts([platform_id]).items():
        if pid != platform_id:
            continue
        _split, recipients, shares = world.tracks[track]
        for recipient, share in zip(recipients, shares, strict=True):
            owed[recipient] = owed.get(recipient, 0) + amount * share // 1_000_000
    return owed


def test_epoch_posts_and_balances_match_hand_computed_amounts(world: EpochWorld) -> None:
    _fund(world)
    coordinator, peer = world.new_store("node1"), world.new_store("node2")
    world.submit(STABLE, EPOCH_ONE_STABLE)
    world.submit(ETH, EPOCH_ONE_ETH)
    runner = world.runner(world.node(coordinator, 0), [world.node(peer, 1)])
    escrow_before = {pid: world.escrow(pid) for pid in (STABLE, ETH)}

    outcome = runner.run_once()

    assert outcome.status == "posted", outcome
    assert outcome.epoch == 1
    assert world.settlement().last_epoch() == 1
    expected = world.expected_leaf_amounts()
    expected_debits = {
        pid: sum(a for (_t, p), a in expected.items() if p == pid) for pid in (STABLE, ETH)
    }
    assert dict(outcome.debits) == expected_debits
    for pid in (STABLE, ETH):
        assert world.escrow(pid) == escrow_before[pid] - expected_debits[pid]

    records = list(read_records(Path(outcome.data_path)))
    header = records[0]
    assert header["root"] == outcome.root
    assert header["epoch"] == 1
    assert header["chainId"] == world.deployment.chain_id
    assert {(r["platformId"], r["reportId"]) for r in header["reports"]} == {
        (STABLE, "p1-day1"),
        (ETH, "p2-day2"),
    }
    micro = world.expected_micro_units()
    tracks = [r for r in records if r["kind"] == "track"]
    assert len(tracks) == len(expected)
    for record in tracks:
        platform_id = STABLE if record["token"] == world.token.lower() else ETH
        assert int(record["amount"]) == expected[(record["trackId"], platform_id)]
        for usage in record["usage"]:
            for cls, units in enumerate(usage["units"]):
                assert int(units) == micro.get((record["trackId"], usage["platformId"], cls), 0)
    owed = {
        (recipient.lower(), (world.token if pid == STABLE else str(NATIVE)).lower()): amount
        for pid in (STABLE, ETH)
        for recipient, amount in _expected_recipient_amounts(world, pid).items()
    }
    leaves = {(r["account"], r["token"]): int(r["amount"]) for r in records if r["kind"] == "leaf"}
    assert leaves == owed  # one leaf per (recipient, token), floor per (track, recipient)
    for pid in (STABLE, ETH):
        dust = expected_debits[pid] - sum(v for (_a, t), v in owed.items() if _pid(world, t) == pid)
        assert 0 <= dust < sum(len(world.tracks[t][1]) for (t, p) in expected if p == pid)

    before = {(r, pid): world.balance(r, pid) for (r, t) in owed for pid in (_pid(world, t),)}
    paid = world.claim_all(coordinator, Path(outcome.data_path), batch=True)  # one relayed tx
    assert paid == owed
    for (recipient, token), amount in owed.items():
        pid = _pid(world, token)
        assert world.balance(recipient, pid) - before[(recipient, pid)] == amount
    assert [c["root"] for c in verify_files([Path(outcome.data_path)], world.rpc_url)] == [
        outcome.root
    ]

    with coordinator.engine.connect() as conn:
        assert repo.get_epoch(conn, 1).status == "confirmed"  # type: ignore[union-attr]
        settled_epochs = conn.execute(select(reports.c.settled_epoch)).scalars().all()
    assert settled_epochs == [1, 1]
    with peer.engine.connect() as conn:
        assert repo.get_epoch(conn, 1).status == "confirmed"  # type: ignore[union-attr]

    again = runner.run_once()
    assert again.status == "skipped"
    assert world.settlement().last_epoch() == 1


def test_underfunded_platform_is_held_back_then_settled_after_deposit(world: EpochWorld) -> None:
    store = world.new_store("solo")
    world.submit(STABLE, EPOCH_ONE_STABLE)
    world.submit(ETH, EPOCH_ONE_ETH)
    eth_owed = sum(a for (_t, p), a in world.expected_leaf_amounts([ETH]).items())
    world.deposit(STABLE, 10**12)
    world.deposit(ETH, eth_owed - 1)
    world.settlement().set_signers([world.node(store, 0).address], 1)
    runner = world.runner(world.node(store, 0), [])

    first = runner.run_once()

    assert first.status == "posted"
    assert [(h.platform_id, h.debit, h.escrow) for h in first.held_back] == [
        (ETH, eth_owed, eth_owed - 1)
    ]
    assert [pid for pid, _ in first.debits] == [STABLE]
    records = list(read_records(Path(first.data_path)))
    assert records[0]["heldBack"] == [
        {"platformId": ETH, "debit": str(eth_owed), "escrow": str(eth_owed - 1)}
    ]
    assert {r["token"] for r in records if r["kind"] == "leaf"} == {world.token.lower()}
    assert world.escrow(ETH) == eth_owed - 1
    with store.engine.connect() as conn:
        pending = repo.pending_reports_at(conn, 10)
    assert [(p.platform_id, p.report_id) for p in pending] == [(ETH, "p2-day2")]

    assert runner.run_once().status == "skipped"  # still underfunded, nothing else new
    world.deposit(ETH, 1)
    second = runner.run_once()

    assert second.status == "posted"
    assert second.epoch == 2
    assert second.debits == ((ETH, eth_owed),)
    assert second.held_back == ()
    assert world.escrow(ETH) == 0
    paid = world.claim_all(store, Path(second.data_path), earlier=[Path(first.data_path)])
    expected = {pid: sum(_expected_recipient_amounts(world, pid).values()) for pid in (STABLE, ETH)}
    assert sum(paid.values()) == expected[STABLE] + expected[ETH]
    assert verify_files([Path(first.data_path), Path(second.data_path)], world.rpc_url)


def test_many_small_epochs_give_the_same_leaves_as_one_big_epoch(world: EpochWorld) -> None:
    _fund(world)
    incremental, one_shot = world.new_store("incremental"), world.new_store("one-shot")
    world.settlement().set_signers([world.node(incremental, 0).address], 1)
    runner = world.runner(world.node(incremental, 0), [])
    debited = 0
    paths = []
    for day in range(5):
        lines = [
            {"track": 1, "usage_class": 0, "units": 1 + day},
            {
                "track": 3,
                "usage_class": 4,
                "units": 1,
                "attribution": [
                    {"track": 1, "weight": 142_857},
                    {"track": 2, "weight": 428_571},
                    {"track": 3, "weight": 428_572},
                ],
            },
        ]
        path = world.report(STABLE, lines)
        paths.append(path)
        world.ingest(path, STABLE, [incremental])
        outcome = runner.run_once()
        assert outcome.status == "posted"
        assert outcome.epoch == day + 1
        debited += sum(amount for _pid, amount in outcome.debits)
    for path in paths:
        world.ingest(path, STABLE, [one_shot])

    big = world.node(one_shot, 0).compute(EpochProposal(1, 1, 10**6, world.w3.eth.block_number))
    assert big.computation is not None
    assert outcome.root == big.computation.root
    expected = world.expected_leaf_amounts([STABLE])
    assert debited == sum(expected.values())
    assert big.computation.debits == ((STABLE, debited),)
    owed = sum(_expected_recipient_amounts(world, STABLE).values())
    assert sum(world.claim_all(incremental, Path(outcome.data_path)).values()) == owed


def test_revoked_root_settles_nothing_and_its_usage_posts_again(world: EpochWorld) -> None:
    _fund(world)
    store = world.new_store("solo")
    owner = world.settlement()
    owner.set_signers([world.node(store, 0).address], 1)
    owner.set_root_delay(3_600)
    world.submit(STABLE, EPOCH_ONE_STABLE)
    runner = world.runner(world.node(store, 0), [])
    escrow = world.escrow(STABLE)

    first = runner.run_once()

    assert first.status == "waiting"
    assert "pending" in first.message
    assert world.escrow(STABLE) < escrow
    with store.engine.connect() as conn:
        assert repo.get_epoch(conn, 1).status == "posted"  # type: ignore[union-attr]
        debits = repo.debits_of(conn, 1)
        assert repo.settled(conn) == {}
    guardian = world.accounts[4]
    world.settlement(guardian).revoke(1, [Debit(pid, amount) for pid, amount in debits])
    assert world.escrow(STABLE) == escrow

    assert runner.run_once().status == "revoked"
    second = runner.run_once()
    assert second.status == "waiting"
    assert second.epoch == 2
    world.w3.provider.make_request("evm_increaseTime", [3_601])  # type: ignore[arg-type]
    world.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    confirmed = runner.run_once()

    assert confirmed.status == "posted"
    assert confirmed.epoch == 2
    assert confirmed.debits == tuple(debits)
    with store.engine.connect() as conn:
        assert conn.execute(select(reports.c.settled_epoch)).scalars().all() == [2]
    owed = sum(world.expected_leaf_amounts([STABLE]).values())
    assert world.escrow(STABLE) == escrow - owed
    claimed = sum(world.claim_all(store, Path(confirmed.data_path)).values())
    assert claimed == sum(_expected_recipient_amounts(world, STABLE).values())


def test_a_matured_withdrawal_request_holds_the_platform_back_until_it_deposits(
    world: EpochWorld,
) -> None:
    world.deposit(STABLE, 10**12)
    store = world.new_store("solo")
    owner = world.settlement()
    owner.set_signers([world.node(store, 0).address], 1)
    owner.set_withdrawal_delay(0)
    payer = world.accounts[6]
    world.settlement(payer).request_withdrawal(STABLE, 10**12)
    world.submit(STABLE, EPOCH_ONE_STABLE)
    runner = world.runner(world.node(store, 0), [])

    # The request is executable now, so the oracle counts it as withdrawn: nothing to cover with.
    held = runner.run_once()

    assert held.status == "skipped"
    assert [h.platform_id for h in held.held_back] == [STABLE]
    assert world.settlement().last_epoch() == 0
    world.settlement(payer).withdraw(STABLE, payer.address)
    world.deposit(STABLE, 10**12)
    owner.set_withdrawal_delay(POST_HORIZON)  # under it the poster refuses (test_epoch_coverage)
    posted = runner.run_once()
    assert posted.status == "posted"
    assert posted.epoch == 1
    assert posted.debits == ((STABLE, sum(world.expected_leaf_amounts([STABLE]).values())),)
