"""Epoch build speed: tree, data file and signatures for 100,000 tracks (no chain, no store).

Synthetic cumulative totals go straight into the same functions a node runs: totals advancing,
leaves, StandardMerkleTree with every proof, the canonical data file and its hash, and three
node signatures over the EIP-712 Report.
"""

from __future__ import annotations

import random
import time

from chain_client.devchain import dev_private_keys
from oracle.epoch.computation import EpochInputs, EpochProposal, advance_for, compute_epoch
from oracle.epoch.signing import sign_report
from oracle.epoch.totals import PlatformState

TRACKS = 100_000
SETTLEMENT = "0x" + "5e" * 20
TOKEN = "0x" + "70" * 20


def synthetic_inputs(tracks: int, seed: int = 1) -> EpochInputs:
    rng = random.Random(seed)
    platforms = {
        1: PlatformState(1, TOKEN, (4_000_000, 900_000_000, 0, 0, 2_500_000, 3_000_000), 10**30),
        2: PlatformState(2, TOKEN, (3_500_000, 0, 1_000_000, 0, 0, 0), 10**30),
    }
    units: dict[tuple[int, int, int], int] = {}
    for track in range(1, tracks + 1):
        units[(track, 1, 0)] = rng.randint(1, 10_000) * 1_000_000
        units[(track, 2, 0)] = rng.randint(1, 10_000) * 1_000_000
        if track % 3 == 0:
            units[(track, 1, 4)] = rng.randint(1, 10**9)
    splits = {track: "0x" + f"{track:040x}" for track in range(1, tracks + 1)}
    return EpochInputs({}, units, platforms, splits, [])


def measure_epoch(tracks: int = TRACKS) -> dict[str, float]:
    inputs = synthetic_inputs(tracks)
    proposal = EpochProposal(epoch=1, config_version=1, cut_seq=1, block_number=1)
    keys = dev_private_keys(3)
    started = time.perf_counter()
    cpu_started = time.process_time()
    advance = advance_for(inputs)
    computation = compute_epoch(proposal, inputs, advance, chain_id=31337, settlement=SETTLEMENT)
    built = time.perf_counter()
    for key in keys:
        sign_report(key, computation.report, chain_id=31337, settlement=SETTLEMENT)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_started
    return {
        "oracle.epoch_seconds_100k_tracks": round(finished - started, 2),
        # CPU seconds of this process: the wall clock above includes waiting for a busy machine.
        "oracle.epoch_cpu_seconds_100k_tracks": round(cpu, 2),
        "oracle.epoch_build_seconds_100k_tracks": round(built - started, 2),
        "oracle.epoch_sign_ms_3_nodes": round((finished - built) * 1000, 2),
        "oracle.epoch_data_file_mb_100k_tracks": round(len(computation.data) / 1e6, 1),
    }


if __name__ == "__main__":
    figures = measure_epoch()
    width = max(len(k) for k in figures)
    print(f"{'figure':<{width}}  value")  # noqa: T201
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")  # noqa: T201
