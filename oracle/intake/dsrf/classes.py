"""(record, CommercialModel, UseType) -> usage class: the default table and per-platform rows.

Lookup order, first hit wins: the platform's rows, then the defaults; within each, the most
specific row: (record, model, use), (record, *, use), (record, model, *), (record, *, *),
(*, model, use), (*, *, use), (*, model, *). `record` is SU01, SU02 or SU03. The table is
published in docs/formats.md; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, delete, insert, select

from chain_client.constants import NUM_CLASSES, UsageClass
from oracle.errors import CatalogError
from oracle.intake.dsrf.tables import class_overrides

ClassKey = tuple[str, str, str]

_STREAM, _DOWNLOAD, _UGC = (
    int(UsageClass.STREAM),
    int(UsageClass.DOWNLOAD),
    int(UsageClass.UGC_VIDEO),
)
DEFAULT_CLASSES: dict[ClassKey, int] = {
    **{
        ("*", "*", use): _STREAM
        for use in (
            "Stream",
            "OnDemandStream",
            "NonInteractiveStream",
            "ContentInfluencedStream",
            "TimeInfluencedStream",
            "Webcast",
            "Simulcast",
            "ConditionalDownload",
            "TetheredDownload",
        )
    },
    ("*", "*", "PermanentDownload"): _DOWNLOAD,
    ("*", "*", "Download"): _DOWNLOAD,
    ("SU03", "*", "*"): _UGC,
    ("*", "*", "UserMakeAvailableUserProvided"): _UGC,
    ("*", "*", "UserMakeAvailableLabelProvided"): _UGC,
    **{("*", "*", use): int(UsageClass.SYNC) for use in ("Dub", "DubForMovies", "DubForTV")},
    # Not AVS values: the names AI platforms agreed to send for generations and remixes.
    ("*", "*", "AIGeneration"): int(UsageClass.AI_GENERATION),
    ("*", "*", "AIRemix"): int(UsageClass.AI_REMIX),
}


def _candidates(record: str, model: str, use: str) -> tuple[ClassKey, ...]:
    return (
        (record, model, use),
        (record, "*", use),
        (record, model, "*"),
        (record, "*", "*"),
        ("*", model, use),
        ("*", "*", use),
        ("*", model, "*"),
    )


class ClassTable:
    def __init__(self, overrides: Mapping[ClassKey, int] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def lookup(self, record: str, model: str, use: str) -> int | None:
        keys = _candidates(record, model, use)
        for table in (self.overrides, DEFAULT_CLASSES):
            for key in keys:
                found = table.get(key)
                if found is not None:
                    return found
        return None


def load_class_table(conn: Connection, platform_id: int) -> ClassTable:
    """The platform's override rows over the defaults (no table yet: defaults only)."""
    query = select(class_overrides).where(class_overrides.c.platform_id == platform_id)
    rows = {
        (r.record, r.commercial_model, r.use_type): int(r.usage_class) for r in conn.execute(query)
    }
    return ClassTable(rows)


def set_class_override(
    conn: Connection,
    platform_id: int,
    record: str,
    commercial_model: str,
    use_type: str,
    usage_class: int | None,
) -> None:
    """Adds or replaces one override row; usage_class None removes it."""
    if record not in ("*", "SU01", "SU02", "SU03"):
        raise CatalogError(f"record must be *, SU01, SU02 or SU03, got {record!r}")
    if usage_class is not None and not 0 <= usage_class < NUM_CLASSES:
        raise CatalogError(f"usage_class must be 0-{NUM_CLASSES - 1}, got {usage_class}")
    key = (
        (class_overrides.c.platform_id == platform_id)
        & (class_overrides.c.record == record)
        & (class_overrides.c.commercial_model == commercial_model)
        & (class_overrides.c.use_type == use_type)
    )
    conn.execute(delete(class_overrides).where(key))
    if usage_class is not None:
        conn.execute(
            insert(class_overrides).values(
                platform_id=platform_id,
                record=record,
                commercial_model=commercial_model,
                use_type=use_type,
                usage_class=usage_class,
            )
        )
