"""The API side's relay to the nodes: hands every report, catalog entry and quarantine decision
of the API's store to each node, and keeps trying a node that is down.

The API ingests reports into its own store (for its dashboards); this relay runs next to it
(in `up`'s observer process) and POSTs each accepted report's raw bytes to every node, where
the node's own intake verifies the platform's signature again. Catalog entries (platforms'
signing addresses, tracks' splits, tiers and consent) and the operator's quarantine decisions
become statements signed with the operator key, which nodes verify against their configured
operator addresses. Per-node progress is kept in `relay-state.json`, so a restart resumes.

Order. Each node receives the reports and decisions in the API store's own intake order
(intake_seq of a version, decision_seq of a decision), and the catalog before them: the
catalog is read after the reports and decisions of a pass, so a report's platform and tracks
are there before it. A node that is caught up then holds a prefix of the API's order, so the
cut it proposes as leader is a point of the API store's order too, where the API's observer
recomputes and confirms it (oracle.nodes.cut.local_cut_seq). A report a node cannot take yet
(its platform not in that node's catalog: 409) pauses that node's relay until the next pass.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, or_, select, update

from oracle.catalog import get_tracks, list_platforms, split_recipient_list
from oracle.nodes.cut import STATEMENT_PREFIX
from oracle.nodes.replication import RawReport
from oracle.nodes.statements import (
    SignedStatement,
    platform_statement,
    quarantine_statement,
    sign_statement,
    statement_hash,
    track_statement,
)
from oracle.store.records import QuarantineStatus, ReportFormat, ReportStatus
from oracle.store.schema import platforms, quarantine, reports, tracks

log = logging.getLogger("oracle.nodes.relay")

Item = RawReport | SignedStatement
"""What the relay hands a node in the API store's order: a report version or a decision."""


