"""What a format parser hands to the ingest pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from oracle.intake.issues import IssueCollector

#: Aggregation keys pack (track_id, usage_class) into one int: track_id * 8 + usage_class.
KEY_SHIFT = 8


def pack_key(track_id: int, usage_class: int) -> int:
    return track_id * KEY_SHIFT + usage_class


def unpack_key(key: int) -> tuple[int, int]:
    return divmod(key, KEY_SHIFT)


@dataclass
class ReportHeader:
    """The signed metadata of a report; fields a broken file does not yield stay None."""

    report_id: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    chain_id: int | None = None
    platform_id: int | None = None
    message_id: str | None = None
    signature: str | None = None
    content_hash: str | None = None  # JSON only: keccak of the canonical lines


@dataclass
class Aggregate:
    """Micro-units per packed (track, class) key, with the first and last line of each key."""

    issues: IssueCollector
    micro: dict[int, int] = field(default_factory=dict)
    first_line: dict[int, int] = field(default_factory=dict)
    last_line: dict[int, int] = field(default_factory=dict)
    generations: dict[tuple[int, int], int] = field(default_factory=dict)
    line_count: int = 0

    def add(self, key: int, micro_units: int, line: int) -> None:
        current = self.micro.get(key)
        if current is None:
            self.micro[key] = micro_units
            self.first_line[key] = line
        else:
            self.micro[key] = current + micro_units
        self.last_line[key] = line

    def sample_lines(self, key: int) -> tuple[int, ...]:
        first, last = self.first_line[key], self.last_line[key]
        return (first,) if first == last else (first, last)
