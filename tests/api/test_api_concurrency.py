"""Concurrent writers against the running API (SQLite and PostgreSQL): never a 5xx.

- 20 distinct reports POSTed at once: all accepted, each counted once;
- 20 corrections of one report at once: one consistent latest version (one accepted, the others
  superseded in one chain, the totals those of the accepted one);
- the write serialisation itself across processes: 4 processes x 25 read-then-write
  transactions on one SQLite file lose no update and raise nothing.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_helpers import bearer
from live_api import LiveApi, LivePlatform
from sqlalchemy import Connection, create_engine, select, text

from oracle.store.records import ReportStatus
from oracle.store.report_repository import report_history
from oracle.store.usage_repository import payable_totals
from oracle.store.write_lock import run_write

PARALLEL = 20


@pytest.fixture(scope="module")
def setup(live: LiveApi, w3: Any) -> tuple[LivePlatform, int, tuple[int, int]]:
    platform = live.onboard(live.keys[10], "Parallel")
    track = live.add_track(live.keys[11])
    now = int(w3.eth.get_block("latest")["timestamp"])
    return platform, track, (now, now + 1)


def _post_all(live: LiveApi, platform: LivePlatform, bodies: list[dict[str, Any]]) -> list[Any]:
    def post(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=live.base_url, timeout=120) as http:
            return http.post(
                f"/v1/platforms/{platform.platform_id}/reports",
                json=body,
                headers=bearer(platform.api_key),
            )

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_parallel_distinct_reports_are_all_accepted_once(
    live: LiveApi, setup: tuple[LivePlatform, int, tuple[int, int]]
) -> None:
    platform, track, period = setup
    before = live.counted()
    bodies = [
        live.report(
            platform,
            f"parallel-{n}",
            [{"track": track, "usage_class": 0, "units": 100 + n}],
            period,
        )
        for n in range(PARALLEL)
    ]
    responses = _post_all(live, platform, bodies)
    codes = [r.status_code for r in responses]
    print(f"{PARALLEL} parallel distinct reports: status codes {sorted(set(codes))}")  # noqa: T201
    assert codes == [200] * PARALLEL, [r.text for r in responses if r.status_code != 200]
    assert all(r.json()["report"]["status"] == "accepted" for r in responses)
    decided, rows, micro, _ = live.counted()
    assert decided == before[0] + PARALLEL
    assert rows == before[1] + PARALLEL
    assert micro == before[2] + sum(100 + n for n in range(PARALLEL)) * 10**6
    # Resending all of them at once again counts nothing more.
    again = _post_all(live, platform, bodies)
    assert [r.status_code for r in again] == [200] * PARALLEL
    assert all(r.json()["duplicate"] for r in again)
    assert live.counted()[:3] == (decided, rows, micro)


def test_parallel_corrections_end_in_one_consistent_latest_version(
    live: LiveApi, setup: tuple[LivePlatform, int, tuple[int, int]]
) -> None:
    platform, track, period = setup
    first = live.report(
        platform, "corrected", [{"track": track, "usage_class": 0, "units": 500}], period
    )
    assert live.submit(platform, first).status_code == 200
    corrections = [
        live.report(
            platform, "corrected", [{"track": track, "usage_class": 0, "units": 501 + n}], period
        )
        for n in range(PARALLEL)
    ]
    responses = _post_all(live, platform, corrections)
    codes = [r.status_code for r in responses]
    print(f"{PARALLEL} parallel corrections: status codes {sorted(set(codes))}")  # noqa: T201
    assert codes == [200] * PARALLEL, [r.text for r in responses if r.status_code != 200]
    with live.engine.connect() as conn:
        history = report_history(conn, platform.platform_id, "corrected")
        totals = payable_totals(conn, _latest_seq(conn), platform_id=platform.platform_id)
    assert len(history) == PARALLEL + 1
    assert sorted(v.version for v in history) == list(range(1, PARALLEL + 2))
    accepted = [v for v in history if v.status is ReportStatus.ACCEPTED]
    assert len(accepted) == 1
    assert all(v.status is ReportStatus.SUPERSEDED for v in history if v.id != accepted[0].id)
    # One chain: following superseded_by from the first version visits every version once.
    by_id = {v.id: v for v in history}
    chain = [history[0].id]
    while by_id[chain[-1]].superseded_by_id is not None:
        chain.append(by_id[chain[-1]].superseded_by_id)  # type: ignore[arg-type]
    assert len(chain) == PARALLEL + 1
    assert chain[-1] == accepted[0].id
    seqs = [by_id[v].intake_seq for v in chain]
    assert seqs == sorted(seqs)  # corrections applied in intake order
    parallel_units = sum(100 + n for n in range(PARALLEL))
    assert (
        totals[(track, platform.platform_id, 0)]
        == (parallel_units + accepted[0].payable_micro_units // 10**6) * 10**6
    )


def _latest_seq(conn: Connection) -> int:
    return int(conn.execute(text("SELECT value FROM oracle_counters WHERE name = 'intake_seq'"))
               .scalar_one())  # fmt: skip


def _increment(url: str, times: int) -> None:
    engine = create_engine(url, connect_args={"timeout": 30})

    def work(conn: Connection) -> None:
        value = conn.execute(text("SELECT value FROM oracle_counters WHERE name = 'n'")).scalar()
        conn.execute(
            text("UPDATE oracle_counters SET value = :v WHERE name = 'n'"), {"v": value + 1}
        )

    for _ in range(times):
        run_write(engine, work)
    engine.dispose()


def test_sqlite_writes_are_serialised_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'counter.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE oracle_counters (name TEXT PRIMARY KEY, value INT)"))
        conn.execute(text("INSERT INTO oracle_counters VALUES ('n', 0)"))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_increment, args=(url, 25)) for _ in range(4)]
    for worker in workers:
        worker.start()
    threads = ThreadPoolExecutor(max_workers=4)
    list(threads.map(lambda _: _increment(url, 25), range(4)))
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with engine.connect() as conn:
        assert (
            conn.execute(select(text("value")).select_from(text("oracle_counters"))).scalar() == 200
        )
    engine.dispose()


def test_parallel_claims_pay_once_with_no_empty_transaction_and_no_stuck_row(
    live: LiveApi, setup: tuple[LivePlatform, int, tuple[int, int]], w3: Any
) -> None:
    """20 parallel relayed claims with one Idempotency-Key, then 20 with different keys: settlement
    money and split money, paid exactly once (one claim and one releaseMany in all)."""
    from api_helpers import address_of, sign_in

    from chain_client.constants import NATIVE_TOKEN

    platform, track, _ = setup
    payer = address_of(platform.key)
    live.deposit(w3, platform)
    assert live.run_epoch().status == "posted"
    artist = live.keys[11]
    account = address_of(artist)
    # Money paid to the track's split directly (a licence fee): the claim also releases it.
    split = live.http.get(f"/v1/tracks/{track}").json()["split_address"]
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": payer, "to": split, "value": 10**15})
    )
    token = sign_in(live.http, artist)  # type: ignore[arg-type]
    claimable = live.http.get(f"/v1/contributors/{account}/claimable", headers=bearer(token))
    owed = int(claimable.json()["per_token"][NATIVE_TOKEN])
    assert [s["in_split"] for s in claimable.json()["splits"]] == [str(10**15)]
    assert owed > 10**15
    before = w3.eth.get_balance(account)
    relayer = address_of(live.keys[19])
    nonce_before = w3.eth.get_transaction_count(relayer)

    def claim(key: str) -> httpx.Response:
        with httpx.Client(base_url=live.base_url, timeout=120) as http:
            return http.post(
                f"/v1/contributors/{account}/claims",
                json={},
                headers={**bearer(token), "Idempotency-Key": key},
            )

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        same = list(pool.map(claim, ["same-key"] * PARALLEL))
        different = list(pool.map(claim, [f"key-{n}" for n in range(PARALLEL)]))
    print(  # noqa: T201
        f"{PARALLEL} parallel claims, one key: {sorted({r.status_code for r in same})}; "
        f"different keys: {sorted({r.status_code for r in different})}"
    )
    assert [r.status_code for r in same] == [200] * PARALLEL, [r.text for r in same]
    assert len({r.text for r in same}) == 1  # every replay answers the first result
    assert same[0].json()["status"] == "sent"
    assert all(r.status_code in (200, 429) for r in different), [r.text for r in different]
    assert all(r.json()["status"] == "nothing_to_claim" for r in different if r.status_code == 200)
    assert w3.eth.get_balance(account) - before == owed  # exactly the claimable amount
    # The claim mined before this read: the stored claimable body (read cache) is not kept.
    after = live.http.get(f"/v1/contributors/{account}/claimable", headers=bearer(token))
    assert NATIVE_TOKEN not in after.json()["per_token"]
    # One claim and one releaseMany, by the first claim only: no no-op transaction.
    assert w3.eth.get_transaction_count(relayer) - nonce_before == 2
    assert len(same[0].json()["tx_hashes"]) == 2
    with live.engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM api_relayed_claim")).scalars().all()
    print(  # noqa: T201
        f"claims: relayer transactions {w3.eth.get_transaction_count(relayer) - nonce_before}, "
        f"paid {w3.eth.get_balance(account) - before} of claimable {owed}, "
        f"rows {sorted(statuses)}"
    )
    assert "pending" not in statuses


def test_failed_and_abandoned_claims_do_not_use_up_the_quota(
    live: LiveApi, setup: tuple[LivePlatform, int, tuple[int, int]]
) -> None:
    """Failed claims that sent nothing leave the quota alone; a claim pending past the timeout
    (its API process stopped after recording it) is failed with the reason by the next claim."""
    from datetime import timedelta

    from api_helpers import address_of, sign_in

    from api.contributors.models import RelayedClaim
    from api.db.types import utc_now

    key = live.keys[17]
    account = address_of(key)
    token = sign_in(live.http, key)  # type: ignore[arg-type]
    limit = live.settings.claim_rate_limit
    now = utc_now()
    rows = [
        {"idempotency_key": f"failed-{n}", "status": "failed", "created_at": now}
        for n in range(limit)
    ]
    rows.append({"idempotency_key": "abandoned", "status": "pending",
                 "created_at": now - timedelta(seconds=700)})  # fmt: skip
    rows.append({"idempotency_key": "in-flight", "status": "pending", "created_at": now})
    with live.engine.begin() as conn:
        conn.execute(
            RelayedClaim.__table__.insert(),  # type: ignore[attr-defined]
            [
                {"address": account, "request_hash": "0x00", "pull_tx_hashes": "[]", **r}
                for r in rows
            ],
        )
    response = live.http.post(
        f"/v1/contributors/{account}/claims",
        json={},
        headers={**bearer(token), "Idempotency-Key": "after-failures"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "nothing_to_claim"
    with live.engine.connect() as conn:
        found = dict(
            conn.execute(
                text("SELECT idempotency_key, status FROM api_relayed_claim WHERE address = :a"),
                {"a": account},
            ).all()
        )
        error = conn.execute(
            text("SELECT error FROM api_relayed_claim WHERE idempotency_key = 'abandoned'")
        ).scalar_one()
    assert found["abandoned"] == "failed"
    assert "stopped before this claim finished" in error
    assert found["in-flight"] == "pending"  # younger than the timeout: maybe still running
