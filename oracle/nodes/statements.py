"""Operator statements: catalog entries and quarantine decisions signed by an operator key.

Trust (see README, "Oracle nodes"): a node accepts a statement only when its EIP-191 signature
recovers to one of the operator addresses its own operator configured. A statement can
register a platform's report-signing address or a track's split, tier history and consent
(catalog), or release / reject one quarantined (report, track, class) entry. A release can only make
usage payable that a platform signed and this node's own intake held; it cannot create usage.
Statements are content-addressed (keccak of the canonical JSON), stored as files, replicated
between nodes like reports, and a proposal names the releases it counts by hash, so a follower
verifies each one itself before it counts it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.crypto import keccak
from sqlalchemy import Engine, select

from oracle.catalog import Consent, upsert_platform, upsert_track
from oracle.errors import OracleError
from oracle.nodes.cut import STATEMENT_PREFIX
from oracle.store import quarantine_repository
from oracle.store.records import QuarantineStatus
from oracle.store.schema import quarantine, reports

KINDS = ("platform", "track", "quarantine")


class StatementError(OracleError):
    """A statement that is malformed or not signed by a trusted operator."""


def canonical(statement: Mapping[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def statement_hash(statement: Mapping[str, Any]) -> str:
    return "0x" + keccak(canonical(statement)).hex()


@dataclass(frozen=True)
class SignedStatement:
    statement: dict[str, Any]
    signature: str

    @property
    def hash(self) -> str:
        return statement_hash(self.statement)

    @property
    def kind(self) -> str:
        return str(self.statement.get("kind"))

    def as_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "signature": self.signature}

    @classmethod
    def from_json(cls, value: Any) -> SignedStatement:
        if not isinstance(value, dict) or not isinstance(value.get("statement"), dict):
            raise StatementError("a signed statement is {statement: {...}, signature: 0x...}")
        return cls(dict(value["statement"]), str(value.get("signature", "")))

    def signer(self) -> str:
        try:
            return str(
                Account.recover_message(
                    encode_defunct(canonical(self.statement)), signature=self.signature
                )
            )
        except Exception as exc:  # noqa: BLE001 - any malformed signature is refused alike
            raise StatementError(f"statement {self.hash}: unreadable signature ({exc})") from exc


def sign_statement(private_key: str, statement: Mapping[str, Any]) -> SignedStatement:
    if statement.get("kind") not in KINDS:
        raise StatementError(f"statement kind must be one of {', '.join(KINDS)}")
    signed = Account.sign_message(encode_defunct(canonical(statement)), private_key=private_key)
    return SignedStatement(dict(statement), "0x" + bytes(signed.signature).hex())


def platform_statement(
    platform_id: int,
    signer_address: str,
    token: str,
    rates: Iterable[int],
    *,
    max_units_per_report: int | None = None,
    name: str = "",
    issued_at: int = 0,
) -> dict[str, Any]:
    return {
        "kind": "platform",
        "platform_id": platform_id,
        "signer_address": signer_address,
        "token": token,
        "rates": [str(r) for r in rates],
        "max_units_per_report": max_units_per_report,
        "name": name,
        "issued_at": issued_at,
    }


def track_statement(
    track_id: int,
    tier: int,
    *,
    split_address: str | None,
    controller: str | None = None,
    isrc: str | None = None,
    consents: Mapping[int, Consent] | None = None,
    settle_to_split: bool = False,
    recipients: Iterable[str] | None = None,
    shares: Iterable[int] | None = None,
    tier_history: Iterable[tuple[int, int]] = (),
    issued_at: int = 0,
) -> dict[str, Any]:
    """A track as the catalog records it. The split's recipient list is only a claim here:
    the settlement engine checks it against the split's on-chain recipientsRoot before use.

    `tier_history` is TrackRegistry.tierHistory as the catalog holds it, (effectiveFrom, tier)
    ascending from 0 (empty = `tier` at all times): intake judges usage by the tier in force
    in its period (oracle.catalog.Track.tiers_during), so a node without it would hold or
    count usage of a scheduled tier change otherwise than the API's store and the leader."""
    return {
        "kind": "track",
        "settle_to_split": settle_to_split,
        "recipients": None if recipients is None else list(recipients),
        "shares": None if shares is None else [int(x) for x in shares],
        "track_id": track_id,
        "tier": tier,
        "split_address": split_address,
        "controller": controller,
        "isrc": isrc,
        "tier_history": [[int(f), int(t)] for f, t in tier_history],
        "consents": {
            str(c): [v.granted_at, v.revoked_at] for c, v in sorted((consents or {}).items())
        },
        "issued_at": issued_at,
    }


def quarantine_statement(
    report_raw_hash: str, track_id: int, usage_class: int, decision: str, issued_at: int = 0
) -> dict[str, Any]:
    if decision not in ("release", "reject"):
        raise StatementError(f"decision must be release or reject, got {decision!r}")
    return {
        "kind": "quarantine",
        "report": report_raw_hash,
        "track_id": track_id,
        "usage_class": usage_class,
        "decision": decision,
        "issued_at": issued_at,
    }


