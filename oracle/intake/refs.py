"""Resolving track references (track id or ISRC) and usage classes in report lines."""

from __future__ import annotations

import re

from sqlalchemy import Connection, select

from chain_client.constants import UsageClass
from oracle.store.schema import tracks

#: ISRC: CC-XXX-YY-NNNNN (country, registrant, year, designation); stored without hyphens.
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{2}[0-9]{5}$")
_ISRC_HYPHENATED = re.compile(r"^[A-Z]{2}-[A-Z0-9]{3}-[0-9]{2}-[0-9]{5}$")

#: Accepted spellings of a usage class: the number or the name, any case.
CLASS_BY_TEXT: dict[str, int] = {}
for _member in UsageClass:
    for _text in (str(int(_member)), _member.name, _member.name.lower()):
        CLASS_BY_TEXT[_text] = int(_member)
AI_CLASS_VALUES = frozenset({int(UsageClass.AI_GENERATION), int(UsageClass.AI_REMIX)})


def normalize_isrc(text: str) -> str | None:
    """The 12-character ISRC for `text` (hyphens optional, any case), or None if it is not one."""
    value = text.strip().upper()
    if _ISRC_HYPHENATED.match(value):
        value = value.replace("-", "")
    return value if _ISRC.match(value) else None


def parse_usage_class(text: str) -> int | None:
    value = CLASS_BY_TEXT.get(text)
    if value is None:
        stripped = text.strip()
        value = CLASS_BY_TEXT.get(stripped, CLASS_BY_TEXT.get(stripped.lower()))
    return value


class TrackRefs:
    """Every spelling of every catalog track (id, ISRC, hyphenated ISRC), loaded once per ingest."""

    def __init__(self, conn: Connection) -> None:
        self.by_text: dict[str, int] = {}
        self.by_isrc: dict[str, int] = {}
        self.known_ids: set[int] = set()
        for track_id, isrc in conn.execute(select(tracks.c.track_id, tracks.c.isrc)):
            track_id = int(track_id)
            self.known_ids.add(track_id)
            self.by_text[str(track_id)] = track_id
            if isrc:
                self.by_isrc[isrc] = track_id
                self.by_isrc[f"{isrc[:2]}-{isrc[2:5]}-{isrc[5:7]}-{isrc[7:]}"] = track_id
        self.by_text.update(self.by_isrc)

    def resolve(self, text: str, isrc_only: bool = False) -> tuple[int | None, str | None]:
        """(track id, None) or (None, why not). The slow path behind the `by_text` fast lookup."""
        value = text.strip()
        if not value:
            return None, "is empty"
        if len(value) > 64:
            shown = f"{value[:40]!r}... ({len(value)} characters)"
            return None, f"{shown} is neither a track id nor an ISRC"
        if value.isdigit() and not value.isascii():
            return None, f"{value[:40]!r}: a track id must use ASCII digits 0-9 only"
        if value.isdigit() and not isrc_only:
            if len(value) > 19:
                return None, f"track id has {len(value)} digits, at most 19 are accepted"
            track_id = int(value)
            if track_id in self.known_ids:
                return track_id, None
            return None, f"unknown track id {value}"
        isrc = normalize_isrc(value)
        if isrc is None and isrc_only:
            return None, f"{value!r} is not an ISRC (12 characters, CC-XXX-YY-NNNNN)"
        if isrc is None:
            return None, f"{value!r} is neither a track id nor an ISRC (CC-XXX-YY-NNNNN)"
        found = self.by_text.get(isrc)
        if found is None:
            return None, f"unknown ISRC {isrc}"
        return found, None
