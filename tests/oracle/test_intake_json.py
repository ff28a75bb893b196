"""Signed JSON intake: canonical-lines hash, attribution, chain and signer checks."""

from __future__ import annotations

import json

import pytest
from test_intake_kit import OTHER_KEY, IntakeKit

from oracle.errors import ReportRejectedError
from oracle.intake.json_report import canonical_lines_hash
from oracle.store.records import ReportStatus

LINES: list[dict[str, object]] = [
    {"track": 1, "usage_class": 0, "units": 7},
    {"track": "USRC17607839", "usage_class": "DOWNLOAD", "units": 2},
    {
        "track": 3,
        "usage_class": 4,
        "units": 5,
        "attribution": [{"track": 1, "weight": 250000}, {"track": 2, "weight": 750000}],
    },
]


def issue_fields(
    kit: IntakeKit, lines: list[dict[str, object]], **kw: object
) -> set[tuple[int | None, str]]:
    path = kit.write_json("r.json", lines, **kw)  # type: ignore[arg-type]
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path)
    assert all(i.file == "r.json" for i in info.value.issues)
    return {(i.line, i.field) for i in info.value.issues}


def test_signed_json_is_accepted_with_attribution(kit: IntakeKit) -> None:
    result = kit.ingest(kit.write_json("r.json", LINES))
    assert result.report.status is ReportStatus.ACCEPTED
    assert result.report.content_hash == canonical_lines_hash(LINES)
    assert kit.payable() == {
        (1, 1, 0): 7_000_000,
        (1, 1, 1): 2_000_000,
        (1, 1, 4): 1_250_000,
        (2, 1, 4): 3_750_000,
    }


def test_reformatted_document_with_the_same_lines_is_the_same_report(kit: IntakeKit) -> None:
    path = kit.write_json("r.json", LINES)
    first = kit.ingest(path)
    path.write_text(json.dumps(json.loads(path.read_text())))  # no indentation now
    again = kit.ingest(path)
    assert again.duplicate
    assert again.report.id == first.report.id


def test_weights_not_summing_to_one(kit: IntakeKit) -> None:
    bad = [
        {"track": 3, "usage_class": 5, "units": 1, "attribution": [{"track": 1, "weight": 999999}]}
    ]
    assert (1, "lines[1].attribution") in issue_fields(kit, bad)


def test_non_integer_and_negative_units(kit: IntakeKit) -> None:
    bad = [
        {"track": 1, "usage_class": 0, "units": 1.5},
        {"track": 1, "usage_class": 0, "units": -2},
    ]
    assert issue_fields(kit, bad) == {(1, "lines[1].units"), (2, "lines[2].units")}


def test_unknown_track_and_unknown_field(kit: IntakeKit) -> None:
    bad = [{"track": 42, "usage_class": 0, "units": 1, "price": 3}]
    assert issue_fields(kit, bad) == {(1, "lines[1].track"), (1, "lines[1].price")}


def test_wrong_chain_declared_and_signed(kit: IntakeKit) -> None:
    assert (None, "chain_id") in issue_fields(kit, LINES, chain_id=5)


def test_signed_for_another_chain_or_by_another_key(kit: IntakeKit) -> None:
    assert issue_fields(kit, LINES, signed_chain_id=5) == {(None, "signature")}
    assert issue_fields(kit, LINES, key=OTHER_KEY) == {(None, "signature")}


def test_malformed_json_names_the_line(kit: IntakeKit) -> None:
    path = kit.tmp / "r.json"
    path.write_text('{\n  "report_id": "x",\n  "lines": [\n    {"track": 1,,}\n  ]\n}\n')
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path)
    assert any(i.line == 4 and i.field == "json" for i in info.value.issues)