class StatementStore:
    """Verified statements of this node, as files `statements/<hash>.json`."""

    def __init__(self, data_dir: Path, operators: Iterable[str]) -> None:
        self.directory = data_dir / "statements"
        self.operators = {a.lower() for a in operators}
        self._latest: dict[tuple[str, int], tuple[int, bool, str]] | None = None
        """(kind, platform or track id) -> the newest catalog statement's stamp (_stamp)."""

    def verify(self, signed: SignedStatement) -> None:
        if signed.kind not in KINDS:
            raise StatementError(f"statement {signed.hash}: unknown kind {signed.kind!r}")
        signer = signed.signer().lower()
        if signer not in self.operators:
            raise StatementError(
                f"statement {signed.hash} is signed by {signer}, not by an operator this node "
                "trusts (operator_addresses)"
            )

    def has(self, digest: str) -> bool:
        return (self.directory / f"{digest}.json").is_file()

    def get(self, digest: str) -> SignedStatement | None:
        path = self.directory / f"{digest}.json"
        return SignedStatement.from_json(json.loads(path.read_text())) if path.is_file() else None

    def hashes(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("0x*.json"))

    def add(self, signed: SignedStatement) -> bool:
        """Verifies and keeps a statement; False when it was already held."""
        self.verify(signed)
        path = self.directory / f"{signed.hash}.json"
        if path.is_file():
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(signed.as_json(), sort_keys=True))
        os.replace(tmp, path)
        if self._latest is not None:
            self._note(self._latest, signed)
        return True

    @staticmethod
    def _note(
        latest: dict[tuple[str, int], tuple[int, bool, str]], signed: SignedStatement
    ) -> None:
        key = _catalog_key(signed)
        if key is not None:
            stamp = _stamp(signed)
            latest[key] = max(latest.get(key, stamp), stamp)

    def is_latest(self, signed: SignedStatement) -> bool:
        """Whether a held statement is the newest of its catalog entry, by _stamp (issued_at first):
        statements arrive in any order (relay, anti-entropy), and every node applies the same
        newest one last. Quarantine decisions are always current."""
        key = _catalog_key(signed)
        if key is None:
            return True
        if self._latest is None:
            latest: dict[tuple[str, int], tuple[int, bool, str]] = {}
            for held in self.all():
                self._note(latest, held)
            self._latest = latest
        stamp = _stamp(signed)
        return stamp >= self._latest.get(key, stamp)

    def all(self) -> list[SignedStatement]:
        found = [self.get(h) for h in self.hashes()]
        return [s for s in found if s is not None]


def _stamp(signed: SignedStatement) -> tuple[int, bool, str]:
    """A catalog statement's order: issued_at, then one that carries the tier history before
    one signed before tier histories were relayed (same track, same updated_at: the relay of
    an upgraded API re-signs it), then the hash."""
    s = signed.statement
    return (
        int(s.get("issued_at") or 0),
        signed.kind != "track" or "tier_history" in s,
        signed.hash,
    )


def _catalog_key(signed: SignedStatement) -> tuple[str, int] | None:
    s = signed.statement
    if signed.kind == "platform":
        return ("platform", int(s["platform_id"]))
    if signed.kind == "track":
        return ("track", int(s["track_id"]))
    return None


def apply_statement(engine: Engine, signed: SignedStatement) -> bool:
    """Applies a verified statement to the store; False when it cannot apply yet (its report is
    not here) or was applied already."""
    s = signed.statement
    with engine.begin() as conn:
        if signed.kind == "platform":
            upsert_platform(
                conn,
                int(s["platform_id"]),
                str(s["signer_address"]),
                str(s["token"]),
                [int(r) for r in s["rates"]],
                max_units_per_report=s.get("max_units_per_report"),
                name=str(s.get("name", "")),
            )
            return True
        if signed.kind == "track":
            upsert_track(
                conn,
                int(s["track_id"]),
                int(s["tier"]),
                isrc=s.get("isrc"),
                split_address=s.get("split_address"),
                controller=s.get("controller"),
                consents={int(c): Consent(int(v[0]), int(v[1])) for c, v in s["consents"].items()},
                # The rest of what the API's store settles with: without the split's recipient
                # list and the settleToSplit flag a node flattens otherwise than the API's
                # store (another root: the API's observer could never confirm the epoch).
                settle_to_split=None
                if s.get("settle_to_split") is None
                else bool(s["settle_to_split"]),
                recipients=s.get("recipients"),
                shares=None if s.get("shares") is None else [int(x) for x in s["shares"]],
                # Absent only in a statement signed before tier histories were relayed: keep.
                tier_history=None
                if s.get("tier_history") is None
                else [(int(f), int(t)) for f, t in s["tier_history"]],
            )
            return True
        entry = conn.execute(
            select(quarantine.c.id, quarantine.c.status)
            .join(reports, reports.c.id == quarantine.c.report_version_id)
            .where(
                reports.c.raw_hash == str(s["report"]),
                quarantine.c.track_id == int(s["track_id"]),
                quarantine.c.usage_class == int(s["usage_class"]),
            )
        ).first()
        if entry is None or entry[1] != QuarantineStatus.HELD.value:
            return False
        decide = (
            quarantine_repository.release
            if s["decision"] == "release"
            else quarantine_repository.reject
        )
        decide(conn, int(entry[0]), decided_by=f"{STATEMENT_PREFIX}{signed.hash}")
        return True


def apply_pending_decisions(engine: Engine, store: StatementStore) -> int:
    """Applies the held quarantine decisions whose reports arrived since; returns how many."""
    applied = 0
    for signed in store.all():
        if signed.kind == "quarantine" and apply_statement(engine, signed):
            applied += 1
    return applied
