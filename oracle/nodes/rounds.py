"""One node's work: intake of pushed and fetched reports, following the chain, signing rounds.

Follower: a leader's proposal names a cut and a pinned block. The node fetches what it lacks
from peers (checking each report through its own intake), recomputes the epoch from its own
store and returns a signature only when its own report equals the proposed one.

Catch-up: for every epoch the chain posted that this store has not closed, the node finds the
cut that produced the posted root (its own, or a peer's `GET /v1/epochs/<n>`), recomputes it
itself and confirms it only when its own root, dataHash and debits equal the chain's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hexbytes import HexBytes

from chain_client.eip712 import SettlementReport
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.computation import EpochComputation, EpochProposal
from oracle.epoch.errors import EpochError, NodeDisagreement
from oracle.epoch.reconcile import reconcile_epoch
from oracle.epoch.signing import settlement_report
from oracle.nodes.config import NodeSettings, PeerConfig
from oracle.nodes.cut import Cut, CutNode, InvalidCut, MissingInputs, proposal_from_json
from oracle.nodes.peers import PeerClient, PeerUnavailable
from oracle.nodes.replication import (
    Intake,
    RawReport,
    ReplicationError,
    held_hashes,
    ingest_raw,
)
from oracle.nodes.statements import (
    SignedStatement,
    StatementError,
    StatementStore,
    apply_pending_decisions,
    apply_statement,
)
from oracle.settings import OracleSettings
from oracle.settlement.data_file import data_file_path, publish
from oracle.store import epoch_repository as repo

log = logging.getLogger("oracle.nodes")

_FROZEN = ("tx_signed", "sent", "posted", "confirmed")
"""Epoch statuses the settlement engine refuses to recompute (oracle.settlement.engine)."""


class SignRefused(EpochError):
    """This node will not sign the proposal; `field` is set when its own result differs."""

    def __init__(
        self, message: str, field: str = "", proposed: object = None, computed: object = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.proposed = proposed
        self.computed = computed

    def as_json(self) -> dict[str, Any]:
        return {
            "error": str(self),
            "field": self.field or None,
            "proposed": self.proposed,
            "computed": self.computed,
        }


@dataclass
class Health:
    started_at: float = field(default_factory=time.time)
    last_tick_at: float = 0.0
    last_error: str = ""
    disagreements: list[str] = field(default_factory=list)
    refused_reports: list[str] = field(default_factory=list)

    def note_disagreement(self, text: str) -> None:
        log.warning("%s", text)
        self.disagreements = [*self.disagreements[-9:], text]


class NodeCore:
    def __init__(
        self,
        settings: NodeSettings,
        node: CutNode,
        view: SettlementView,
    ) -> None:
        self.settings = settings
        self.oracle: OracleSettings = settings.oracle_settings()
        self.node = node
        self.engine = node.engine
        self.view = view
        self.lock = threading.RLock()
        self.statements = StatementStore(settings.data_dir, settings.operator_addresses)
        self.clients = {
            p.name: PeerClient(p, settings.http_timeout_seconds) for p in settings.peers
        }
        self.health = Health()
        self.refused: set[str] = set()
        """Raw hashes this node's intake rejected: anti-entropy does not fetch them again until
        the catalog changes."""
        self._snapshot: tuple[int, list[str], int] | None = None
        node.catch_up_hook = self.sync_epochs

    def chain_snapshot(self, refresh: bool = False) -> tuple[int | None, list[str], int | None]:
        """(lastEpoch, signers, threshold) as last read by the loop (status stays cheap)."""
        if refresh or self._snapshot is None:
            try:
                self._snapshot = (
                    self.view.last_epoch(),
                    self.view.signers(),
                    self.view.threshold(),
                )
            except Exception as exc:  # noqa: BLE001 - reported in status, retried next tick
                self.health.last_error = f"chain unreachable: {exc}"
                if self._snapshot is None:
                    return None, [], None
        return self._snapshot

    @property
    def address(self) -> str | None:
        return None if self.settings.observer else self.node.address

    # ---- reports and statements --------------------------------------------------------

    def receive_report(self, report: RawReport) -> Intake:
        with self.lock:
            result = ingest_raw(self.oracle, self.engine, report)
            if result.status == "rejected":
                self.refused.add(result.raw_hash)
                self.health.refused_reports = [
                    *self.health.refused_reports[-9:],
                    f"{result.raw_hash}: {result.detail}",
                ]
            elif result.status == "deferred":
                log.info("report %s deferred: %s", result.raw_hash, result.detail)
            else:
                apply_pending_decisions(self.engine, self.statements)
            return result

    def receive_statement(self, signed: SignedStatement) -> bool:
        with self.lock:
            self.statements.verify(signed)
            self.statements.add(signed)
            if not self.statements.is_latest(signed):
                return False  # an older catalog entry (fetched late): the newer one stays
            applied = apply_statement(self.engine, signed)
            if applied and signed.kind != "quarantine":
                self.refused.clear()  # another catalog: earlier verdicts may differ now
            return applied

    def _peers_first(self, preferred: str | None) -> list[PeerClient]:
        clients = list(self.clients.values())
        return sorted(clients, key=lambda c: 0 if c.peer.url == preferred else 1)

    def fetch_report(self, raw_hash: str, preferred: str | None = None) -> Intake:
        """Gets a report from the first peer that has it and runs it through this intake."""
        problems: list[str] = []
        for client in self._peers_first(preferred):
            try:
                payload = client.get(f"/v1/reports/{raw_hash}")
            except PeerUnavailable as exc:
                problems.append(str(exc))
                continue
            if payload is None:
                problems.append(f"{client.peer.name} does not hold it")
                continue
            # Whatever the verdict, another peer's copy has the same bytes: ask no further.
            return self.receive_report(RawReport.from_json(payload))
        raise ReplicationError(f"report {raw_hash}: no peer provided it ({'; '.join(problems)})")

    def fetch_statement(self, digest: str, preferred: str | None = None) -> None:
        problems: list[str] = []
        for client in self._peers_first(preferred):
            try:
                payload = client.get(f"/v1/statements/{digest}")
            except PeerUnavailable as exc:
                problems.append(str(exc))
                continue
            if payload is None:
                problems.append(f"{client.peer.name} does not hold it")
                continue
            signed = SignedStatement.from_json(payload)
            if signed.hash != digest:
                problems.append(f"{client.peer.name} sent statement {signed.hash}")
                continue
            self.receive_statement(signed)
            return
        raise ReplicationError(f"statement {digest}: no peer provided it ({'; '.join(problems)})")

    def ensure_inputs(self, proposal: EpochProposal, cut: Cut, preferred: str | None) -> None:
        """Fetches and verifies what the cut names and this store lacks; refuses what fails."""
        for _attempt in range(3):
            try:
                self.node.use_cut(proposal, cut)
                self.node.check_inputs(proposal)
                return
            except MissingInputs as missing:
                for digest in missing.statements:
                    try:
                        self.fetch_statement(digest, preferred)
                    except (ReplicationError, StatementError) as exc:
                        raise SignRefused(f"release statement {digest} refused: {exc}") from exc
                if missing.reports:
                    # A report the relay has not brought yet may name a platform or track whose
                    # statement has not come either: take the peers' statements first.
                    self.pull_statements()
                for raw_hash in missing.reports:
                    result = self.fetch_report(raw_hash, preferred)
                    if result.status in ("rejected", "deferred"):
                        raise SignRefused(
                            f"report {raw_hash} refused by this node's intake: {result.detail}"
                        ) from missing
        self.node.check_inputs(proposal)

    def _pull_statements_of(self, client: PeerClient) -> None:
        listed = client.get("/v1/statements", timeout=1.0) or {}
        for digest in listed.get("hashes", []):
            if not self.statements.has(digest):
                self.fetch_statement(digest, client.peer.url)

    def pull_statements(self) -> None:
        """Takes the operator statements peers hold and this node lacks (each one verified)."""
        for client in self.clients.values():
            try:
                self._pull_statements_of(client)
            except (PeerUnavailable, ReplicationError, StatementError) as exc:
                log.info("statements from %s: %s", client.peer.name, exc)

    def anti_entropy(self) -> None:
        """Pulls the reports and statements peers hold and this node lacks."""
        for client in self.clients.values():
            try:
                self._pull_statements_of(client)
                listed = client.get("/v1/reports", timeout=1.0) or {}
                mine = set(held_hashes(self.engine))
                for raw_hash in listed.get("hashes", []):
                    if raw_hash not in mine and raw_hash not in self.refused:
                        self.fetch_report(raw_hash, client.peer.url)
            except (PeerUnavailable, ReplicationError, StatementError) as exc:
                log.info("anti-entropy with %s: %s", client.peer.name, exc)

    # ---- following the chain -------------------------------------------------------------

    def sync_epochs(self, chain_last: int | None = None) -> None:
        """Confirms, in order, every epoch the chain posted that this store has not closed
        (`chain_last`: the chain's lastEpoch if the caller just read it)."""
        with self.lock:
            if chain_last is None:
                chain_last = self.view.last_epoch()
            with self.engine.connect() as conn:
                local_last = repo.last_closed_epoch(conn)
            for epoch in range(local_last + 1, chain_last + 1):
                if not self.sync_epoch(epoch):
                    return

    def sync_epoch(self, epoch: int) -> bool:
        posted = self.view.root_posted(epoch, self.settings.from_block)
        if posted is None:
            return False
        with self.engine.connect() as conn:
            record = repo.get_epoch(conn, epoch)
        matches = record is not None and (record.root, record.data_hash) == (
            posted.root,
            posted.data_hash,
        )
        if not (matches and self._tables_are(epoch, posted.root)):
            computation = self.recompute(epoch, posted.root, posted.data_hash)
            if computation is None:
                return False
            if not matches:
                self._save(computation, status="signed")
        state = reconcile_epoch(self.engine, self.view, epoch).state
        return state in ("confirmed", "revoked")

    def recompute(self, epoch: int, root: str, data_hash: str) -> EpochComputation | None:
        """Recomputes the cut that produced (root, dataHash), from this store: the engine's
        epoch rows then hold that computation. None when it cannot (reported in health)."""
        candidates = self._cuts_of(epoch, root, data_hash)
        if not candidates:
            self.health.last_error = f"epoch {epoch}: no node has the cut of root {root} yet"
            return None
        for source, document in candidates:
            proposal = proposal_from_json(document["proposal"])
            cut = Cut.from_json(document["cut"])
            try:
                self.ensure_inputs(proposal, cut, source)
                computation = self.node.compute(proposal).computation
            except (EpochError, ReplicationError) as exc:
                self.health.note_disagreement(f"epoch {epoch}: cannot recompute the cut: {exc}")
                continue
            finally:
                self.node.forget_cut(proposal)
            if computation is not None and (computation.root, computation.data_hash) == (
                root,
                data_hash,
            ):
                return computation
            got = "nothing" if computation is None else computation.root
            self.health.note_disagreement(
                f"epoch {epoch}: root {root} was computed from this cut by a peer; this store "
                f"computes {got} from it (this store differs from its peers)"
            )
        return None

    def _tables_are(self, epoch: int, root: str) -> bool:
        """Whether the engine's computed rows of `epoch` in this store are those of `root`."""
        if self.node.tables_root.get(epoch) == root:
            return True
        with self.engine.connect() as conn:
            record = repo.get_epoch(conn, epoch)
        # The engine never recomputes an epoch from tx_signed on: its rows are the row's own.
        return record is not None and record.root == root and record.status in _FROZEN

    def ensure_tables(self, epoch: int, root: str, data_hash: str) -> bool:
        """Before driving or confirming this store's own epoch row: its computed rows are it."""
        if self._tables_are(epoch, root):
            return True
        return self.recompute(epoch, root, data_hash) is not None

    def _cuts_of(self, epoch: int, root: str, data_hash: str) -> list[tuple[str | None, Any]]:
        found: list[tuple[str | None, Any]] = []
        own = self.node.cuts.find(epoch, root, data_hash)
        if own is not None:
            found.append((None, own))
        for client in self.clients.values():
            if found:
                break
            try:
                listed = client.get(f"/v1/epochs/{epoch}") or {}
            except PeerUnavailable:
                continue
            for document in listed.get("cuts", []):
                if (document.get("root"), document.get("data_hash")) == (root, data_hash):
                    found.append((client.peer.url, document))
                    break
        return found

    def _publish(self, computation: EpochComputation) -> Path:
        """Publishes the data file this node computed (the same bytes on every honest node)."""
        proposal = computation.proposal
        path = data_file_path(
            self.oracle.data_dir, self.node.chain_id, self.view.address, proposal.epoch
        )
        last = self.node.last_computed
        kept = last[3] if last is not None and last[2].computation is computation else None
        source = kept if kept is not None and kept.exists() else computation.data_path
        publish(source, path)
        return path

    def _save(self, computation: EpochComputation, status: str) -> Path:
        proposal = computation.proposal
        path = self._publish(computation)
        with self.engine.begin() as conn:
            repo.save_epoch(
                conn,
                repo.EpochRecord(
                    epoch=proposal.epoch,
                    status=status,
                    config_version=proposal.config_version,
                    cut_seq=proposal.cut_seq,
                    block_number=proposal.block_number,
                    root=computation.root,
                    data_hash=computation.data_hash,
                    data_path=str(path),
                    leaf_count=computation.leaf_count,
                ),
                computation.debits,
                computation.held_back,
                [r.version_id for r in computation.included_reports],
            )
        return path

    # ---- signing as a follower ---------------------------------------------------------

    def handle_sign(self, body: Any) -> dict[str, str]:
        if self.settings.observer:
            raise SignRefused("this node is an observer and never signs")
        try:
            proposal = proposal_from_json(body["proposal"])
            cut = Cut.from_json(body["cut"])
            proposed = body["report"]
            report = settlement_report(
                int(proposed["epoch"]),
                int(proposed["config_version"]),
                str(proposed["root"]),
                str(proposed["data_hash"]),
                [(int(p), int(a)) for p, a in proposed["debits"]],
            )
            leader = body.get("leader") or {}
        except (KeyError, TypeError, ValueError) as exc:
            raise SignRefused(f"malformed proposal: {exc!r}") from exc
        if report.epoch != proposal.epoch or report.config_version != proposal.config_version:
            raise SignRefused("the report's epoch or config version is not the proposal's")
        if proposal.block_number > self.view.head():
            raise SignRefused(f"block {proposal.block_number} is ahead of this node's chain head")
        # A node busy with its own round as leader answers at once instead of keeping the other
        # leader waiting: it then asks the next peer (two overlapping leaders never block).
        if not self.lock.acquire(timeout=self.settings.http_timeout_seconds / 2):
            raise SignRefused("this node is busy with a round of its own; ask the next peer")
        try:
            return self._sign_locked(proposal, cut, report, leader)
        finally:
            self.node.forget_cut(proposal)
            self.lock.release()

    def _sign_locked(
        self, proposal: EpochProposal, cut: Cut, report: SettlementReport, leader: Any
    ) -> dict[str, str]:
        with self.lock:
            self.sync_epochs()
            chain_last = self.view.last_epoch()
            if proposal.epoch != chain_last + 1:
                raise SignRefused(
                    f"epoch {proposal.epoch} is not next: the chain's lastEpoch is {chain_last}"
                )
            leader_address = str(leader.get("address", ""))
            if leader_address not in self.expected_leaders(proposal.epoch):
                raise SignRefused(
                    f"{leader.get('name', '?')} ({leader_address}) is not a leader of epoch "
                    f"{proposal.epoch}'s round now"
                )
            try:
                self.ensure_inputs(proposal, cut, str(leader.get("url") or "") or None)
                signature = self.node.sign_proposed(proposal, report)
            except NodeDisagreement as exc:
                mine = self.node.last_computed
                text = f"refused epoch {proposal.epoch} of {leader.get('name')}: {exc}"
                self.health.note_disagreement(text)
                computed = None
                if mine is not None and mine[2].computation is not None:
                    computed = mine[2].computation.root
                raise SignRefused(
                    str(exc), exc.field, HexBytes(report.root).to_0x_hex(), computed
                ) from exc
            except (InvalidCut, ReplicationError) as exc:
                raise SignRefused(str(exc)) from exc
            self._publish_signed_file(proposal)
            return {"signature": signature, "signer": self.node.address}

    def _publish_signed_file(self, proposal: EpochProposal) -> None:
        """A follower keeps the data file of what it signed, like the leader does."""
        last = self.node.last_computed
        if last is None or last[0] != proposal or last[2].computation is None:
            return
        computation = last[2].computation
        path = self._publish(computation)
        with self.engine.begin() as conn:
            record = repo.get_epoch(conn, proposal.epoch)
            if record is not None and record.status == "signed" and record.root == computation.root:
                repo.update_epoch(conn, proposal.epoch, data_path=str(path))

    # ---- the leader schedule ------------------------------------------------------------

    def round_opened_at(self, epoch: int) -> float:
        """When epoch's round opens: epoch_interval after the block that posted the one before."""
        if epoch <= 1:
            return 0.0
        posted = self.view.root_posted(epoch - 1, self.settings.from_block)
        if posted is None:
            return 0.0
        stamp = int(self.view.w3.eth.get_block(posted.block_number)["timestamp"])
        return stamp + self.settings.epoch_interval_seconds

    def leader_at(self, epoch: int, signers: list[str], at: float) -> str | None:
        opened = self.round_opened_at(epoch)
        if at < opened or not signers:
            return None
        slot = int((at - opened) // self.settings.round_timeout_seconds)
        return signers[(epoch + slot) % len(signers)]

    def expected_leaders(self, epoch: int) -> set[str]:
        """The leader of this slot and of the neighbouring ones: clocks differ, and a round
        that started in its slot may still be collecting signatures two slots later."""
        signers = self.view.signers()
        now = time.time()
        step = self.settings.round_timeout_seconds
        found = {self.leader_at(epoch, signers, now + k * step) for k in (-2, -1, 0, 1)}
        return {a for a in found if a is not None}

    def ordered_peers(self, signers: Iterable[str]) -> list[PeerConfig]:
        """Peers in signer order starting after this node (the next leaders first)."""
        order = list(signers)
        me = order.index(self.node.address) if self.node.address in order else 0
        rank = {a: (i - me) % max(len(order), 1) for i, a in enumerate(order)}
        return sorted(self.settings.peers, key=lambda p: rank.get(p.address, len(order)))
