"""The API side's relay to the nodes: hands every report, catalog entry and quarantine decision
of the API's store to each node, and keeps trying a node that is down.

The API ingests reports into its own store (for its dashboards); this relay runs next to it
(in `up`'s observer process) and POSTs each accepted report's raw bytes to every node, where
the node's own intake verifies the platform's signature again. Catalog entries (platforms'
signing addresses, tracks' splits, tiers and consent) and the operator's quarantine decisions
become statements signed with the operator key, which nodes verify against their configured
operator addresses. Per-node progress is kept in `relay-state.json`, so a restart resumes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select, update

from oracle.catalog import get_tracks, list_platforms, split_recipient_list
from oracle.nodes.cut import STATEMENT_PREFIX
from oracle.nodes.replication import RawReport
from oracle.nodes.statements import (
    SignedStatement,
    platform_statement,
    quarantine_statement,
    sign_statement,
    track_statement,
)
from oracle.store.records import QuarantineStatus, ReportFormat, ReportStatus
from oracle.store.schema import platforms, quarantine, reports, tracks

log = logging.getLogger("oracle.nodes.relay")


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
        self.state_path = data_dir / "relay-state.json"
        self.state: dict[str, dict[str, Any]] = (
            json.loads(self.state_path.read_text()) if self.state_path.is_file() else {}
        )

    def _node_state(self, url: str) -> dict[str, Any]:
        return self.state.setdefault(url, {"report_cursor": 0, "statements": []})

    def _save(self) -> None:
        tmp = self.state_path.with_suffix(".part")
        tmp.write_text(json.dumps(self.state, sort_keys=True))
        os.replace(tmp, self.state_path)

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
                found.append(sign_statement(self.operator_key, statement))
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
                issued_at=int(updated_at),
            )
            found.append(sign_statement(self.operator_key, statement))
        return found

    def decision_statements(self) -> list[SignedStatement]:
        """Operator decisions taken in the API's store, as statements (recorded once)."""
        found: list[SignedStatement] = []
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(
                    quarantine.c.id,
                    quarantine.c.track_id,
                    quarantine.c.usage_class,
                    quarantine.c.status,
                    quarantine.c.decided_by,
                    quarantine.c.decided_at,
                    reports.c.raw_hash,
                )
                .join(reports, reports.c.id == quarantine.c.report_version_id)
                .where(quarantine.c.status != QuarantineStatus.HELD.value)
            ).all()
            for entry_id, track_id, cls, status, decided_by, decided_at, raw_hash in rows:
                if str(decided_by or "").startswith(STATEMENT_PREFIX):
                    continue
                decision = "release" if status == QuarantineStatus.RELEASED.value else "reject"
                signed = sign_statement(
                    self.operator_key,
                    quarantine_statement(
                        str(raw_hash), int(track_id), int(cls), decision, int(decided_at or 0)
                    ),
                )
                # The API's own store counts the release under the statement the nodes count.
                conn.execute(
                    update(quarantine)
                    .where(quarantine.c.id == entry_id)
                    .values(decided_by=f"{STATEMENT_PREFIX}{signed.hash}")
                )
                self._kept_decisions()[signed.hash] = signed.as_json()
        for value in self._kept_decisions().values():
            found.append(SignedStatement.from_json(value))
        return found

    def _kept_decisions(self) -> dict[str, Any]:
        return self.state.setdefault("_decisions", {})

    def reports_after(self, cursor: int, limit: int = 200) -> list[tuple[int, RawReport]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reports)
                .where(
                    reports.c.id > cursor,
                    reports.c.status.in_(
                        (ReportStatus.ACCEPTED.value, ReportStatus.SUPERSEDED.value)
                    ),
                )
                .order_by(reports.c.id)
                .limit(limit)
            ).all()
        found = []
        for row in rows:
            m = row._mapping
            content = (self.data_dir / str(m["raw_path"])).read_bytes()
            found.append(
                (
                    int(m["id"]),
                    RawReport(
                        str(m["raw_hash"]),
                        int(m["platform_id"]),
                        ReportFormat(int(m["format"])),
                        str(m["file_name"]),
                        str(m["signature"]),
                        content,
                    ),
                )
            )
        return found

    # ---- handing over ---------------------------------------------------------------------

    def run_once(self) -> dict[str, int]:
        """One pass over every node; returns how many items each node took."""
        statements = self.catalog_statements() + self.decision_statements()
        taken: dict[str, int] = {}
        for url in self.node_urls:
            state = self._node_state(url)
            sent = set(state["statements"])
            count = 0
            try:
                for signed in statements:
                    if signed.hash in sent:
                        continue
                    response = httpx.post(
                        f"{url}/v1/statements", json=signed.as_json(), timeout=self.timeout
                    )
                    if response.status_code not in (200, 422):
                        raise httpx.HTTPError(f"{response.status_code} {response.text}")
                    sent.add(signed.hash)
                    count += 1
                for version_id, raw in self.reports_after(int(state["report_cursor"])):
                    response = httpx.post(
                        f"{url}/v1/reports", json=raw.as_json(), timeout=self.timeout
                    )
                    if response.status_code not in (200, 422):
                        raise httpx.HTTPError(f"{response.status_code} {response.text}")
                    state["report_cursor"] = version_id
                    count += 1
            except httpx.HTTPError as exc:
                log.info("relay to %s paused: %s", url, exc)
            state["statements"] = sorted(sent)
            taken[url] = count
        self._save()
        return taken
