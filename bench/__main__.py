"""`make bench`: runs every benchmark, prints a table against the goals, writes bench/results.json.

Each part is measured in this run (gas from receipts on a fresh anvil, speed from wall clock,
CPU time and ru_maxrss); nothing here is a stored figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

RESULTS_PATH = Path(__file__).with_name("results.json")
# The key prefix of each part's figures (for `--only`, which keeps the other parts' figures).
PART_PREFIXES = {"gas": "gas.", "api": "api."}

# key -> (goal text, check); a check returns True when the figure meets its goal.
GOALS: dict[str, tuple[str, Callable[[dict[str, float]], bool]]] = {
    "gas.create_split_2": (
        "<= 100,741 (0xSplits v1)",
        lambda r: r["gas.create_split_2"] <= 100_741,
    ),
    "gas.create_split_10": (
        "<= 110,802 (0xSplits v1)",
        lambda r: r["gas.create_split_10"] <= 110_802,
    ),
    "gas.create_split_100": (
        "<= 223,155 (0xSplits v1)",
        lambda r: r["gas.create_split_100"] <= 223_155,
    ),
    "gas.release": (
        "<= gas.oz_payment_splitter_release",
        lambda r: r["gas.release"] <= r["gas.oz_payment_splitter_release"],
    ),
    "gas.release_many_marginal": (
        "<= 75% of gas.release (marginal gas per extra track)",
        lambda r: r["gas.release_many_marginal"] <= 0.75 * r["gas.release"],
    ),
    "gas.claim_first": (
        "<= 90,000 (ERC-20, account never paid before)",
        lambda r: r["gas.claim_first"] <= 90_000,
    ),
    "gas.claim_repeat": ("<= 60,000", lambda r: r["gas.claim_repeat"] <= 60_000),
    "gas.claim_from_1000_tracks": (
        "within 1% of gas.claim_from_1_track",
        lambda r: (
            abs(r["gas.claim_from_1000_tracks"] - r["gas.claim_from_1_track"])
            <= 0.01 * r["gas.claim_from_1_track"]
        ),
    ),
    "gas.claim_many_10_accounts_per_account": (
        "<= 45,000 (relayer batch, per account)",
        lambda r: r["gas.claim_many_10_accounts_per_account"] <= 45_000,
    ),
    "oracle.csv_lines_per_s": (">= 200,000", lambda r: r["oracle.csv_lines_per_s"] >= 200_000),
    "oracle.dsr_lines_per_s": (">= 200,000", lambda r: r["oracle.dsr_lines_per_s"] >= 200_000),
    "api.dashboard_capacity_rps": (
        ">= 1,500 and >= 0.5 x api.baseline_capacity_rps (median of api.runs)",
        lambda r: (
            r["api.dashboard_capacity_rps"] >= 1_500
            and r["api.dashboard_capacity_rps"] >= 0.5 * r["api.baseline_capacity_rps"]
        ),
    ),
    "api.claimable_capacity_rps": (
        ">= 0.5 x api.baseline_capacity_rps (median of api.runs)",
        lambda r: r["api.claimable_capacity_rps"] >= 0.5 * r["api.baseline_capacity_rps"],
    ),
    "api.dashboard_p99_ms_at_1000_rps": (
        "< 50 (median of api.runs)",
        lambda r: r["api.dashboard_p99_ms_at_1000_rps"] < 50,
    ),
    "api.runs": ("3", lambda r: r["api.runs"] == 3),
}


def _parts() -> dict[str, Callable[[], dict[str, float]]]:
    def gas() -> dict[str, float]:
        from bench.gas import measure_gas

        return dict(measure_gas())

    def ingest() -> dict[str, float]:
        from bench.oracle_ingest import measure_ingest

        return dict(measure_ingest())

    def epoch() -> dict[str, float]:
        from bench.oracle_epoch import measure_epoch

        return dict(measure_epoch())

    def api() -> dict[str, float]:
        from bench.api_load import measure_api

        return dict(measure_api())

    return {"gas": gas, "ingest": ingest, "epoch": epoch, "api": api}


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}"


def main(argv: list[str] | None = None) -> int:
    parts = _parts()
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--only", choices=sorted(parts), action="append", help="run only these parts"
    )
    args = parser.parse_args(argv)
    selected = args.only or list(parts)

    results: dict[str, float] = {}
    failures: dict[str, str] = {}
    for name in selected:
        started = time.perf_counter()
        print(f"== {name} ...", flush=True)  # noqa: T201
        try:
            results.update(parts[name]())
            if "gas.release_many_10" in results and "gas.release_many_1" in results:
                marginal = (results["gas.release_many_10"] - results["gas.release_many_1"]) / 9
                results["gas.release_many_marginal"] = round(marginal)
        except Exception:  # noqa: BLE001 - one broken part must not hide the others' figures
            failures[name] = traceback.format_exc(limit=3)
            print(failures[name], file=sys.stderr)  # noqa: T201
        print(f"   {name} took {time.perf_counter() - started:.1f}s", flush=True)  # noqa: T201

    width = max((len(k) for k in results), default=10)
    print(f"\n{'figure':<{width}}  {'value':>14}  goal")  # noqa: T201
    for key in sorted(results):
        goal_text, check = GOALS.get(key, ("", lambda _r: True))
        verdict = ""
        if goal_text:
            try:
                verdict = "met" if check(results) else "MISSED"
            except KeyError:
                verdict = "n/a"
        print(f"{key:<{width}}  {_fmt(results[key]):>14}  {goal_text} {verdict}")  # noqa: T201

    kept: dict[str, object] = {}
    if args.only and RESULTS_PATH.exists():
        # A partial run keeps the other parts' figures; a part that ran replaces all of its own.
        ran = tuple(PART_PREFIXES.get(name, f"{name}.") for name in selected)
        previous = json.loads(RESULTS_PATH.read_text())
        kept = {
            k: v
            for k, v in previous.items()
            if "." in k and not k.startswith(ran) and k != "failed_parts"
        }
    payload = {
        **kept,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        **results,
    }
    if failures:
        payload["failed_parts"] = sorted(failures)
    RESULTS_PATH.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    print(f"\nwrote {RESULTS_PATH}")  # noqa: T201
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
