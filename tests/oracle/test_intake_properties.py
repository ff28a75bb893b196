"""Property: streaming CSV and DSR aggregation equals a plain per-line sum, AI splits are exact."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_intake_kit import ISRC_1, IntakeKit

from oracle.intake.csv_report import read_csv_report
from oracle.intake.ddex_dsr import read_dsr_report
from oracle.intake.issues import IssueCollector
from oracle.intake.model import KEY_SHIFT
from oracle.intake.refs import TrackRefs

plain_rows = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 3), st.integers(0, 10**9)), max_size=40
)
weights = st.lists(st.integers(1, 10**6), min_size=1, max_size=3).filter(lambda w: sum(w) <= 10**6)
ai_rows = st.lists(st.tuples(st.integers(0, 10**6), weights), max_size=10)
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _refs(kit: IntakeKit) -> TrackRefs:
    with kit.engine.connect() as conn:
        return TrackRefs(conn)


@FAST
@given(rows=plain_rows, ai=ai_rows)
def test_csv_aggregate_equals_the_per_line_sum(
    kit: IntakeKit, rows: list[tuple[int, int, int]], ai: list[tuple[int, list[int]]]
) -> None:
    expected: dict[int, int] = {}
    lines = []
    for track, usage_class, units in rows:
        lines.append(f"{track},{usage_class},{units},")
        key = track * KEY_SHIFT + usage_class
        expected[key] = expected.get(key, 0) + units * 10**6
    for units, parts in ai:
        shares = [*parts, 10**6 - sum(parts)] if sum(parts) < 10**6 else parts
        sources = list(zip((1, 2, 3, 1), shares, strict=False))[: len(shares)]
        merged: dict[int, int] = {}
        for source, share in sources:
            merged[source] = merged.get(source, 0) + share
        lines.append(f",4,{units}," + ";".join(f"{s}:{w}" for s, w in merged.items()))
        for source, share in merged.items():
            key = source * KEY_SHIFT + 4
            expected[key] = expected.get(key, 0) + units * share
    path: Path = kit.write_csv("p.csv", lines)
    issues = IssueCollector("p.csv", 5)
    _header, aggregate = read_csv_report(path, "p.csv", _refs(kit), issues)
    assert not issues, str(issues.error())
    assert aggregate.micro == expected
    ai_total = sum(units for units, _ in ai)
    assert sum(v for k, v in aggregate.micro.items() if k % KEY_SHIFT == 4) == ai_total * 10**6


@FAST
@given(rows=plain_rows)
def test_dsr_aggregate_and_summaries_equal_the_per_line_sum(
    kit: IntakeKit, rows: list[tuple[int, int, int]]
) -> None:
    isrcs = {1: ISRC_1, 2: "GBAYE2300002", 3: "FRZ032300003"}
    for track in (2, 3):
        kit.add_track(track, isrc=isrcs[track])
    usage = [
        (f"S{i % 2}", isrcs[track], str(usage_class), units)
        for i, (track, usage_class, units) in enumerate(rows)
    ]
    path = kit.write_dsr("p.dsr", usage)
    issues = IssueCollector("p.dsr", 5)
    _header, aggregate = read_dsr_report(path, "p.dsr", _refs(kit), issues)
    assert not issues, str(issues.error())
    expected: dict[int, int] = {}
    for track, usage_class, units in rows:
        key = track * KEY_SHIFT + usage_class
        expected[key] = expected.get(key, 0) + units * 10**6
    assert aggregate.micro == expected
    assert aggregate.line_count == len(rows)
