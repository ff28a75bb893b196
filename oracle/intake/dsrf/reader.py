"""Streaming reader of DSRF flat-file reports (one or several files, plain or gzip).

One pass per file, in FileNumber order. Memory holds the summaries, the current block's
resources and the aggregate (one entry per ISRC x summary context), never the lines: it stays
flat however long the report is. Every fault names the file, physical line, record type and
column; reading goes on after a fault so one pass lists them all.

Units: SU01 Usages - Returns (downloads), SU02 NumberOfStreams, SU03 Usages (UGC). RU01/RU02
break a usage down per video and are never counted. A usage record points at a resource of its
block (SU01/SU02 TransactedResource by ResourceReference, SU03 DspResourceId) or at a release
(TransactedRelease: RE01 = every resource of the block, RE02 = its UsedResources), and at a
summary (SummaryRecordId) giving CommercialModel, UseType and Territory; an SU03 without one
takes it from the LI01 that follows it.

Speed: the common line, a full-width SU02 of the current block, is matched as bytes against the
block's resource references and the known SU02 summary ids and counted into per-ISRC rows of
per-context counts; every other line is decoded (UTF-8 checked) and read in full. So an SU02's
cells the oracle does not read are not UTF-8 checked.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from oracle.intake.dsrf.cells import (
    is_date_time,
    isrc_or_none,
    parse_count,
    parse_decimal,
    period_bounds,
    split_multi,
    unescape,
)
from oracle.intake.dsrf.classes import ClassTable
from oracle.intake.dsrf.profiles import FOOT, HEAD, PHASE, Kind, Layout, Profile, find_profile
from oracle.intake.units import MAX_ID_DIGITS
from oracle.intake.units import parse_count as parse_id

#: Aggregation keys: isrc index * CONTEXTS + summary context index.
CONTEXTS = 1 << 12
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    record: str
    column: str
    message: str


class Issues:
    """Every fault is counted; the first `cap` are kept."""

    def __init__(self, cap: int = 100) -> None:
        self.cap = cap
        self.items: list[Issue] = []
        self.total = 0

    def add(self, file: str, line: int | None, record: str, column: str, message: str) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(Issue(file, line, record, column, message))


@dataclass(frozen=True)
class Context:
    """What a usage line inherits from its summary (and its record family)."""

    summary_id: str
    family: str
    usage_class: int
    use_type: str
    commercial_model: str
    territory: str
    currency: str


@dataclass
class _Summary:
    line: int
    file: str
    commercial_model: str
    use_type: str
    territory: str
    currency: str


@dataclass
class FileStats:
    name: str
    file_number: int | None = None
    number_of_files: int | None = None
    lines: int = 0
    summaries: int = 0
    blocks: int = 0
    foot_line: int | None = None
    lines_in_report: str = ""
    blocks_in_report: str = ""


@dataclass
class DsrResult:
    message_id: str | None = None
    profile: str | None = None
    profile_version: str | None = None
    sender: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    files: list[FileStats] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    isrcs: list[str] = field(default_factory=list)
    #: Per ISRC index: (units, first line, last line) per context index; last line 0 = none.
    rows: list[tuple[list[int], list[int], list[int]]] = field(default_factory=list)
    width: int = 16
    revenue: dict[int, Decimal] = field(default_factory=dict)
    usage_records: int = 0

    def entries(self) -> Iterator[tuple[int, int, int, int, int]]:
        """(isrc index, context index, units, first line, last line) of every aggregate."""
        contexts = len(self.contexts)
        for isrc_index, (units, first, last) in enumerate(self.rows):
            for ctx in range(contexts):
                if last[ctx]:
                    yield isrc_index, ctx, units[ctx], first[ctx], last[ctx]


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, gunzipped when it starts with the gzip magic bytes."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def open_text(path: Path) -> IO[str]:
    """The file as text, gunzipped when it starts with the gzip magic bytes."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


def read_first_line(path: Path) -> list[str]:
    try:
        with open_text(path) as handle:
            return handle.readline().rstrip("\r\n").split("\t")
    except (OSError, UnicodeDecodeError, EOFError):
        return []


