"""Writing DSRF flat files from the schemas' column lists (fixtures, benchmarks, the demo).

`DsrWriter` lays each record out with every column of its record type, in schema order, and
computes the FOOT counts (every physical line, summaries, blocks) unless told otherwise.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

_SY_COMMON = [
    "SummaryRecordId",
    "DistributionChannel",
    "DistributionChannelDPID",
    "CommercialModel",
    "UseType",
    "Territory",
    "ServiceDescription",
]
_AS_COMMON = [
    "BlockId",
    "ResourceReference",
    "DspResourceId",
    "ISRC",
    "Title",
    "SubTitle",
    "DisplayArtistName",
    "DisplayArtistPartyId",
    "Duration",
    "ResourceType",
]
_WORK = [
    "ISWC",
    "ComposerAuthor",
    "ComposerAuthorPartyId",
    "Arranger",
    "ArrangerPartyId",
    "MusicPublisher",
    "MusicPublisherPartyId",
    "WorkContributor",
    "WorkContributorPartyId",
    "ProprietaryWorkId",
]
#: Column names after the record type, per record type (ddexnet/dsrf schemas).
COLUMNS: dict[str, list[str]] = {
    "HEAD": [
        "MessageVersion",
        "Profile",
        "ProfileVersion",
        "MessageId",
        "MessageCreatedDateTime",
        "FileNumber",
        "NumberOfFiles",
        "UsageStartDate",
        "UsageEndDate",
        "SenderPartyId",
        "SenderName",
        "ServiceDescription",
        "RecipientPartyId",
        "RecipientName",
        "RepresentedRepertoire",
    ],
    "SY01.01": [
        *_SY_COMMON,
        "Usages",
        "Subscribers",
        "CurrencyOfReporting",
        "NetRevenue",
        "IndirectNetRevenue",
        "CurrencyOfTransaction",
        "ExchangeRate",
    ],
    "SY02.01": [
        *_SY_COMMON,
        "Usages",
        "Users",
        "CurrencyOfReporting",
        "NetRevenue",
        "RightsController",
        "RightsControllerPartyId",
        "AllocatedUsages",
        "AllocatedRevenue",
        "AllocatedNetRevenue",
        "RightsType",
    ],
    "SY02.02": [
        *_SY_COMMON,
        "Usages",
        "Users",
        "CurrencyOfReporting",
        "NetRevenue",
        "RightsController",
        "RightsControllerPartyId",
        "AllocatedUsages",
        "AllocatedRevenue",
        "AllocatedNetRevenue",
        "RightsType",
        "ContentCategory",
        "CurrencyOfTransaction",
        "ExchangeRate",
        "RightsTypePercentage",
    ],
    "SY05.02": [
        *_SY_COMMON,
        "RightsController",
        "RightsControllerPartyId",
        "RightsType",
        "TotalUsages",
        "AllocatedUsages",
        "MusicUsageRatio",
        "AllocatedNetRevenue",
        "AllocatedRevenue",
        "RightsControllerMarketShare",
        "CurrencyOfReporting",
        "CurrencyOfTransaction",
        "ExchangeRate",
        "SubscriberType",
        "SubPeriodStartDate",
        "SubPeriodEndDate",
        "ContentCategory",
        "RightsTypePercentage",
    ],
    "SY09": [
        "SummaryRecordId",
        "CommercialModel",
        "UseType",
        "Territory",
        "ServiceDescription",
        "SubscriberType",
        "RightsController",
        "RightsControllerPartyId",
        "RightsType",
        "TotalUsages",
        "AllocatedUsages",
        "NetRevenue",
        "IndirectNetRevenue",
        "RightsControllerMarketShare",
        "CurrencyOfReporting",
        "CurrencyOfTransaction",
        "ExchangeRate",
        "RightsTypePercentage",
    ],
    "AS01": _AS_COMMON,
    "AS01.01": [*_AS_COMMON, "IsMasterRecording"],
    "AS02.01": [*_AS_COMMON, *_WORK],
    "AS02.02": [*_AS_COMMON, *_WORK, "IsMasterRecording"],
    "MW01.01": ["BlockId", "DspWorkId", "ISWC", "Title", "SubTitle", "ComposerAuthor"],
    "RE01": [
        "BlockId",
        "ReleaseReference",
        "DspReleaseId",
        "ProprietaryReleaseId",
        "CatalogNumber",
        "ICPN",
        "DisplayArtistName",
        "DisplayArtistPartyId",
        "Title",
        "SubTitle",
        "ReleaseType",
        "Label",
        "PLine",
        "DataProvider",
    ],
    "RE02": [
        "BlockId",
        "ReleaseReference",
        "DspSubReleaseId",
        "ProprietarySubReleaseId",
        "UsedResources",
    ],
    "SU01": [
        "BlockId",
        "SummaryRecordId",
        "SalesTransactionId",
        "TransactedRelease",
        "TransactedResource",
        "IsRoyaltyBearing",
        "SalesUpgrade",
        "Usages",
        "Returns",
        "PriceConsumerPaidExcSalesTax",
        "PromotionalActivity",
    ],
    "SU02": [
        "BlockId",
        "SummaryRecordId",
        "SalesTransactionId",
        "TransactedRelease",
        "TransactedResource",
        "IsRoyaltyBearing",
        "NumberOfStreams",
        "PriceConsumerPaidExcSalesTax",
        "PromotionalActivity",
    ],
    "SU03.01": [
        "BlockId",
        "SalesTransactionId",
        "SummaryRecordId",
        "DspResourceId",
        "Usages",
        "NetRevenue",
        "ValidityPeriodStart",
        "ValidityPeriodEnd",
    ],
    "SU03.02": [
        "BlockId",
        "SalesTransactionId",
        "SummaryRecordId",
        "DspResourceId",
        "Usages",
        "NetRevenue",
        "ValidityPeriodStart",
        "ValidityPeriodEnd",
        "ContentCategory",
        "IsRoyaltyBearing",
    ],
    "RU01": ["BlockId", "SummaryRecordId", "DspReleaseId", "Usages"],
    "RU01.01": ["BlockId", "SummaryRecordId", "DspReleaseId", "Usages"],
    "LI01": [
        "BlockId",
        "SummaryRecordId",
        "RightsController",
        "RightsControllerPartyId",
        "RightsControllerWorkId",
        "RightSharePercentage",
        "RightsType",
        "AllocatedNetRevenue",
        "AllocatedAmount",
    ],
    "LI01.02": [
        "BlockId",
        "SummaryRecordId",
        "RightsController",
        "RightsControllerPartyId",
        "RightsControllerWorkId",
        "RightSharePercentage",
        "RightsType",
        "AllocatedNetRevenue",
        "AllocatedAmount",
        "AllocatedUsages",
    ],
    "FOOT": [
        "NumberOfLinesInFile",
        "NumberOfLinesInReport",
        "NumberOfSummaryRecords",
        "NumberOfBlocksInFile",
        "NumberOfBlocksInReport",
    ],
}


def escape(value: str) -> str:
    return value.replace("|", "\\|")


def multi(values: Iterable[str]) -> str:
    return "|".join(escape(v) for v in values)


def record(kind: str, **cells: object) -> str:
    names = COLUMNS[kind]
    row = [""] * len(names)
    for name, value in cells.items():
        row[names.index(name)] = str(value)
    return "\t".join([kind, *row])


class DsrWriter:
    """Lines of one DSRF file; `finish()` appends FOOT, `write()` saves it (gzip if .gz)."""

    def __init__(
        self,
        message_id: str = "MSG-1",
        start: str = "2023-11-14",
        end: str = "2023-11-20",
        profile: str = "BasicAudioProfile",
        version: str = "1.2",
        file_number: int = 1,
        number_of_files: int = 1,
        sender: str = "PADPIDA2014021302X",
        comments: bool = True,
    ) -> None:
        self.lines = [
            record(
                "HEAD",
                MessageVersion="dsrf/3.0/1.0/1.0",
                Profile=profile,
                ProfileVersion=version,
                MessageId=message_id,
                MessageCreatedDateTime="2023-11-21T10:00:00Z",
                FileNumber=file_number,
                NumberOfFiles=number_of_files,
                UsageStartDate=start,
                UsageEndDate=end,
                SenderPartyId=sender,
                SenderName="Example Platform",
                ServiceDescription="Streaming",
                RecipientPartyId="PADPIDA2023111401R",
                RecipientName="Royalty Oracle",
            )
        ]
        self.summaries = 0
        self.blocks: list[str] = []
        self.comments = comments
        self._commented: set[str] = set()

    def add(self, kind: str, **cells: object) -> DsrWriter:
        if self.comments and kind not in self._commented:
            self._commented.add(kind)
            self.lines.append("\t".join([f"#{kind}", *COLUMNS[kind]]))
        if kind.startswith("SY"):
            self.summaries += 1
        block = cells.get("BlockId")
        if block is not None and (not self.blocks or self.blocks[-1] != str(block)):
            self.blocks.append(str(block))
        self.lines.append(record(kind, **cells))
        return self

    def stream_summary(
        self,
        summary_id: str,
        use_type: str = "OnDemandStream",
        territory: str = "US",
        usages: int = 0,
        commercial_model: str = "SubscriptionModel",
    ) -> DsrWriter:
        """An SY02.02 summary of a streaming service (BasicAudioProfile / UgcProfile 1.2)."""
        return self.add(
            "SY02.02",
            SummaryRecordId=summary_id,
            CommercialModel=commercial_model,
            UseType=use_type,
            Territory=territory,
            ServiceDescription="Streaming",
            Usages=usages,
            CurrencyOfReporting="USD",
            NetRevenue="0.00",
            ContentCategory="Music",
        )

    def stream_block(self, number: int, isrc: str, summary_id: str, streams: int | str) -> None:
        """Block `B<number>`: one AS01.01 resource with `isrc`, one SU02 line of `streams`."""
        block = f"B{number}"
        self.add(
            "AS01.01",
            BlockId=block,
            ResourceReference="R1",
            DspResourceId=f"DSP{number}",
            ISRC=isrc.replace("-", ""),
            Title=f"Track {number}",
            DisplayArtistName="Artist",
            ResourceType="SoundRecording",
        )
        self.add(
            "SU02",
            BlockId=block,
            SummaryRecordId=summary_id,
            SalesTransactionId=f"T{number}",
            TransactedResource="R1",
            NumberOfStreams=streams,
        )

    def raw(self, line: str) -> DsrWriter:
        self.lines.append(line)
        return self

    def finish(
        self,
        lines: int | None = None,
        summaries: int | None = None,
        blocks: int | None = None,
        lines_in_report: int | str | None = None,
        blocks_in_report: int | str | None = None,
    ) -> str:
        count = len(self.lines) + 1
        foot = record(
            "FOOT",
            NumberOfLinesInFile=count if lines is None else lines,
            NumberOfLinesInReport=count if lines_in_report is None else lines_in_report,
            NumberOfSummaryRecords=self.summaries if summaries is None else summaries,
            NumberOfBlocksInFile=len(self.blocks) if blocks is None else blocks,
            NumberOfBlocksInReport=len(self.blocks)
            if blocks_in_report is None
            else blocks_in_report,
        )
        return "\n".join([*self.lines, foot]) + "\n"

    def write(self, path: Path, text: str | None = None) -> Path:
        data = (self.finish() if text is None else text).encode()
        if path.suffix == ".gz":
            data = gzip.compress(data, mtime=0)
        path.write_bytes(data)
        return path


def streaming_report(
    usage: Iterable[tuple[str, int]],
    message_id: str = "MSG-1",
    start: str = "2023-11-14",
    end: str = "2023-11-20",
    use_type: str = "OnDemandStream",
) -> DsrWriter:
    """A Basic Audio Profile 1.2 report: one SY02.02 summary, one block (AS01.01 + SU02) per
    (ISRC, streams) item."""
    writer = DsrWriter(message_id, start, end)
    items = list(usage)
    writer.stream_summary("S1", use_type, usages=sum(n for _i, n in items))
    for number, (isrc, streams) in enumerate(items, start=1):
        writer.stream_block(number, isrc, "S1", streams)
    return writer
