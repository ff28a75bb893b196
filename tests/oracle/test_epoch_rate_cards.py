"""On anvil: every report is priced by the rate card in force at its period start, to the base
unit, even when a governance rate change is applied before the epoch that settles it; a debit
the chain holds back at the post (DebitHeldBack) is recorded and carried into the next epoch."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from test_epoch_world import CHAIN_RATES, ETH, PAYERS, STABLE, EpochWorld, build_world, leaves_of

from chain_client.contracts.usage_settlement import RateCard
from oracle.settlement.data_file import open_lines, read_records
from oracle.settlement.engine import carried_of
from oracle.settlement.verify_file import VerificationError, verify_files
from oracle.store import epoch_repository as repo

world_fixture = pytest.fixture(name="world")(build_world)

NEW_STABLE = [5_555_555_557, 400_000_000_003, 1_234_567_891, 0, 2_500_000_001, 777_777_777]
BEFORE = [{"track": 1, "usage_class": 0, "units": 777}, {"track": 3, "usage_class": 1, "units": 2}]
STRADDLING = [{"track": 1, "usage_class": 0, "units": 5}]
AFTER = [{"track": 1, "usage_class": 0, "units": 401}, {"track": 3, "usage_class": 1, "units": 9}]


def _micro(*reports: list[dict[str, int]]) -> dict[tuple[int, int], int]:
    units: dict[tuple[int, int], int] = {}
    for lines in reports:
        for line in lines:
            key = (line["track"], line["usage_class"])
            units[key] = units.get(key, 0) + line["units"] * 10**6
    return units


def _priced(units: dict[tuple[int, int], int], rates: list[int]) -> dict[int, int]:
    """Track amounts: floor(cumulative micro-units x rate / 1e12) per class, by hand."""
    amounts: dict[int, int] = {}
    for (track, usage_class), micro in units.items():
        amounts[track] = amounts.get(track, 0) + micro * rates[usage_class] // 10**12
    return amounts


def test_each_report_is_priced_by_the_card_in_force_at_its_period_start(
    world: EpochWorld,
) -> None:
    world.deposit(STABLE, 10**12)
    store = world.new_store("cards")
    owner = world.settlement()
    owner.set_signers([world.node(store, 0).address], 1)
    runner = world.runner(world.node(store, 0), [])
    world.submit(STABLE, BEFORE)  # a 2023 period, reported before the change is even queued

    effective = world.chain_time() + owner.governance_delay() + 600
    owner.govern(owner.queue_rates(STABLE, NEW_STABLE, effective), until=effective)
    assert owner.rate_cards(STABLE) == [
        RateCard(0, tuple(CHAIN_RATES[STABLE])),
        RateCard(effective, tuple(NEW_STABLE)),
    ]
    # Begins before the change: priced whole by the first card. Begins after: by the new one.
    world.submit(STABLE, STRADDLING, period=(effective - 1_800, effective + 1_800))
    world.submit(STABLE, AFTER, period=(effective + 3_600, effective + 7_200))
    escrow_before = world.escrow(STABLE)

    # AFTER's period starts after the chain's time: a card applied before then could still
    # cover it, so the platform waits whole until the chain passes its start.
    waiting = runner.run_once()
    assert waiting.status == "skipped"
    assert [h.platform_id for h in waiting.held_back] == [STABLE]
    provider = world.w3.provider
    provider.make_request("evm_setNextBlockTimestamp", [effective + 7_200])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    outcome = runner.run_once()  # one epoch, after the change, settles all three reports

    assert outcome.status == "posted"
    old = _priced(_micro(BEFORE, STRADDLING), CHAIN_RATES[STABLE])
    new = _priced(_micro(AFTER), NEW_STABLE)
    tracks = {t: old.get(t, 0) + new.get(t, 0) for t in sorted(set(old) | set(new))}
    # floor(782e6 x 3_333_333_333 / 1e12) + floor(401e6 x 5_555_555_557 / 1e12)
    assert tracks[1] == 2_606_666 + 2_227_777
    assert outcome.debits == ((STABLE, sum(tracks.values())),)
    assert world.escrow(STABLE) == escrow_before - sum(tracks.values())

    records = list(read_records(Path(outcome.data_path)))
    assert [(c["rateFrom"], c["rates"]) for c in records[0]["rateCards"]] == [
        (0, [str(r) for r in CHAIN_RATES[STABLE]]),
        (effective, [str(r) for r in NEW_STABLE]),
    ]
    track_one = next(r for r in records if r["kind"] == "track" and r["trackId"] == 1)
    assert [(u["rateFrom"], u["units"][0], u["amounts"][0]) for u in track_one["usage"]] == [
        (0, str(782 * 10**6), str(2_606_666)),
        (effective, str(401 * 10**6), str(2_227_777)),
    ]
    assert verify_files([Path(outcome.data_path)], world.rpc_url)[0]["root"] == outcome.root

    expected: dict[str, int] = {}
    for track, amount in tracks.items():
        _split, recipients, shares = world.tracks[track]
        for recipient, share in zip(recipients, shares, strict=True):
            expected[recipient.lower()] = expected.get(recipient.lower(), 0) + (
                amount * share // 10**6
            )
    before = {r: world.balance(r, STABLE) for r in expected}
    paid = world.claim_all(store, Path(outcome.data_path))
    assert {a: v for (a, _t), v in paid.items()} == expected
    assert {r: world.balance(r, STABLE) - before[r] for r in expected} == expected


ETH_LINES = [{"track": 2, "usage_class": 0, "units": 13}]
MORE = [{"track": 1, "usage_class": 0, "units": 33}, {"track": 2, "usage_class": 1, "units": 3}]


def _owed_per_recipient(world: EpochWorld, platform_id: int) -> dict[str, int]:
    owed: dict[str, int] = {}
    for (track, _pid), amount in world.expected_leaf_amounts([platform_id]).items():
        _split, recipients, shares = world.tracks[track]
        for recipient, share in zip(recipients, shares, strict=True):
            owed[recipient.lower()] = owed.get(recipient.lower(), 0) + amount * share // 10**6
    return owed


def _with_header(source: Path, target: Path, **changes: object) -> Path:
    """A copy of a data file with header fields replaced (the lines after it unchanged), in the
    old container (gzip), which the verifier still reads."""
    with open_lines(source) as handle:
        lines = handle.read().splitlines(keepends=True)
    header = {**json.loads(lines[0]), **changes}
    with gzip.open(target, "wb") as handle:
        handle.write(json.dumps(header).encode() + b"\n")
        handle.writelines(lines[1:])
    return target


def test_a_debit_the_chain_held_back_is_carried_into_the_next_epoch(
    world: EpochWorld, tmp_path: Path
) -> None:
    world.deposit(STABLE, 10**12)
    world.deposit(ETH, 10**18)
    store = world.new_store("carry")
    node = world.node(store, 0)
    owner = world.settlement()
    owner.set_signers([node.address], 1)
    world.submit(STABLE, BEFORE)
    world.submit(ETH, ETH_LINES)
    owed_first = sum(world.expected_leaf_amounts([STABLE]).values())
    eth_owed = sum(world.expected_leaf_amounts([ETH]).values())
    payer = world.accounts[PAYERS[STABLE - 1]]
    payer_settlement = world.settlement(payer)
    payer_settlement.request_withdrawal(STABLE, 10**12)  # the whole escrow, not matured yet
    available_at = payer_settlement.pending_withdrawal(STABLE).available_at

    def withdraw_before_the_post(point: str) -> None:
        # After the poster's last coverage check (the transaction is signed), the post takes
        # past the request's maturity (beyond POST_HORIZON) and the payer withdraws everything
        # first: the only window the oracle's checks leave, where the chain's hold-back acts.
        if point == "after_tx_sign":
            provider = world.w3.provider
            provider.make_request("evm_setNextBlockTimestamp", [available_at])  # type: ignore[arg-type]
            provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            payer_settlement.withdraw(STABLE, payer.address)

    first = world.runner(node, [], crash=withdraw_before_the_post).run_once()

    assert first.status == "posted"
    assert first.unpaid == ((STABLE, owed_first),)  # read from the post's DebitHeldBack
    assert first.debits == ((ETH, eth_owed),)  # the other platform settled all the same
    assert world.escrow(STABLE) == 0
    assert owner.total_debited(world.token) == 0  # nothing of STABLE's was taken
    with store.engine.connect() as conn:
        assert repo.unpaid_of(conn, 1) == [(STABLE, owed_first)]
        assert carried_of(conn) == {STABLE: owed_first}

    world.submit(STABLE, MORE)
    owed_total = sum(world.expected_leaf_amounts([STABLE]).values())
    world.deposit(STABLE, owed_total + 5)  # the top-up
    runner = world.runner(node, [])
    second = runner.run_once()

    assert second.status == "posted"
    assert second.debits == ((STABLE, owed_total),)  # the carry + this epoch's growth, once
    assert second.unpaid == ()
    records = list(read_records(Path(second.data_path)))
    assert records[0]["carried"] == [{"platformId": STABLE, "amount": str(owed_first)}]
    with store.engine.connect() as conn:
        assert carried_of(conn) == {}
    assert world.escrow(STABLE) == 5
    assert owner.total_debited(world.token) == owed_total
    checked = verify_files([Path(first.data_path), Path(second.data_path)], world.rpc_url)
    assert [c["debits"] for c in checked] == [
        {str(STABLE): str(owed_first), str(ETH): str(eth_owed)},
        {str(STABLE): str(owed_total)},
    ]
    # verify-data holds `carried` to the earlier files' debits (without the chain) and to the
    # chain's DebitHeldBack: a carry cannot be made up, inflated or left out of a debit.
    one, two = Path(first.data_path), Path(second.data_path)
    growth = owed_total - owed_first
    inflated = _with_header(
        two,
        tmp_path / "inflated.jsonl.gz",
        carried=[{"platformId": STABLE, "amount": str(owed_first + 1)}],
        debits=[{"platformId": STABLE, "amount": str(owed_total + 1)}],
    )
    with pytest.raises(VerificationError, match=f"carries {owed_first + 1}, its earlier last"):
        verify_files([one, inflated])
    dropped = _with_header(
        two,
        tmp_path / "dropped.jsonl.gz",
        carried=[],
        debits=[{"platformId": STABLE, "amount": str(growth)}],
    )
    with pytest.raises(VerificationError, match=f"without the {owed_first} the chain held back"):
        verify_files([one, dropped], world.rpc_url)

    expected = _owed_per_recipient(world, STABLE)
    leaves = {
        account: amount
        for (account, token), amount in leaves_of(
            Path(first.data_path), Path(second.data_path)
        ).items()
        if token == world.token.lower()
    }
    assert leaves == expected
    assert 0 <= owed_total - sum(leaves.values()) < 6  # leaves never exceed what was debited
    before = {r: world.balance(r, STABLE) for r in expected}
    world.claim_all(store, Path(second.data_path), earlier=[Path(first.data_path)])
    assert {r: world.balance(r, STABLE) - before[r] for r in expected} == expected
    assert owner.total_claimed(world.token) == sum(expected.values())
    assert runner.run_once().status == "skipped"  # nothing is owed twice
