"""Epoch compute speed in `make bench`: the incremental engine on a synthetic store (no chain).

A 20,000-track catalog (bench.scale's generator) goes into a SQLite store; the first epoch
(everything new) and then an epoch where 10% of the tracks changed are computed by
oracle.settlement.engine.compute, the function every node runs, with the platform states
given directly. `make bench-scale` runs the same engine through the worker's runner against
anvil at larger sizes.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from oracle.epoch.totals import PlatformState

TRACKS = 20_000
CHANGED = 2_000
SETTLEMENT = "0x" + "5e" * 20
TOKEN = "0x" + "70" * 20


class _CachedRoots:
    """The generator caches every split's chain root, so this is never asked."""

    def recipients_roots(self, splits: object, block: int) -> dict[str, str]:
        raise AssertionError("the synthetic splits are already verified")


def measure_epoch(tracks: int = TRACKS, changed: int = CHANGED) -> dict[str, float]:
    from bench.scale import RATES, add_usage, write_catalog
    from oracle.settlement.engine import EpochRequest, compute
    from oracle.store import epoch_repository as repo
    from oracle.store.counters import latest_intake_seq
    from oracle.store.engine import create_store_engine
    from oracle.store.migrate import upgrade

    rng = random.Random(1)
    states = {pid: PlatformState(pid, TOKEN, RATES[pid - 1], 10**40) for pid in (1, 2)}
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-epoch-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'oracle.db'}"
        upgrade(url)
        engine = create_store_engine(url)
        write_catalog(engine, tracks, rng, TOKEN)
        for epoch, day_tracks in (
            (1, list(range(1, tracks + 1))),
            (2, rng.sample(range(1, tracks + 1), changed)),
        ):
            add_usage(engine, epoch, day_tracks, rng)
            with engine.connect() as conn:
                cut = latest_intake_seq(conn)
            request = EpochRequest(epoch, 1, cut, epoch, 31337, SETTLEMENT)
            started, cpu = time.perf_counter(), time.process_time()
            result = compute(engine, request, states.__getitem__, _CachedRoots(), Path(tmp))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            with engine.begin() as conn:
                repo.save_epoch(
                    conn,
                    repo.EpochRecord(
                        epoch, "built", 1, cut, epoch, result.root, result.data_hash, "", 0
                    ),
                    result.debits,
                    result.held_back,
                    [r.version_id for r in result.included_reports],
                )
                repo.confirm_epoch(conn, epoch, None, None)
            name = "first_20k_tracks" if epoch == 1 else "2k_changed_of_20k"
            figures[f"oracle.epoch_seconds_{name}"] = round(wall, 2)
            figures[f"oracle.epoch_cpu_seconds_{name}"] = round(cpu, 2)
            figures[f"oracle.epoch_leaves_{name}"] = result.leaf_count
            figures[f"oracle.epoch_data_file_bytes_per_leaf_{name}"] = round(
                result.data_size / result.leaf_count, 1
            )
        engine.dispose()
    return figures


if __name__ == "__main__":
    measured = measure_epoch()
    width = max(len(k) for k in measured)
    print(f"{'figure':<{width}}  value")  # noqa: T201
    for key, value in measured.items():
        print(f"{key:<{width}}  {value}")  # noqa: T201