class Relay:
    def __init__(
        self,
        engine: Engine,
        data_dir: Path,
        operator_key: str,
        node_urls: list[str],
        timeout: float = 5.0,
    ) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.operator_key = operator_key
        self.node_urls = node_urls
        self.timeout = timeout
        self.http = httpx.Client()  # one pool for every pass (see PeerClient)
        self.state_path = data_dir / "relay-state.json"
        self.state: dict[str, dict[str, Any]] = (
            json.loads(self.state_path.read_text()) if self.state_path.is_file() else {}
        )
        self._signed: dict[str, SignedStatement] = {}
        """Statement hash -> its signed form: each pass re-reads the catalog, signs only news."""

    def _node_state(self, url: str) -> dict[str, Any]:
        return self.state.setdefault(url, {"seq_cursor": 0, "statements": []})

    def _save(self) -> None:
        tmp = self.state_path.with_suffix(".part")
        tmp.write_text(json.dumps(self.state, sort_keys=True))
        os.replace(tmp, self.state_path)

    def _sign(self, statement: dict[str, Any]) -> SignedStatement:
        digest = statement_hash(statement)
        signed = self._signed.get(digest)
        if signed is None:
            signed = sign_statement(self.operator_key, statement)
            self._signed[digest] = signed
        return signed

    # ---- what there is to hand over -----------------------------------------------------

    def catalog_statements(self) -> list[SignedStatement]:
        found: list[SignedStatement] = []
        with self.engine.connect() as conn:
            stamps = {
                int(p): int(u)
                for p, u in conn.execute(select(platforms.c.platform_id, platforms.c.updated_at))
            }
            for platform in list_platforms(conn):
                statement = platform_statement(
                    platform.platform_id,
                    platform.signer_address,
                    platform.token,
                    platform.rates,
                    max_units_per_report=platform.max_units_per_report,
                    name=platform.name,
                    issued_at=stamps.get(platform.platform_id, 0),
                )
                found.append(self._sign(statement))
            rows = list(conn.execute(select(tracks.c.track_id, tracks.c.updated_at)))
            catalog = get_tracks(conn, [int(t) for t, _u in rows])
            lists = {
                t.split_address: split_recipient_list(conn, t.split_address)
                for t in catalog.values()
                if t.split_address
            }
        for track_id, updated_at in rows:
            track = catalog[int(track_id)]
            listed = lists.get(track.split_address) if track.split_address else None
            statement = track_statement(
                track.track_id,
                track.tier,
                split_address=track.split_address,
                controller=track.controller,
                isrc=track.isrc,
                consents=track.consents,
                settle_to_split=track.settle_to_split,
                recipients=None if listed is None else listed[0],
                shares=None if listed is None else listed[1],
                tier_history=track.tiers,
                issued_at=int(updated_at),
            )
            found.append(self._sign(statement))
        return found

    def stamp_decisions(self) -> None:
        """Names each operator decision taken in the API's store by its statement (once): the
        API's own store then counts a release under the statement hash the nodes count."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(
                    quarantine.c.id,
                    quarantine.c.track_id,
                    quarantine.c.usage_class,
                    quarantine.c.status,
                    quarantine.c.decided_at,
                    reports.c.raw_hash,
                )
                .join(reports, reports.c.id == quarantine.c.report_version_id)
                .where(
                    quarantine.c.status != QuarantineStatus.HELD.value,
                    or_(
                        quarantine.c.decided_by.is_(None),
                        quarantine.c.decided_by.not_like(f"{STATEMENT_PREFIX}%"),
                    ),
                )
            ).all()
            for entry_id, track_id, cls, status, decided_at, raw_hash in rows:
                decision = "release" if status == QuarantineStatus.RELEASED.value else "reject"
                signed = self._sign(
                    quarantine_statement(
                        str(raw_hash), int(track_id), int(cls), decision, int(decided_at or 0)
                    )
                )
                conn.execute(
                    update(quarantine)
                    .where(quarantine.c.id == entry_id)
                    .values(decided_by=f"{STATEMENT_PREFIX}{signed.hash}")
                )
                self._kept_decisions()[signed.hash] = signed.as_json()

    def _kept_decisions(self) -> dict[str, Any]:
        return self.state.setdefault("_decisions", {})

    def items_after(self, cursor: int, limit: int = 200) -> list[tuple[int, Item]]:
        """Report versions and operator decisions after `cursor`, in the API store's intake
        order: (intake_seq or decision_seq, the report or the decision's statement)."""
        found: list[tuple[int, Item]] = []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reports)
                .where(
                    reports.c.intake_seq > cursor,
                    reports.c.status.in_(
                        (ReportStatus.ACCEPTED.value, ReportStatus.SUPERSEDED.value)
                    ),
                )
                .order_by(reports.c.intake_seq)
                .limit(limit)
            ).all()
            decided = conn.execute(
                select(quarantine.c.decision_seq, quarantine.c.decided_by)
                .where(
                    quarantine.c.decision_seq > cursor,
                    quarantine.c.status != QuarantineStatus.HELD.value,
                    quarantine.c.decided_by.like(f"{STATEMENT_PREFIX}%"),
                )
                .order_by(quarantine.c.decision_seq)
                .limit(limit)
            ).all()
        for row in rows:
            m = row._mapping
            content = (self.data_dir / str(m["raw_path"])).read_bytes()
            report = RawReport(
                str(m["raw_hash"]),
                int(m["platform_id"]),
                ReportFormat(int(m["format"])),
                str(m["file_name"]),
                str(m["signature"]),
                content,
            )
            found.append((int(m["intake_seq"]), report))
        kept = self._kept_decisions()
        for seq, decided_by in decided:
            digest = str(decided_by).removeprefix(STATEMENT_PREFIX)
            if digest not in kept:  # decided from a statement this relay did not issue
                log.warning("decision %s: its statement is not held here; not relayed", digest)
                continue
            found.append((int(seq), SignedStatement.from_json(kept[digest])))
        found.sort(key=lambda item: item[0])
        return found[:limit]

    # ---- handing over ---------------------------------------------------------------------

    def _post(self, url: str, item: Item) -> None:
        if isinstance(item, RawReport):
            path, body = "/v1/reports", item.as_json()
        else:
            path, body = "/v1/statements", item.as_json()
        response = self.http.post(f"{url}{path}", json=body, timeout=self.timeout)
        # 422: refused for good (a forged signature, an untrusted statement); 409 and the rest:
        # the node cannot take it now (its catalog lags, it is busy): the next pass sends again.
        if response.status_code not in (200, 422):
            raise httpx.HTTPError(f"{response.status_code} {response.text}")

    def run_once(self) -> dict[str, int]:
        """One pass over every node; returns how many items each node took."""
        self.stamp_decisions()
        # Reports and decisions before the catalog: the catalog read after them holds every
        # platform and track they name.
        items = {
            url: self.items_after(int(self._node_state(url).get("seq_cursor", 0)))
            for url in self.node_urls
        }
        statements = self.catalog_statements()
        taken: dict[str, int] = {}
        for url in self.node_urls:
            state = self._node_state(url)
            sent = set(state["statements"])
            count = 0
            try:
                for signed in statements:
                    if signed.hash in sent:
                        continue
                    self._post(url, signed)
                    sent.add(signed.hash)
                    count += 1
                for seq, item in items[url]:
                    self._post(url, item)
                    state["seq_cursor"] = seq
                    count += 1
            except httpx.HTTPError as exc:
                log.info("relay to %s paused: %s", url, exc)
            state["statements"] = sorted(sent)
            taken[url] = count
        self._save()
        return taken
