"""The cut of an epoch by content hash, and an OracleNode that computes from a cut.

A node's intake sequence numbers are its own, so peers cannot agree on "everything up to
intake_seq N". The leader therefore names the cut by content: the raw hashes of the report
versions in force and the hashes of the operator's release statements counted. Each node maps
those hashes onto its own rows and computes the same totals, tree and data file from them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from chain_client.eip712 import SettlementReport
from oracle.epoch.computation import EpochInputs, EpochProposal
from oracle.epoch.errors import EpochError
from oracle.epoch.node import NodeResult, OracleNode
from oracle.epoch.totals import TotalKey
from oracle.store import epoch_repository as repo
from oracle.store.epoch_repository import PendingReport
from oracle.store.records import QuarantineStatus, ReportStatus
from oracle.store.schema import quarantine, reports, usage
from oracle.store.usage_repository import effective_report_version_ids

STATEMENT_PREFIX = "statement:"
"""quarantine.decided_by of a decision applied from an operator statement: prefix + its hash."""

_IN_FORCE = (ReportStatus.ACCEPTED.value, ReportStatus.SUPERSEDED.value)


@dataclass(frozen=True, slots=True)
class Cut:
    reports: tuple[str, ...]
    """Raw hashes (keccak of the stored bytes) of the report versions in force, sorted."""
    releases: tuple[str, ...] = ()
    """Hashes of the operator statements releasing quarantined usage that count, sorted."""

    @classmethod
    def of(cls, reports: Iterable[str], releases: Iterable[str] = ()) -> Cut:
        return cls(tuple(sorted(set(reports))), tuple(sorted(set(releases))))

    def as_json(self) -> dict[str, list[str]]:
        return {"reports": list(self.reports), "releases": list(self.releases)}

    @classmethod
    def from_json(cls, value: Any) -> Cut:
        return cls.of([str(h) for h in value["reports"]], [str(h) for h in value["releases"]])


class MissingInputs(EpochError):
    """The cut names reports or statements this node does not hold (yet)."""

    def __init__(self, reports: Sequence[str], statements: Sequence[str]) -> None:
        parts = []
        if reports:
            parts.append(f"reports {', '.join(reports)}")
        if statements:
            parts.append(f"statements {', '.join(statements)}")
        super().__init__(f"this node lacks {' and '.join(parts)}")
        self.reports = list(reports)
        self.statements = list(statements)


class InvalidCut(EpochError):
    """A cut this node refuses whatever its store holds (two versions of one report, ...)."""


def proposal_json(proposal: EpochProposal) -> dict[str, int]:
    return {
        "epoch": proposal.epoch,
        "config_version": proposal.config_version,
        "cut_seq": proposal.cut_seq,
        "block_number": proposal.block_number,
    }


def proposal_from_json(value: Any) -> EpochProposal:
    return EpochProposal(
        int(value["epoch"]),
        int(value["config_version"]),
        int(value["cut_seq"]),
        int(value["block_number"]),
    )


# ---- reading a store at a cut ---------------------------------------------------------------


def cut_at_seq(conn: Connection, cut_seq: int) -> Cut:
    """The leader's cut: versions in force at its own intake_seq, releases decided by then."""
    ids = effective_report_version_ids(conn, cut_seq)
    hashes: list[str] = []
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        query = select(reports.c.raw_hash).where(reports.c.id.in_(chunk))
        hashes.extend(str(h) for h in conn.execute(query).scalars())
    decided = conn.execute(
        select(quarantine.c.decided_by).where(
            quarantine.c.status == QuarantineStatus.RELEASED.value,
            quarantine.c.decision_seq <= cut_seq,
            quarantine.c.decided_by.like(f"{STATEMENT_PREFIX}%"),
            quarantine.c.report_version_id.in_(ids) if ids else quarantine.c.id < 0,
        )
    )
    releases = [str(d).removeprefix(STATEMENT_PREFIX) for (d,) in decided]
    return Cut.of(hashes, releases)


def local_versions(conn: Connection, raw_hashes: Sequence[str]) -> dict[str, tuple[int, int, str]]:
    """raw hash -> (version id, platform id, report id) of the versions this store accepted."""
    found: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(raw_hashes), 5_000):
        chunk = list(raw_hashes[start : start + 5_000])
        rows = conn.execute(
            select(reports.c.raw_hash, reports.c.id, reports.c.platform_id, reports.c.report_id)
            .where(reports.c.raw_hash.in_(chunk), reports.c.status.in_(_IN_FORCE))
            .order_by(reports.c.id)
        )
        for raw_hash, version_id, platform_id, report_id in rows:
            found.setdefault(str(raw_hash), (int(version_id), int(platform_id), str(report_id)))
    return found


