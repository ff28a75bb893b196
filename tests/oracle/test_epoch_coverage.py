"""Issue 11 on anvil: a withdrawal timed to land between the oracle's pin and its post never
leaves a posted root promising more than the chain debited (no DebitHeldBack, no claim meets
InsolventClaim). The pin counts every request that can mature before the post lands
(POST_HORIZON) as withdrawn, and the poster checks again at the latest block and re-pins."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_typing import BlockNumber
from test_epoch_world import ETH, PAYERS, STABLE, EpochWorld, build_world

from oracle.epoch.chain_view import POST_HORIZON
from oracle.epoch.poster import WithdrawalDelayTooShort
from oracle.settlement.data_file import read_records
from oracle.store import epoch_repository as repo

world_fixture = pytest.fixture(name="world")(build_world)

STABLE_LINES = [
    {"track": 1, "usage_class": 0, "units": 40},
    {"track": 3, "usage_class": 1, "units": 2},
]
ETH_LINES = [{"track": 2, "usage_class": 0, "units": 13}]


def _set_time(world: EpochWorld, timestamp: int) -> None:
    provider = world.w3.provider
    provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _held_back_events(world: EpochWorld) -> list[object]:
    events = world.settlement().contract.events.DebitHeldBack
    return list(events.get_logs(from_block=BlockNumber(0)))


def _start(world: EpochWorld) -> tuple[int, int]:
    """Both platforms funded and reporting; STABLE's payer asks for its whole escrow back."""
    world.deposit(STABLE, 10**12)
    world.deposit(ETH, 10**18)
    world.submit(STABLE, STABLE_LINES)
    world.submit(ETH, ETH_LINES)
    payer = world.accounts[PAYERS[STABLE - 1]]
    request = world.settlement(payer)
    request.request_withdrawal(STABLE, 10**12)
    available_at = request.pending_withdrawal(STABLE).available_at
    return available_at, sum(world.expected_leaf_amounts([ETH]).values())


def _withdraw(world: EpochWorld) -> None:
    payer = world.accounts[PAYERS[STABLE - 1]]
    world.settlement(payer).withdraw(STABLE, payer.address)


def _settle_stable_after_deposit(world: EpochWorld, store_name: str) -> None:
    """The waiting platform settles whole once it deposits again, and every leaf is paid."""
    store = next(s for s in world.stores if s.name == store_name)
    owed = sum(world.expected_leaf_amounts([STABLE]).values())
    world.deposit(STABLE, owed)
    later = world.runner(world.node(store, 0), []).run_once()
    assert later.status == "posted"
    assert later.debits == ((STABLE, owed),)
    assert world.claim_all(store, Path(later.data_path))
    assert world.settlement().total_claimed(world.token) <= owed
    assert _held_back_events(world) == []


def test_a_request_maturing_before_the_post_can_land_makes_the_platform_wait(
    world: EpochWorld,
) -> None:
    store = world.new_store("horizon")
    node = world.node(store, 0)
    world.settlement().set_signers([node.address], 1)
    available_at, eth_owed = _start(world)
    # The pin sees a request that matures 10 minutes later: inside the post horizon.
    _set_time(world, available_at - 600)
    assert 600 < POST_HORIZON
    assert node.view.platform(STABLE).escrow == 0
    assert node.view.platform(ETH).escrow == 10**18

    def withdraw_before_the_post(point: str) -> None:
        if point == "after_build":  # the attack: mature, withdraw, then let the post land
            _set_time(world, available_at)
            _withdraw(world)

    outcome = world.runner(node, [], crash=withdraw_before_the_post).run_once()

    assert outcome.status == "posted"
    assert outcome.debits == ((ETH, eth_owed),)
    assert outcome.unpaid == ()
    assert [h.platform_id for h in outcome.held_back] == [STABLE]  # waits whole, off chain
    assert _held_back_events(world) == []
    records = list(read_records(Path(outcome.data_path)))
    assert {r["token"] for r in records if r["kind"] == "leaf"} == {"0x" + "ee" * 20}
    paid = world.claim_all(store, Path(outcome.data_path))  # every leaf pays: none is unfunded
    assert sum(paid.values()) == world.settlement().total_claimed("0x" + "Ee" * 20)
    _settle_stable_after_deposit(world, "horizon")


