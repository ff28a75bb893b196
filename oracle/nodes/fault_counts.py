"""Summarises the fault-test counts written by `make soak-nodes` (bench/node_faults.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summary(path: Path) -> list[str]:
    rows = json.loads(path.read_text())
    scenarios: dict[str, list[dict[str, int]]] = {}
    for row in rows:
        scenarios.setdefault(str(row["scenario"]), []).append(row)
    lines = [f"{'scenario':<36} {'runs':>4} {'posted once':>11} {'lost':>5} {'double':>6}"]
    for name, runs in scenarios.items():
        lines.append(
            f"{name:<36} {len(runs):>4} {sum(r['posted_exactly_once'] for r in runs):>11} "
            f"{sum(r['lost_reports'] for r in runs):>5} {sum(r['double_posts'] for r in runs):>6}"
        )
    return lines


def main(argv: list[str]) -> None:
    print("\n".join(summary(Path(argv[1] if len(argv) > 1 else "bench/node_faults.json"))))  # noqa: T201


if __name__ == "__main__":
    main(sys.argv)
