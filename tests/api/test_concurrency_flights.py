"""run_idempotent and KeyedLocks under 20 threads: one perform per key, replays, no leftovers."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError

from api.concurrency.flights import InFlight, KeyedLocks, run_idempotent


class Store:
    """A stand-in for the claims table: rows by idempotency key with a status."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.performed: list[str] = []
        self.running = 0
        self.max_running = 0
        self.lock = threading.Lock()

    def call(
        self, locks: KeyedLocks, account: str, key: str, fail: bool = False
    ) -> tuple[str, bool]:
        def replay() -> str | None:
            status = self.rows.get(key)
            return status if status not in (None, "pending", "failed") else None

        def start() -> str:
            with self.lock:
                if self.rows.get(key) == "pending":
                    raise IntegrityError("insert", {}, Exception("duplicate key"))
                self.rows[key] = "pending"
            return key

        def perform(handle: str) -> str:
            with self.lock:
                self.running += 1
                self.max_running = max(self.max_running, self.running)
            time.sleep(0.01)
            with self.lock:
                self.running -= 1
                self.performed.append(handle)
            if fail:
                raise RuntimeError("chain refused")
            self.rows[handle] = f"sent:{handle}"
            return self.rows[handle]

        def failed(handle: str, exc: BaseException) -> None:
            self.rows[handle] = "failed"

        outcome = run_idempotent(
            locks,
            [("claim", account, "ETH")],
            replay=replay,
            start=start,
            perform=perform,
            fail=failed,
        )
        return outcome.value, outcome.replayed


def test_twenty_requests_with_one_key_perform_once_and_replay_the_first_result() -> None:
    store, locks = Store(), KeyedLocks()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: store.call(locks, "0xa", "k1"), range(20)))
    assert store.performed == ["k1"]
    assert {value for value, _ in results} == {"sent:k1"}
    assert sum(1 for _, replayed in results if not replayed) == 1
    assert locks.active() == 0


def test_different_keys_for_one_account_run_one_at_a_time() -> None:
    store, locks = Store(), KeyedLocks()
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda n: store.call(locks, "0xa", f"k{n}"), range(20)))
    assert len(store.performed) == 20
    assert store.max_running == 1
    assert locks.active() == 0


def test_a_failure_is_recorded_never_left_pending_and_can_be_retried() -> None:
    store, locks = Store(), KeyedLocks()
    with pytest.raises(RuntimeError):
        store.call(locks, "0xa", "k1", fail=True)
    assert store.rows["k1"] == "failed"
    assert store.call(locks, "0xa", "k1") == ("sent:k1", False)


def test_a_twin_in_another_process_answers_in_flight() -> None:
    store, locks = Store(), KeyedLocks()
    store.rows["k1"] = "pending"  # as if another API process had just started it
    with pytest.raises(InFlight):
        store.call(locks, "0xa", "k1")