def test_the_poster_rechecks_at_the_latest_block_and_repins_instead_of_posting(
    world: EpochWorld,
) -> None:
    store = world.new_store("recheck")
    node = world.node(store, 0)
    world.settlement().set_signers([node.address], 1)
    available_at, eth_owed = _start(world)  # matures in 3 days: the pin counts the escrow
    assert node.view.platform(STABLE).escrow == 10**12
    stable_owed = sum(world.expected_leaf_amounts([STABLE]).values())
    attacked: list[str] = []

    def withdraw_after_the_signatures(point: str) -> None:
        # The signatures took past the request's maturity, and the payer withdraws first.
        if point == "after_sign" and not attacked:
            attacked.append(point)
            _set_time(world, available_at)
            _withdraw(world)

    outcome = world.runner(node, [], crash=withdraw_after_the_signatures).run_once()

    assert attacked
    assert outcome.status == "posted"
    assert outcome.epoch == 1
    assert outcome.debits == ((ETH, eth_owed),)  # re-pinned: STABLE waits, ETH settles
    assert "re-pinned" in outcome.message
    assert f"platform {STABLE} debit {stable_owed} > covered 0" in outcome.message
    assert outcome.unpaid == ()
    assert _held_back_events(world) == []
    with store.engine.connect() as conn:
        assert repo.debits_of(conn, 1) == [(ETH, eth_owed)]
    assert world.claim_all(store, Path(outcome.data_path))


def test_a_matured_request_not_yet_executed_also_makes_the_poster_repin(
    world: EpochWorld,
) -> None:
    """Between the re-check and the block the post lands in, the payer could still withdraw a
    request that is executable: the re-check counts it as withdrawn already."""
    store = world.new_store("matured")
    node = world.node(store, 0)
    world.settlement().set_signers([node.address], 1)
    available_at, eth_owed = _start(world)

    def mature_after_the_signatures(point: str) -> None:
        if point == "after_sign":
            _set_time(world, max(available_at, world.chain_time() + 1))

    outcome = world.runner(node, [], crash=mature_after_the_signatures).run_once()

    assert outcome.status == "posted"
    assert outcome.debits == ((ETH, eth_owed),)
    _withdraw(world)  # the front-run comes too late: nothing of STABLE was promised
    assert _held_back_events(world) == []
    assert world.claim_all(store, Path(outcome.data_path))


def test_a_withdrawal_delay_under_the_post_horizon_stops_posting_until_raised(
    world: EpochWorld,
) -> None:
    """The attack the horizon cannot see: with no withdrawal notice, a payer requests and
    withdraws in the seconds between the poster's check and its post landing. Under such a delay
    the poster sends nothing, and posts the same epoch once governance raises the delay."""
    store = world.new_store("short-delay")
    node = world.node(store, 0)
    owner = world.settlement()
    owner.set_signers([node.address], 1)
    owner.set_withdrawal_delay(0)
    world.deposit(ETH, 10**18)
    world.submit(ETH, ETH_LINES)
    runner = world.runner(node, [])

    with pytest.raises(WithdrawalDelayTooShort, match="withdrawalDelay is 0 s"):
        runner.run_once()

    assert owner.last_epoch() == 0
    with store.engine.connect() as conn:
        record = repo.get_epoch(conn, 1)
    assert record is not None
    assert record.status == "signed"  # the nodes signed the report; no transaction exists
    assert record.raw_tx is None
    owner.set_withdrawal_delay(POST_HORIZON)
    posted = runner.run_once()
    assert posted.status == "posted"
    assert posted.epoch == 1
    assert posted.debits == ((ETH, sum(world.expected_leaf_amounts([ETH]).values())),)
