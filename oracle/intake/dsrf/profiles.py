"""Column layouts of the DSRF 3.x profiles this reader supports, from the ddexnet/dsrf schemas.

Only the columns the oracle interprets are listed, by 0-based position (the record type is
column 0). A record may stop early when its trailing cells are optional, so each layout names
the fewest columns it must have. `Profile`/`ProfileVersion` in HEAD select the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Kind(IntEnum):
    SUMMARY = 0
    RELEASE = 1  # RE01: the block's head release
    RESOURCE = 2  # AS01/AS02: carries the ISRC(s)
    WORK = 3  # MW01: musical work, not interpreted
    SUBRELEASE = 4  # RE02: a sub-release made of resources of the block
    USAGE = 5  # SU01 downloads, SU02 streams, SU03 UGC usages: the units
    BREAKDOWN = 6  # RU01/RU02: per-video breakdowns of a usage, never counted
    LICENSOR = 7  # LI01: licensor details of the preceding SU03 (may carry its summary)


#: Order of records inside a block: RE01, then resources and works, then RE02, then usages.
PHASE = {
    Kind.RELEASE: 0,
    Kind.RESOURCE: 1,
    Kind.SUBRELEASE: 2,
    Kind.USAGE: 3,
    Kind.BREAKDOWN: 3,
    Kind.LICENSOR: 3,
}


@dataclass(frozen=True)
class Layout:
    record: str
    kind: Kind
    columns: dict[str, int]
    min_columns: int
    #: Usage records: SU01, SU02 or SU03 (the family the class table is keyed by).
    family: str = ""


HEAD = Layout(
    "HEAD",
    Kind.SUMMARY,
    {
        "MessageVersion": 1,
        "Profile": 2,
        "ProfileVersion": 3,
        "MessageId": 4,
        "MessageCreatedDateTime": 5,
        "FileNumber": 6,
        "NumberOfFiles": 7,
        "UsageStartDate": 8,
        "UsageEndDate": 9,
        "SenderPartyId": 10,
        "SenderName": 11,
        "ServiceDescription": 12,
        "RecipientPartyId": 13,
    },
    11,
)
FOOT = Layout(
    "FOOT",
    Kind.SUMMARY,
    {
        "NumberOfLinesInFile": 1,
        "NumberOfLinesInReport": 2,
        "NumberOfSummaryRecords": 3,
        "NumberOfBlocksInFile": 4,
        "NumberOfBlocksInReport": 5,
    },
    5,
)

_SUMMARY_BASE = {"SummaryRecordId": 1, "CommercialModel": 4, "UseType": 5, "Territory": 6}


def _summary(record: str, **extra: int) -> Layout:
    columns = {**_SUMMARY_BASE, **extra}
    return Layout(record, Kind.SUMMARY, columns, 7)


_SY09 = Layout(
    "SY09",
    Kind.SUMMARY,
    {
        "SummaryRecordId": 1,
        "CommercialModel": 2,
        "UseType": 3,
        "Territory": 4,
        "NetRevenue": 12,
        "CurrencyOfReporting": 15,
    },
    5,
)


def _resource(record: str) -> Layout:
    columns = {"BlockId": 1, "ResourceReference": 2, "DspResourceId": 3, "ISRC": 4}
    return Layout(record, Kind.RESOURCE, columns, 4)


def _plain(record: str, kind: Kind, **columns: int) -> Layout:
    all_columns = {"BlockId": 1, **columns}
    return Layout(record, kind, all_columns, max(all_columns.values()) + 1)


_RE01 = _plain("RE01", Kind.RELEASE, ReleaseReference=2)
_RE02 = _plain("RE02", Kind.SUBRELEASE, ReleaseReference=2, UsedResources=5)
_SU01 = Layout(
    "SU01",
    Kind.USAGE,
    {
        "BlockId": 1,
        "SummaryRecordId": 2,
        "SalesTransactionId": 3,
        "TransactedRelease": 4,
        "TransactedResource": 5,
        "Usages": 8,
        "Returns": 9,
        "PriceConsumerPaidExcSalesTax": 10,
    },
    10,
    "SU01",
)
_SU02 = Layout(
    "SU02",
    Kind.USAGE,
    {
        "BlockId": 1,
        "SummaryRecordId": 2,
        "SalesTransactionId": 3,
        "TransactedRelease": 4,
        "TransactedResource": 5,
        "NumberOfStreams": 7,
        "PriceConsumerPaidExcSalesTax": 8,
    },
    8,
    "SU02",
)


def _su03(record: str) -> Layout:
    columns = {
        "BlockId": 1,
        "SalesTransactionId": 2,
        "SummaryRecordId": 3,
        "DspResourceId": 4,
        "Usages": 5,
        "NetRevenue": 6,
    }
    return Layout(record, Kind.USAGE, columns, 6, "SU03")


def _li01(record: str) -> Layout:
    return _plain(record, Kind.LICENSOR, SummaryRecordId=2)


def _other(record: str, kind: Kind) -> Layout:
    return Layout(record, kind, {"BlockId": 1}, 2)


@dataclass(frozen=True)
class Profile:
    name: str
    version: str
    records: dict[str, Layout] = field(default_factory=dict)


def _profile(name: str, version: str, layouts: list[Layout]) -> Profile:
    return Profile(name, version, {layout.record: layout for layout in layouts})


_SY_OLD = [
    _summary("SY01", CurrencyOfReporting=10, NetRevenue=11, Usages=8),
    _summary("SY02.01", CurrencyOfReporting=10, NetRevenue=11, Usages=8),
    _summary("SY03"),
    _summary("SY04"),
    _summary("SY05"),
]
_SY_12 = [
    _summary("SY01.01", CurrencyOfReporting=10, NetRevenue=11, Usages=8),
    _summary("SY02.02", CurrencyOfReporting=10, NetRevenue=11, Usages=8),
    _summary("SY04.01", CurrencyOfReporting=14, NetRevenue=18),
    _summary("SY05.02", CurrencyOfReporting=17, NetRevenue=14),
]
_BAP_OLD_BLOCK = [
    _RE01,
    _resource("AS01"),
    _resource("AS02.01"),
    _other("MW01", Kind.WORK),
    _other("MW01.01", Kind.WORK),
    _RE02,
    _SU01,
    _SU02,
]
_BAP_12_BLOCK = [
    _RE01,
    _resource("AS01.01"),
    _resource("AS02.02"),
    _other("MW01.01", Kind.WORK),
    _RE02,
    _SU01,
    _SU02,
]
_UGC_OLD_BLOCK = [
    _resource("AS01"),
    _resource("AS02.01"),
    _other("MW01", Kind.WORK),
    _other("MW01.01", Kind.WORK),
    _other("RU01", Kind.BREAKDOWN),
    _other("RU02", Kind.BREAKDOWN),
    _su03("SU03.01"),
    _li01("LI01"),
    _li01("LI01.01"),
]
_UGC_12_BLOCK = [
    _resource("AS01.01"),
    _resource("AS02.02"),
    _other("MW01.01", Kind.WORK),
    _other("RU01.01", Kind.BREAKDOWN),
    _other("RU02.01", Kind.BREAKDOWN),
    _su03("SU03.02"),
    _li01("LI01.02"),
]

PROFILES: dict[tuple[str, str], Profile] = {}
for _version in ("1.0", "1.1"):
    PROFILES[("basicaudioprofile", _version)] = _profile(
        "BasicAudioProfile", _version, [*_SY_OLD, *_BAP_OLD_BLOCK]
    )
PROFILES[("basicaudioprofile", "1.2")] = _profile(
    "BasicAudioProfile", "1.2", [*_SY_12, *_BAP_12_BLOCK]
)
for _version in ("1.0", "1.1", "1.1.1"):
    PROFILES[("ugcprofile", _version)] = _profile(
        "UgcProfile", _version, [*_SY_OLD[1:2], *_SY_OLD[3:], *_UGC_OLD_BLOCK]
    )
PROFILES[("ugcprofile", "1.2")] = _profile(
    "UgcProfile", "1.2", [_SY_12[1], _SY_12[2], _SY09, _SY_12[3], *_UGC_12_BLOCK]
)


def find_profile(name: str, version: str) -> Profile | None:
    return PROFILES.get((name.strip().lower(), version.strip()))


def supported() -> list[str]:
    return sorted({f"{p.name} {p.version}" for p in PROFILES.values()})
