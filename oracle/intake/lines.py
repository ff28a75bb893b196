"""Validating and aggregating one usage line (the general path shared by every format).

Formats run their own fast path for the common line (known track, plain class, digits) and call
`LineProcessor.process` for everything else: AI attributions and every line with a fault.
"""

from __future__ import annotations

from collections.abc import Sequence

from chain_client.constants import UNIT_SCALE
from oracle.intake.model import KEY_SHIFT, Aggregate
from oracle.intake.refs import AI_CLASS_VALUES, TrackRefs, parse_usage_class
from oracle.intake.units import check_weights, parse_units, parse_weight


class LineProcessor:
    def __init__(self, refs: TrackRefs, aggregate: Aggregate, isrc_only: bool = False) -> None:
        self.refs = refs
        self.agg = aggregate
        self.isrc_only = isrc_only

    def process(
        self,
        line: int,
        track_text: str | None,
        class_text: str,
        units_text: str,
        attribution: Sequence[tuple[str, str]] | None,
        fields: tuple[str, str, str, str],
    ) -> None:
        """Checks one line; adds it to the aggregate only if it has no fault.

        `fields` names the track, class, units and attribution fields for error messages.
        `attribution` is a list of (source track text, weight text), or None when absent.
        """
        issues = self.agg.issues
        before = issues.total
        usage_class = parse_usage_class(class_text)
        if usage_class is None:
            issues.add(line, fields[1], f"unknown usage class {class_text!r} (0-5 or a class name)")
        units, why = parse_units(units_text)
        if why is not None:
            issues.add(line, fields[2], why)
        track_id: int | None = None
        if track_text is not None and track_text.strip():
            track_id, why = self.refs.resolve(track_text, self.isrc_only)
            if why is not None:
                issues.add(line, fields[0], why)
        elif attribution is None:
            issues.add(line, fields[0], "track is missing (a track id or an ISRC)")
        sources: list[tuple[int, int]] = []
        if attribution is not None:
            if usage_class is not None and usage_class not in AI_CLASS_VALUES:
                issues.add(line, fields[3], "an attribution is only allowed for AI classes (4, 5)")
            if attribution:
                sources = self._sources(line, attribution, fields[3])
            else:
                issues.add(line, fields[3], check_weights([]) or "attribution is empty")
        if issues.total != before or units is None or usage_class is None:
            return
        if attribution:
            for source_id, weight in sources:
                self.agg.add(source_id * KEY_SHIFT + usage_class, units * weight, line)
            generated = (track_id or 0, usage_class)
            self.agg.generations[generated] = self.agg.generations.get(generated, 0) + units
        else:
            assert track_id is not None
            self.agg.add(track_id * KEY_SHIFT + usage_class, units * UNIT_SCALE, line)
            if usage_class in AI_CLASS_VALUES:
                generated = (track_id, usage_class)
                self.agg.generations[generated] = self.agg.generations.get(generated, 0) + units

    def _sources(
        self, line: int, attribution: Sequence[tuple[str, str]], field: str
    ) -> list[tuple[int, int]]:
        issues = self.agg.issues
        sources: list[tuple[int, int]] = []
        seen: set[int] = set()
        weights: list[int] = []
        ok = True
        for position, (source_text, weight_text) in enumerate(attribution, start=1):
            source_id, why = self.refs.resolve(source_text)
            if why is not None:
                issues.add(line, f"{field}[{position}].track", why)
                ok = False
            weight, why = parse_weight(weight_text)
            if why is not None:
                issues.add(line, f"{field}[{position}].weight", why)
                ok = False
            if source_id is not None and source_id in seen:
                issues.add(line, f"{field}[{position}].track", f"source track {source_id} repeated")
                ok = False
            if source_id is not None and weight is not None:
                seen.add(source_id)
                sources.append((source_id, weight))
                weights.append(weight)
        if ok:
            why = check_weights(weights)
            if why is not None:
                issues.add(line, field, why)
        return sources