class DsrReader:
    def __init__(
        self,
        classes: ClassTable,
        known_isrcs: Mapping[str, int] | None = None,
        issues: Issues | None = None,
    ) -> None:
        self.classes = classes
        self.known = known_isrcs or {}
        self.issues = issues or Issues()
        self.result = DsrResult()
        self.profile: Profile | None = None
        self._summaries: dict[str, _Summary] = {}
        self._ctx_cache: dict[str, dict[str, int]] = {"SU01": {}, "SU02": {}, "SU03": {}}
        self._isrc_index: dict[str, int] = {}
        self._cell_base: dict[str, int] = {}
        self._file = ""
        self._stats = FileStats("")
        self._res_by_ref: dict[str, int] = {}
        self._res_bytes: dict[bytes, tuple[list[int], list[int], list[int]]] = {}
        self._res_by_dsp: dict[str, int] = {}
        self._releases: dict[str, list[str] | None] = {}
        #: SU02 summary id (as bytes) -> context, for the read loop.
        self._ctx_su02_bytes: dict[bytes, int] = {}
        self._reset_block("")
        self._pending: tuple[list[int], int, Decimal | None, int] | None = None
        self._in_blocks = False

    # ---- entry point -------------------------------------------------------------------
    def read(self, files: Sequence[tuple[str, Path]]) -> DsrResult:
        """Reads the files of one report; `files` are (name for errors, path) in any order."""
        ordered = sorted(files, key=lambda f: head_file_number(read_first_line(f[1])))
        for name, path in ordered:
            self._read_file(name, path)
        self._check_set()
        return self.result

    # ---- one file ------------------------------------------------------------------------
    def _read_file(self, name: str, path: Path) -> None:
        self._file = name
        stats = self._stats = FileStats(name)
        self.result.files.append(stats)
        self._reset_block("")
        self._in_blocks = False
        issues, result = self.issues, self.result
        ctx_su02 = self._ctx_su02_bytes.get
        resource = self._res_bytes.get
        line = fast = 0
        foot_seen = fast_in_block = False
        block_id = b""
        try:
            with open_binary(path) as handle:
                for raw in handle:
                    line += 1
                    fields_b = raw.split(b"\t")
                    # The common line (a full-width SU02 of the current block, plain digits),
                    # handled here in full, as bytes; anything else takes the general path.
                    if (
                        fields_b[0] == b"SU02"
                        and len(fields_b) == 10
                        and fields_b[1] == block_id
                        and not fields_b[4]
                        and not fields_b[8]
                    ):
                        ctx = ctx_su02(fields_b[2], -1)
                        row = resource(fields_b[5])
                        count = fields_b[7]
                        if (
                            ctx >= 0
                            and row is not None
                            and count.isdigit()
                            and len(count) < 10
                            and not foot_seen
                        ):
                            units, first, last = row
                            if not last[ctx]:
                                first[ctx] = line
                            units[ctx] += int(count)
                            last[ctx] = line
                            fast += 1
                            fast_in_block = True
                            continue
                    if fast_in_block:
                        self._phase, fast_in_block = 3, False
                    try:
                        text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
                    except UnicodeDecodeError as exc:
                        issues.add(
                            name, line, "", "", f"not UTF-8 ({exc.reason} at byte {exc.start})"
                        )
                        continue
                    if foot_seen:
                        issues.add(name, line, "", "RecordType", "a line after the FOOT record")
                        continue
                    fields = text.rstrip("\r\n").split("\t")
                    kind = fields[0]
                    if line == 1:
                        self._head(fields)
                    elif kind == "FOOT":
                        foot_seen = True
                        self._foot(fields, line)
                    else:
                        self._record(kind, fields, line, text)
                    block_id = self._block_bytes
        except (OSError, EOFError) as exc:
            issues.add(name, line + 1, "", "", f"unreadable ({exc}); truncated gzip?")
        result.usage_records += fast
        stats.lines = line
        self._close_block(line)
        if line == 0:
            issues.add(name, None, "HEAD", "", "the file is empty")
        elif not foot_seen:
            issues.add(name, line, "FOOT", "", "the FOOT record is missing (truncated file?)")

    # ---- HEAD / FOOT -----------------------------------------------------------------------
    def _head(self, fields: list[str]) -> None:
        name, issues, result = self._file, self.issues, self.result
        if fields[0] != "HEAD":
            issues.add(name, 1, fields[0], "RecordType", "the first record must be HEAD")
            return
        if len(fields) < HEAD.min_columns:
            issues.add(name, 1, "HEAD", "", f"{len(fields)} columns, HEAD needs {HEAD.min_columns}")
            return
        col = HEAD.columns
        profile = find_profile(fields[col["Profile"]], fields[col["ProfileVersion"]])
        if profile is None:
            issues.add(
                name,
                1,
                "HEAD",
                "Profile",
                f"profile {fields[col['Profile']]!r} version {fields[col['ProfileVersion']]!r} "
                "is not supported (BasicAudioProfile 1.0-1.2, UgcProfile 1.0-1.2)",
            )
        elif self.profile is not None and profile is not self.profile:
            issues.add(name, 1, "HEAD", "Profile", "the files of one report use other profiles")
        else:
            self.profile = profile
        if not fields[col["MessageVersion"]].startswith("dsrf/"):
            issues.add(name, 1, "HEAD", "MessageVersion", "must start with 'dsrf/'")
        message_id = fields[col["MessageId"]].strip()
        if not 1 <= len(message_id) <= 200:
            issues.add(name, 1, "HEAD", "MessageId", "MessageId must be 1-200 characters")
        elif result.message_id is None:
            result.message_id = message_id
        elif message_id != result.message_id:
            issues.add(
                name,
                1,
                "HEAD",
                "MessageId",
                f"{message_id!r}, other files say {result.message_id!r}",
            )
        if not is_date_time(fields[col["MessageCreatedDateTime"]]):
            issues.add(
                name, 1, "HEAD", "MessageCreatedDateTime", "not YYYY-MM-DDThh:mm:ss with zone"
            )
        stats = self._stats
        for column in ("FileNumber", "NumberOfFiles"):
            value, why = parse_count(fields[col[column]])
            if why is not None or not value:
                issues.add(name, 1, "HEAD", column, f"must be a positive integer, {why or '0'}")
            else:
                setattr(
                    stats, "file_number" if column == "FileNumber" else "number_of_files", value
                )
        start_text, end_text = fields[col["UsageStartDate"]], fields[col["UsageEndDate"]]
        start, end, why = period_bounds(start_text, end_text)
        if why is not None:
            column = "UsageStartDate" if start is None else "UsageEndDate"
            issues.add(name, 1, "HEAD", column, why)
        elif result.period_start is None:
            result.period_start, result.period_end = start, end
        elif (start, end) != (result.period_start, result.period_end):
            issues.add(name, 1, "HEAD", "UsageStartDate", "the files of one report differ")
        sender = fields[col["SenderPartyId"]].strip()
        if not sender.startswith("PADPIDA"):
            issues.add(name, 1, "HEAD", "SenderPartyId", f"not a DDEX party id: {sender!r}")
        elif result.sender is None:
            result.sender = sender
        if profile is not None:
            result.profile, result.profile_version = profile.name, profile.version

    def _foot(self, fields: list[str], line: int) -> None:
        name, stats = self._file, self._stats
        self._close_block(line)
        stats.foot_line = line
        if len(fields) < FOOT.min_columns:
            self.issues.add(
                name, line, "FOOT", "", f"{len(fields)} columns, FOOT needs {FOOT.min_columns}"
            )
            return
        col = FOOT.columns
        checks = (
            ("NumberOfLinesInFile", line),
            ("NumberOfSummaryRecords", stats.summaries),
            ("NumberOfBlocksInFile", stats.blocks),
        )
        for column, actual in checks:
            declared, why = parse_count(fields[col[column]])
            if why is not None:
                self.issues.add(name, line, "FOOT", column, why)
            elif declared != actual:
                self.issues.add(
                    name, line, "FOOT", column, f"FOOT declares {declared}, the file has {actual}"
                )
        stats.lines_in_report = fields[col["NumberOfLinesInReport"]].strip()
        stats.blocks_in_report = fields[col["NumberOfBlocksInReport"]].strip()

    # ---- every other record ----------------------------------------------------------------
    def _record(self, kind: str, fields: list[str], line: int, text: str) -> None:
        name, issues = self._file, self.issues
        if kind.startswith("#"):
            self._comment(fields, line)
            return
        if not text.strip():
            return  # empty records are allowed (and counted by FOOT)
        if kind == "HEAD":
            issues.add(name, line, "HEAD", "RecordType", "a second HEAD record")
            return
        if self.profile is None:
            return  # no layout to read it with (reported on HEAD)
        layout = self.profile.records.get(kind)
        if layout is None:
            issues.add(
                name,
                line,
                kind,
                "RecordType",
                f"record type {kind!r} is not part of {self.profile.name} {self.profile.version}",
            )
            return
        if len(fields) < layout.min_columns:
            issues.add(
                name,
                line,
                kind,
                "",
                f"{len(fields)} columns, a {kind} record needs at least {layout.min_columns}",
            )
            return
        if layout.kind is Kind.SUMMARY:
            self._summary(layout, fields, line)
            return
        if not self._enter_block(layout, fields, line):
            return
        if layout.kind is Kind.USAGE:
            self._usage(layout, fields, line)
        elif layout.kind is Kind.RESOURCE:
            self._resource(layout, fields, line)
        elif layout.kind is Kind.RELEASE:
            self._releases[unescape(fields[layout.columns["ReleaseReference"]])] = None
        elif layout.kind is Kind.SUBRELEASE:
            used = [unescape(v) for v in split_multi(fields[layout.columns["UsedResources"]])]
            self._releases[unescape(fields[layout.columns["ReleaseReference"]])] = used
        elif layout.kind is Kind.LICENSOR:
            self._licensor(layout, fields, line)

    def _comment(self, fields: list[str], line: int) -> None:
        """`#RECORD<TAB>names...`: a shifted layout shows as a known column name elsewhere."""
        if self.profile is None:
            return
        layout = self.profile.records.get(fields[0][1:])
        if layout is None:
            return
        names = [f.strip().lower() for f in fields]
        for column, index in layout.columns.items():
            found = names.index(column.lower()) if column.lower() in names else index
            if found != index:
                self.issues.add(
                    self._file,
                    line,
                    f"#{layout.record}",
                    column,
                    f"the # line puts {column} in column {found}, "
                    f"{self.profile.name} {self.profile.version} has it in column {index}",
                )
                return

    def _summary(self, layout: Layout, fields: list[str], line: int) -> None:
        name, issues, col = self._file, self.issues, layout.columns
        self._stats.summaries += 1
        if self._in_blocks:
            issues.add(name, line, layout.record, "RecordType", "a summary record after a block")
        summary_id = fields[col["SummaryRecordId"]].strip()
        values = {}
        for column in ("CommercialModel", "UseType", "Territory"):
            values[column] = fields[col[column]].strip()
            if not values[column]:
                issues.add(name, line, layout.record, column, "is empty")
        currency = ""
        if "CurrencyOfReporting" in col and col["CurrencyOfReporting"] < len(fields):
            currency = fields[col["CurrencyOfReporting"]].strip()
            if currency and not (len(currency) == 3 and currency.isalpha()):
                issues.add(name, line, layout.record, "CurrencyOfReporting", "not ISO 4217")
        for column in ("NetRevenue", "Usages"):
            if column in col and col[column] < len(fields):
                cell = fields[col[column]].strip()
                if cell and parse_decimal(cell) is None:
                    issues.add(name, line, layout.record, column, f"not a decimal: {cell!r}")
        if not summary_id:
            issues.add(name, line, layout.record, "SummaryRecordId", "is empty")
            return
        found = _Summary(
            line,
            name,
            values["CommercialModel"],
            values["UseType"],
            values["Territory"],
            currency,
        )
        earlier = self._summaries.get(summary_id)
        if earlier is None:
            self._summaries[summary_id] = found
            return
        # One id may repeat, once per rights controller, for the same sales context.
        same = (earlier.commercial_model, earlier.use_type, earlier.territory, earlier.currency)
        if same != (found.commercial_model, found.use_type, found.territory, found.currency):
            issues.add(
                name,
                line,
                layout.record,
                "SummaryRecordId",
                f"{summary_id!r} repeats the summary of {earlier.file} line {earlier.line} "
                "with another CommercialModel/UseType/Territory/currency",
            )

    # ---- blocks ------------------------------------------------------------------------------
    def _reset_block(self, block_id: str) -> None:
        self._block_id = block_id
        self._block_bytes = block_id.encode()
        self._phase = -1
        # Cleared, not replaced: the read loop holds their lookup methods.
        self._res_by_ref.clear()
        self._res_bytes.clear()
        self._res_by_dsp.clear()
        self._releases.clear()

    def _close_block(self, line: int) -> None:
        if self._pending is not None:
            self.issues.add(
                self._file,
                self._pending[3],
                "SU03",
                "SummaryRecordId",
                "no SummaryRecordId and no LI01 with one follows",
            )
            self._pending = None

    def _enter_block(self, layout: Layout, fields: list[str], line: int) -> bool:
        block_id = fields[1]
        if block_id != self._block_id:
            self._close_block(line)
            if not block_id.strip():
                self.issues.add(self._file, line, layout.record, "BlockId", "is empty")
                return False
            self._reset_block(block_id)
            self._stats.blocks += 1
            self._in_blocks = True
        if layout.kind is Kind.WORK:
            return True
        phase = PHASE[layout.kind]
        if phase < self._phase or (layout.kind is Kind.RELEASE and self._phase >= 0):
            self.issues.add(
                self._file,
                line,
                layout.record,
                "RecordType",
                f"out of order in block {block_id!r}: releases, then resources, then "
                "sub-releases, then usages",
            )
            return False
        self._phase = phase
        return True

    def _resource(self, layout: Layout, fields: list[str], line: int) -> None:
        col = layout.columns
        ref = unescape(fields[col["ResourceReference"]])
        if ref in self._res_by_ref:
            self.issues.add(
                self._file, line, layout.record, "ResourceReference", f"{ref!r} used twice"
            )
            return
        cell = fields[col["ISRC"]] if col["ISRC"] < len(fields) else ""
        base = self._cell_base.get(cell)
        if base is None:
            base = self._isrc_cell(cell, layout.record, line)
            if base is None:
                return
        self._res_by_ref[ref] = base
        if fields[col["ResourceReference"]] == ref:
            self._res_bytes[ref.encode()] = self.result.rows[base // CONTEXTS]
        self._res_by_dsp.setdefault(unescape(fields[col["DspResourceId"]]), base)

    def _isrc_cell(self, cell: str, record: str, line: int) -> int | None:
        """The aggregation base of a resource's ISRC cell (cached per distinct cell)."""
        chosen = ""
        if cell.strip():
            isrcs = []
            for value in split_multi(cell):
                isrc = isrc_or_none(value)
                if isrc is None:
                    self.issues.add(
                        self._file,
                        line,
                        record,
                        "ISRC",
                        f"{value!r} is not an ISRC (CCXXXYYNNNNN, 12 characters)",
                    )
                    return None
                isrcs.append(isrc)
            # One recording may carry several ISRCs: it is paid once, to the first we know.
            chosen = next((i for i in isrcs if i in self.known), isrcs[0])
        index = self._isrc_index.get(chosen)
        if index is None:
            index = self._isrc_index[chosen] = len(self.result.isrcs)
            self.result.isrcs.append(chosen)
            width = self.result.width
            self.result.rows.append(([0] * width, [0] * width, [0] * width))
        base = index * CONTEXTS
        self._cell_base[cell] = base
        return base

    def _usage(self, layout: Layout, fields: list[str], line: int) -> None:
        name, issues, col, family = self._file, self.issues, layout.columns, layout.family
        self.result.usage_records += 1
        record = layout.record
        units_column = {"SU01": "Usages", "SU02": "NumberOfStreams", "SU03": "Usages"}[family]
        units, why = parse_count(fields[col[units_column]])
        if why is not None:
            issues.add(name, line, record, units_column, why)
            return
        assert units is not None
        if family == "SU01":
            returns, why = parse_count(fields[col["Returns"]] or "0")
            if why is not None or returns is None:
                issues.add(name, line, record, "Returns", why or "")
                return
            if returns > units:
                issues.add(name, line, record, "Returns", f"{returns} returns > {units} usages")
                return
            units -= returns
        bases = self._targets(layout, fields, line)
        if bases is None:
            return
        revenue: Decimal | None = None
        money_column = "NetRevenue" if family == "SU03" else "PriceConsumerPaidExcSalesTax"
        if col[money_column] < len(fields) and fields[col[money_column]].strip():
            amount = parse_decimal(fields[col[money_column]])
            if amount is None:
                issues.add(name, line, record, money_column, "not a decimal")
                return
            revenue = amount if family == "SU03" else amount * units
        summary_id = fields[col["SummaryRecordId"]].strip()
        if not summary_id and family == "SU03":
            self._close_block(line)
            self._pending = (bases, units, revenue, line)
            return
        self._close_block(line)
        ctx = self._context(family, summary_id, line, record)
        if family == "SU02" and summary_id == fields[col["SummaryRecordId"]]:
            self._ctx_su02_bytes[summary_id.encode()] = -1 if ctx is None else ctx
        if ctx is not None:
            self._add(bases, ctx, units, revenue, line)

    def _targets(self, layout: Layout, fields: list[str], line: int) -> list[int] | None:
        col, record = layout.columns, layout.record
        if layout.family == "SU03":
            ref = unescape(fields[col["DspResourceId"]])
            base = self._res_by_dsp.get(ref, self._res_by_ref.get(ref))
            if base is None:
                self._missing(line, record, "DspResourceId", ref)
                return None
            return [base]
        release = unescape(fields[col["TransactedRelease"]].strip())
        resource = unescape(fields[col["TransactedResource"]].strip())
        if bool(release) == bool(resource):
            self.issues.add(
                self._file,
                line,
                record,
                "TransactedResource",
                "exactly one of TransactedRelease and TransactedResource must be given",
            )
            return None
        if resource:
            base = self._res_by_ref.get(resource)
            if base is None:
                self._missing(line, record, "TransactedResource", resource)
                return None
            return [base]
        if release not in self._releases:
            self.issues.add(
                self._file,
                line,
                record,
                "TransactedRelease",
                f"no release {release!r} in block {self._block_id!r}",
            )
            return None
        used = self._releases[release]
        refs = list(self._res_by_ref) if used is None else used
        bases = []
        for ref in refs:
            base = self._res_by_ref.get(ref)
            if base is None:
                self._missing(line, record, "TransactedRelease", ref)
                return None
            bases.append(base)
        return bases

    def _missing(self, line: int, record: str, column: str, ref: str) -> None:
        self.issues.add(
            self._file,
            line,
            record,
            column,
            f"no resource {ref!r} in block {self._block_id!r} (a usage must point at a "
            "resource record of its own block)",
        )

    def _licensor(self, layout: Layout, fields: list[str], line: int) -> None:
        pending = self._pending
        if pending is None:
            return
        summary_id = fields[layout.columns["SummaryRecordId"]].strip()
        if not summary_id:
            return
        self._pending = None
        ctx = self._context("SU03", summary_id, line, layout.record)
        if ctx is not None:
            bases, units, revenue, usage_line = pending
            self._add(bases, ctx, units, revenue, usage_line)

    def _context(self, family: str, summary_id: str, line: int, record: str) -> int | None:
        cache = self._ctx_cache[family]
        ctx = cache.get(summary_id)
        if ctx is not None:
            return ctx if ctx >= 0 else None
        summary = self._summaries.get(summary_id)
        if summary is None:
            self.issues.add(
                self._file,
                line,
                record,
                "SummaryRecordId",
                f"no summary record with id {summary_id!r} (further lines naming it not listed)",
            )
            cache[summary_id] = -1
            return None
        usage_class = self.classes.lookup(family, summary.commercial_model, summary.use_type)
        if usage_class is None:
            self.issues.add(
                self._file,
                line,
                record,
                "UseType",
                f"no usage class for {family} CommercialModel {summary.commercial_model!r} "
                f"UseType {summary.use_type!r} (summary {summary_id!r}, {summary.file} line "
                f"{summary.line}); add a row to the platform's class table",
            )
            cache[summary_id] = -1
            return None
        contexts = self.result.contexts
        if len(contexts) >= CONTEXTS:
            self.issues.add(self._file, line, record, "SummaryRecordId", "too many summaries")
            cache[summary_id] = -1
            return None
        contexts.append(
            Context(
                summary_id,
                family,
                usage_class,
                summary.use_type,
                summary.commercial_model,
                summary.territory,
                summary.currency,
            )
        )
        if len(contexts) > self.result.width:  # rare: grow every row (few contexts)
            grow = self.result.width
            self.result.width *= 2
            for row in self.result.rows:
                for column in row:
                    column.extend([0] * grow)
        cache[summary_id] = len(contexts) - 1
        return len(contexts) - 1

    def _add(
        self, bases: list[int], ctx: int, units: int, revenue: Decimal | None, line: int
    ) -> None:
        result = self.result
        for position, base in enumerate(bases):
            key = base + ctx
            counts, first, last = result.rows[base // CONTEXTS]
            if not last[ctx]:
                first[ctx] = line
            counts[ctx] += units
            last[ctx] = line
            if revenue is not None and position == 0:
                result.revenue[key] = result.revenue.get(key, Decimal(0)) + revenue

    # ---- the set of files --------------------------------------------------------------------
    def _check_set(self) -> None:
        files, issues = self.result.files, self.issues
        if not files:
            issues.add("", None, "HEAD", "", "no files")
            return
        declared = {f.number_of_files for f in files if f.number_of_files}
        if len(declared) > 1:
            issues.add(files[0].name, 1, "HEAD", "NumberOfFiles", "the files disagree")
            return
        total = declared.pop() if declared else len(files)
        set_name = ", ".join(f.name for f in files)
        numbers = [f.file_number for f in files if f.file_number]
        for number in range(1, total + 1):
            if numbers.count(number) > 1:
                issues.add(set_name, 1, "HEAD", "FileNumber", f"file {number} of {total} twice")
            if number not in numbers:
                issues.add(
                    set_name,
                    None,
                    "HEAD",
                    "FileNumber",
                    f"file {number} of {total} of the report is missing",
                )
        for stats in files:
            if stats.file_number and stats.file_number > total:
                issues.add(stats.name, 1, "HEAD", "FileNumber", f"{stats.file_number} > {total}")
        report_lines = sum(f.lines for f in files)
        report_blocks = sum(f.blocks for f in files)
        for stats in files:
            last = stats.file_number == total
            for column, text, actual in (
                ("NumberOfLinesInReport", stats.lines_in_report, report_lines),
                ("NumberOfBlocksInReport", stats.blocks_in_report, report_blocks),
            ):
                if stats.foot_line is None:
                    continue
                if not text:
                    if last and total > 1:
                        issues.add(stats.name, stats.foot_line, "FOOT", column, "missing")
                    continue
                value, why = parse_count(text)
                if why is not None:
                    issues.add(stats.name, stats.foot_line, "FOOT", column, why)
                elif value != actual:
                    issues.add(
                        stats.name,
                        stats.foot_line,
                        "FOOT",
                        column,
                        f"FOOT declares {value}, the report has {actual}",
                    )


def head_file_number(head: list[str]) -> int:
    """The FileNumber a file's first line declares, 0 when that line is no HEAD or the number is
    not 1-19 ASCII digits (the file is then refused for it while it is read). It orders a set's
    files and numbers them in the set's manifest, in the intake and in its dry run alike."""
    if len(head) > 7 and head[0] == "HEAD":
        return parse_id(head[HEAD.columns["FileNumber"]], MAX_ID_DIGITS, "FileNumber")[0] or 0
    return 0