def units_at_cut(
    conn: Connection, cut: Cut
) -> tuple[dict[TotalKey, int], list[PendingReport], list[int]]:
    """(payable micro-units per key, pending reports, version ids) over exactly the cut.

    Raises MissingInputs when a named report or release is not in this store.
    """
    versions = local_versions(conn, cut.reports)
    missing = [h for h in cut.reports if h not in versions]
    by_report: dict[tuple[int, str], str] = {}
    for raw_hash, (_vid, platform_id, report_id) in versions.items():
        other = by_report.setdefault((platform_id, report_id), raw_hash)
        if other != raw_hash:
            raise InvalidCut(
                f"the cut names two versions of report {report_id!r} of platform "
                f"{platform_id} ({other} and {raw_hash})"
            )
    ids = sorted(v[0] for v in versions.values())
    wanted = {f"{STATEMENT_PREFIX}{h}" for h in cut.releases}
    applied: set[str] = set()
    totals: dict[TotalKey, int] = {}
    for start in range(0, max(len(ids), 1), 5_000):
        chunk = ids[start : start + 5_000]
        if not chunk:
            break
        usage_rows = conn.execute(
            select(
                usage.c.track_id,
                reports.c.platform_id,
                usage.c.usage_class,
                func.sum(usage.c.micro_units),
            )
            .join(reports, reports.c.id == usage.c.report_version_id)
            .where(usage.c.report_version_id.in_(chunk))
            .group_by(usage.c.track_id, reports.c.platform_id, usage.c.usage_class)
        )
        released_rows = conn.execute(
            select(
                quarantine.c.track_id,
                reports.c.platform_id,
                quarantine.c.usage_class,
                quarantine.c.micro_units,
                quarantine.c.decided_by,
            )
            .join(reports, reports.c.id == quarantine.c.report_version_id)
            .where(
                quarantine.c.report_version_id.in_(chunk),
                quarantine.c.status == QuarantineStatus.RELEASED.value,
                quarantine.c.decided_by.in_(sorted(wanted)) if wanted else quarantine.c.id < 0,
            )
        )
        for track_id, platform_id, usage_class, micro in usage_rows:
            key = (int(track_id), int(platform_id), int(usage_class))
            totals[key] = totals.get(key, 0) + int(micro)
        for track_id, platform_id, usage_class, micro, decided_by in released_rows:
            key = (int(track_id), int(platform_id), int(usage_class))
            totals[key] = totals.get(key, 0) + int(micro)
            applied.add(str(decided_by))
    missing_statements = sorted(s.removeprefix(STATEMENT_PREFIX) for s in wanted - applied)
    if missing or missing_statements:
        raise MissingInputs(missing, missing_statements)
    pending: list[PendingReport] = []
    for start in range(0, len(ids), 5_000):
        query = select(reports.c.id, reports.c.platform_id, reports.c.report_id).where(
            reports.c.id.in_(ids[start : start + 5_000]), reports.c.settled_epoch.is_(None)
        )
        pending.extend(PendingReport(int(i), int(p), str(r)) for i, p, r in conn.execute(query))
    units = {key: value for key, value in totals.items() if value > 0}
    return units, sorted(pending, key=lambda r: r.version_id), ids


# ---- cut files: which cut produced which root, for peers catching up ------------------------


class CutBook:
    """Cuts this node computed, as files `cuts/<epoch>/<root>-<dataHash>.json` (write once)."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / "cuts"

    def save(self, proposal: EpochProposal, cut: Cut, root: str, data_hash: str) -> None:
        folder = self.directory / str(proposal.epoch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{root}-{data_hash}.json"
        if path.exists():
            return
        document = {
            "proposal": proposal_json(proposal),
            "cut": cut.as_json(),
            "root": root,
            "data_hash": data_hash,
        }
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(document, sort_keys=True))
        os.replace(tmp, path)

    def of_epoch(self, epoch: int) -> list[dict[str, Any]]:
        folder = self.directory / str(epoch)
        if not folder.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]

    def find(self, epoch: int, root: str, data_hash: str) -> dict[str, Any] | None:
        path = self.directory / str(epoch) / f"{root}-{data_hash}.json"
        return json.loads(path.read_text()) if path.is_file() else None


# ---- the node --------------------------------------------------------------------------------


class CutNode(OracleNode):
    """An OracleNode whose inputs are read at a content-addressed cut instead of an intake_seq.

    `compute(proposal)` reads the cut registered for the proposal with `use_cut`; without one
    (the leader's own new epoch, built by EpochRunner) it takes the cut at proposal.cut_seq of
    this store. Every computed cut is kept in the CutBook so peers can catch up from it.
    """

    def __init__(self, *args: Any, cuts: CutBook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cuts = cuts
        self._registered: dict[EpochProposal, Cut] = {}
        self.last_computed: tuple[EpochProposal, Cut, NodeResult] | None = None
        self.last_signed: tuple[int, float] | None = None
        self.catch_up_hook: Callable[[], None] | None = None

    def use_cut(self, proposal: EpochProposal, cut: Cut) -> None:
        self._registered[proposal] = cut

    def cut_for(self, proposal: EpochProposal) -> Cut:
        cut = self._registered.get(proposal)
        if cut is None:
            with self.engine.connect() as conn:
                cut = cut_at_seq(conn, proposal.cut_seq)
            self._registered[proposal] = cut
        return cut

    def read_inputs(self, proposal: EpochProposal) -> EpochInputs:
        cut = self.cut_for(proposal)
        with self.engine.connect() as conn:
            settled = repo.settled(conn)
            units, pending, _ids = units_at_cut(conn, cut)
            track_ids = {key[0] for key in units} | {key[0] for key in settled}
            splits = repo.split_addresses(conn, track_ids)
        platform_ids = sorted({key[1] for key in units} | {key[1] for key in settled})
        platforms = {pid: self.view.platform(pid, proposal.block_number) for pid in platform_ids}
        return EpochInputs(settled, units, platforms, splits, pending)

    def compute(self, proposal: EpochProposal) -> NodeResult:
        result = super().compute(proposal)
        cut = self.cut_for(proposal)
        self.last_computed = (proposal, cut, result)
        if result.computation is not None:
            self.cuts.save(proposal, cut, result.computation.root, result.computation.data_hash)
        return result

    def sign_own(self, report: SettlementReport) -> str:
        signature = super().sign_own(report)
        self.last_signed = (int(report.epoch), time.time())
        return signature

    def catch_up(self) -> None:
        """Before signing: the node process's own catch-up (peers' cuts included) when set."""
        if self.catch_up_hook is not None:
            self.catch_up_hook()
        else:
            super().catch_up()
