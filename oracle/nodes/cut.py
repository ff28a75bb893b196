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

from sqlalchemy import Connection, select

from chain_client.eip712 import SettlementReport
from oracle.epoch.computation import EpochComputation, EpochProposal
from oracle.epoch.errors import EpochError
from oracle.epoch.node import NodeResult, OracleNode
from oracle.settlement import engine as settlement_engine
from oracle.store.records import QuarantineStatus, ReportStatus
from oracle.store.schema import quarantine, reports
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
        select(quarantine.c.id, quarantine.c.decided_by).where(
            quarantine.c.status == QuarantineStatus.RELEASED.value,
            quarantine.c.decision_seq <= cut_seq,
            quarantine.c.report_version_id.in_(ids) if ids else quarantine.c.id < 0,
        )
    )
    # A release not taken from an operator statement (the CLI on this store) cannot be
    # verified by a peer: it is named "local:<id>", which every peer refuses.
    releases = [
        str(d).removeprefix(STATEMENT_PREFIX)
        if str(d or "").startswith(STATEMENT_PREFIX)
        else f"local:{entry_id}"
        for entry_id, d in decided
    ]
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


def local_cut_seq(conn: Connection, cut: Cut) -> int:
    """This store's intake_seq at which exactly the cut is in force.

    The highest local sequence number of the cut's versions and releases, checked: the versions
    in force there must be exactly the cut's, and the releases decided by then exactly its
    releases. Raises MissingInputs when something named is not here, InvalidCut when this
    store holds, before the cut's last entry, something the cut leaves out (it then signs the
    next round, whose cut includes it).
    """
    versions = local_versions(conn, cut.reports)
    missing = [h for h in cut.reports if h not in versions]
    wanted = {f"{STATEMENT_PREFIX}{h}" for h in cut.releases}
    released: dict[str, int] = {}
    if wanted:
        rows = conn.execute(
            select(quarantine.c.decided_by, quarantine.c.decision_seq).where(
                quarantine.c.status == QuarantineStatus.RELEASED.value,
                quarantine.c.decided_by.in_(sorted(wanted)),
            )
        )
        released = {str(d): int(q) for d, q in rows if q is not None}
    missing_statements = sorted(s.removeprefix(STATEMENT_PREFIX) for s in wanted - set(released))
    if missing or missing_statements:
        raise MissingInputs(missing, missing_statements)
    ids = sorted(v[0] for v in versions.values())
    seqs: list[int] = list(released.values())
    for start in range(0, len(ids), 5_000):
        query = select(reports.c.intake_seq).where(reports.c.id.in_(ids[start : start + 5_000]))
        seqs.extend(int(q) for q in conn.execute(query).scalars() if q is not None)
    local = max(seqs, default=0)
    in_force = cut_at_seq(conn, local)
    if in_force != cut:
        extra = sorted(set(in_force.reports) - set(cut.reports))
        lacking = sorted(set(cut.reports) - set(in_force.reports))
        extra_releases = sorted(set(in_force.releases) - set(cut.releases))
        raise InvalidCut(
            f"this store cannot hold the cut at one point of its own order (at intake_seq "
            f"{local}: also in force {extra or 'nothing'}, not in force {lacking or 'nothing'}, "
            f"also released {extra_releases or 'nothing'})"
        )
    return local


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
    """An OracleNode whose proposal names a content-addressed cut.

    `compute(proposal)` maps the cut registered for the proposal (`use_cut`) onto this store's
    own intake sequence and computes there with the settlement engine; the data file states the
    proposal's cutSequence (the leader's), so every node's file is the same bytes. Without a
    registered cut (the leader's own new epoch, built by EpochRunner) the cut is this store's at
    proposal.cut_seq. Every computed cut is kept in the CutBook so peers can catch up from it.
    """

    def __init__(self, *args: Any, cuts: CutBook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cuts = cuts
        self._registered: dict[EpochProposal, Cut] = {}
        self.last_computed: tuple[EpochProposal, Cut, NodeResult, Path | None] | None = None
        self.last_signed: tuple[int, float] | None = None
        self.catch_up_hook: Callable[[], None] | None = None
        self.tables_root: dict[int, str] = {}
        """Root of the last computation per epoch: the engine's epoch rows in the store are it."""

    def use_cut(self, proposal: EpochProposal, cut: Cut) -> None:
        self._registered[proposal] = cut

    def cut_for(self, proposal: EpochProposal) -> Cut:
        cut = self._registered.get(proposal)
        if cut is None:
            with self.engine.connect() as conn:
                cut = cut_at_seq(conn, proposal.cut_seq)
            self._registered[proposal] = cut
        return cut

    def check_inputs(self, proposal: EpochProposal) -> int:
        """This store's sequence number of the proposal's cut (raises what local_cut_seq does)."""
        with self.engine.connect() as conn:
            return local_cut_seq(conn, self.cut_for(proposal))

    def compute(self, proposal: EpochProposal) -> NodeResult:
        cut = self.cut_for(proposal)
        local = self.check_inputs(proposal)
        request = settlement_engine.EpochRequest(
            epoch=proposal.epoch,
            config_version=proposal.config_version,
            cut_seq=local,
            block_number=proposal.block_number,
            chain_id=self.chain_id,
            settlement=self.view.address,
            published_cut_seq=proposal.cut_seq,
        )
        result = settlement_engine.compute(
            self.engine,
            request,
            lambda platform_id: self.view.platform(platform_id, proposal.block_number),
            self.root_reader,
            self.work_dir,
        )
        self.tables_root[proposal.epoch] = result.root
        if result.changed_leaves == 0:
            outcome = NodeResult(None, result.held_back)
            self.last_computed = (proposal, cut, outcome, None)
            return outcome
        computation = EpochComputation(proposal, result)
        # A second name for the file: sign_proposed removes the engine's, the node publishes it.
        kept = result.data_path.with_name(result.data_path.name + ".kept")
        kept.unlink(missing_ok=True)
        os.link(result.data_path, kept)
        outcome = NodeResult(computation, result.held_back)
        self.last_computed = (proposal, cut, outcome, kept)
        self.cuts.save(proposal, cut, computation.root, computation.data_hash)
        return outcome

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
