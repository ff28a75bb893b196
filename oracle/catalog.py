"""The oracle's catalog: platforms (signing key, token, rate card, declared bound), tracks
(ISRC, split, controller, licence tier, consent per usage class, settleToSplit) and split
recipient lists. Upserted by the API and by a chain sync; read by intake and by epochs.

A split's recipient list here is only a claim: an epoch uses it once it matched the split's
on-chain ``recipientsRoot()`` (oracle.settlement.splits)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from chain_client.constants import MAX_TIER, MIN_TIER, NUM_CLASSES
from oracle.errors import CatalogError, UnknownPlatformError
from oracle.intake.refs import normalize_isrc
from oracle.settlement.flatten import check_list
from oracle.settlement.tables import split_recipients, splits
from oracle.store.schema import platforms, track_consents, track_tiers, tracks

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


@dataclass(frozen=True)
class Platform:
    platform_id: int
    name: str
    signer_address: str
    token: str
    rates: tuple[int, ...]
    max_units_per_report: int | None


@dataclass(frozen=True)
class Consent:
    """Unix seconds; 0 = never."""

    granted_at: int = 0
    revoked_at: int = 0


_ID_CHUNK = 500  # ids per IN list: far below SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Track:
    track_id: int
    tier: int
    isrc: str | None = None
    split_address: str | None = None
    controller: str | None = None
    consents: Mapping[int, Consent] = field(default_factory=dict)
    settle_to_split: bool = False
    tiers: tuple[tuple[int, int], ...] = ()
    """Tier history (effectiveFrom, tier), ascending from 0; () = `tier` at all times."""

    def tiers_during(self, start: int, end: int) -> set[int]:
        """Every tier in force at some time of [start, end) (TrackRegistry.tierAt's rule)."""
        if not self.tiers:
            return {self.tier}
        found: set[int] = set()
        current = self.tiers[0][1]
        for effective_from, tier in self.tiers:
            if effective_from <= start:
                current = tier
            elif effective_from < end:
                found.add(tier)
        found.add(current)
        return found


def _address(value: str, what: str) -> str:
    if not _ADDRESS.match(value):
        raise CatalogError(f"{what} must be a 0x-prefixed 20-byte hex address, got {value!r}")
    return value.lower()


def upsert_platform(
    conn: Connection,
    platform_id: int,
    signer_address: str,
    token: str,
    rates: Sequence[int],
    max_units_per_report: int | None = None,
    name: str = "",
) -> Platform:
    """Creates or replaces a platform. Rates are token base units per unit x 1e6, one per class."""
    if platform_id <= 0:
        raise CatalogError(f"platform_id must be positive, got {platform_id}")
    if len(rates) != NUM_CLASSES or any(not isinstance(r, int) or r < 0 for r in rates):
        raise CatalogError(f"rates must be {NUM_CLASSES} non-negative integers, got {list(rates)}")
    if max_units_per_report is not None and max_units_per_report <= 0:
        raise CatalogError(f"max_units_per_report must be positive, got {max_units_per_report}")
    values = {
        "name": name,
        "signer_address": _address(signer_address, "signer_address"),
        "token": _address(token, "token"),
        "rates": json.dumps([str(r) for r in rates]),
        "max_units_per_report": max_units_per_report,
        "updated_at": int(time.time()),
    }
    exists = conn.execute(
        select(platforms.c.platform_id).where(platforms.c.platform_id == platform_id)
    ).first()
    if exists is None:
        conn.execute(insert(platforms).values(platform_id=platform_id, **values))
    else:
        conn.execute(
            update(platforms).where(platforms.c.platform_id == platform_id).values(**values)
        )
    return get_platform(conn, platform_id)


def find_platform(conn: Connection, platform_id: int) -> Platform | None:
    row = conn.execute(select(platforms).where(platforms.c.platform_id == platform_id)).first()
    if row is None:
        return None
    m = row._mapping
    return Platform(
        platform_id=int(m["platform_id"]),
        name=m["name"],
        signer_address=m["signer_address"],
        token=m["token"],
        rates=tuple(int(r) for r in json.loads(m["rates"])),
        max_units_per_report=m["max_units_per_report"],
    )


def get_platform(conn: Connection, platform_id: int) -> Platform:
    platform = find_platform(conn, platform_id)
    if platform is None:
        raise UnknownPlatformError(f"platform {platform_id} is not registered with the oracle")
    return platform


def list_platforms(conn: Connection) -> list[Platform]:
    ids = conn.execute(select(platforms.c.platform_id).order_by(platforms.c.platform_id))
    return [get_platform(conn, int(row[0])) for row in ids]


def upsert_track(
    conn: Connection,
    track_id: int,
    tier: int,
    isrc: str | None = None,
    split_address: str | None = None,
    controller: str | None = None,
    consents: Mapping[int, Consent] | None = None,
    *,
    settle_to_split: bool | None = None,
    recipients: Sequence[str] | None = None,
    shares: Sequence[int] | None = None,
    tier_history: Sequence[tuple[int, int]] | None = None,
) -> Track:
    """Creates or replaces a track; `consents` (if given) replaces the listed classes' consent.

    `settle_to_split` mirrors the registry's immutable flag (None keeps the stored value, False
    for a new track). `recipients`/`shares`, when given, record the split's recipient list.
    `tier_history` (effectiveFrom, tier) from 0, ascending, replaces the stored history (None
    keeps it): usage is judged by the tiers in force in its period, so a scheduled tier change
    is never retroactive.
    """
    if track_id <= 0:
        raise CatalogError(f"track_id must be positive, got {track_id}")
    if not MIN_TIER <= tier <= MAX_TIER:
        raise CatalogError(f"tier must be {MIN_TIER}-{MAX_TIER}, got {tier}")
    normalized = None
    if isrc is not None and isrc != "":
        normalized = normalize_isrc(isrc)
        if normalized is None:
            raise CatalogError(f"isrc {isrc!r} is not an ISRC (CC-XXX-YY-NNNNN, 12 characters)")
        holder = conn.execute(select(tracks.c.track_id).where(tracks.c.isrc == normalized)).scalar()
        if holder is not None and int(holder) != track_id:
            raise CatalogError(f"isrc {normalized} already belongs to track {holder}")
    values = {
        "tier": tier,
        "isrc": normalized,
        "split_address": _address(split_address, "split_address") if split_address else None,
        "controller": _address(controller, "controller") if controller else None,
        "updated_at": int(time.time()),
    }
    if settle_to_split is not None:
        values["settle_to_split"] = 1 if settle_to_split else 0
    exists = conn.execute(select(tracks.c.track_id).where(tracks.c.track_id == track_id)).first()
    if exists is None:
        conn.execute(insert(tracks).values(track_id=track_id, **values))
    else:
        conn.execute(update(tracks).where(tracks.c.track_id == track_id).values(**values))
    for usage_class, consent in (consents or {}).items():
        set_consent(conn, track_id, usage_class, consent)
    if tier_history is not None:
        set_tier_history(conn, track_id, tier_history)
    if recipients is not None or shares is not None:
        if not split_address:
            raise CatalogError(f"track {track_id}: recipients given without a split_address")
        set_split_recipients(conn, split_address, recipients or (), shares or ())
    if normalized is not None:
        from oracle.intake.dsrf.store import resolve_unknown_usage  # (imports rules -> catalog)

        resolve_unknown_usage(conn, track_id)
    found = get_tracks(conn, [track_id])
    return found[track_id]


def set_consent(conn: Connection, track_id: int, usage_class: int, consent: Consent) -> None:
    if not 0 <= usage_class < NUM_CLASSES:
        raise CatalogError(f"usage_class must be 0-{NUM_CLASSES - 1}, got {usage_class}")
    if consent.granted_at < 0 or consent.revoked_at < 0:
        raise CatalogError("consent times must be unix seconds >= 0 (0 = never)")
    key = (track_consents.c.track_id == track_id) & (track_consents.c.usage_class == usage_class)
    values = {"granted_at": consent.granted_at, "revoked_at": consent.revoked_at}
    if conn.execute(select(track_consents.c.track_id).where(key)).first() is None:
        conn.execute(
            insert(track_consents).values(track_id=track_id, usage_class=usage_class, **values)
        )
    else:
        conn.execute(update(track_consents).where(key).values(**values))


def set_tier_history(conn: Connection, track_id: int, history: Sequence[tuple[int, int]]) -> None:
    """Replaces a track's tier history: (effectiveFrom, tier), the first from 0, ascending."""
    froms = [int(f) for f, _t in history]
    if history and (froms[0] != 0 or froms != sorted(set(froms))):
        raise CatalogError(
            f"track {track_id}: tier history must start at 0 and ascend, got {froms}"
        )
    for _f, tier in history:
        if not MIN_TIER <= tier <= MAX_TIER:
            raise CatalogError(f"tier must be {MIN_TIER}-{MAX_TIER}, got {tier}")
    conn.execute(track_tiers.delete().where(track_tiers.c.track_id == track_id))
    if history:
        conn.execute(
            insert(track_tiers),
            [{"track_id": track_id, "effective_from": f, "tier": t} for f, t in history],
        )


def _among(column: Any, chunk: Sequence[int]) -> Any:
    """`column` in the sorted ids `chunk`: as a range when the range holds few other ids (the
    caller drops those), else as an IN list."""
    low, high = chunk[0], chunk[-1]
    if high - low < 2 * len(chunk):
        return column.between(low, high)
    return column.in_(chunk)


def get_tracks(conn: Connection, track_ids: Iterable[int]) -> dict[int, Track]:
    """Tracks by id (unknown ids are absent), read in chunks of ids.

    A report names up to every track of a catalog, so this runs per report on thousands of ids:
    a dense chunk of ids is read as one id range (rendering a 500-parameter IN list per query
    was a tenth of a DSR file's ingest time), a sparse one as an IN list."""
    ids = sorted(set(track_ids))
    found: dict[int, Track] = {}
    c, t = track_consents.c, track_tiers.c
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        wanted = set(chunk)
        consents: dict[int, dict[int, Consent]] = {}
        for track_id, usage_class, granted, revoked in conn.execute(
            select(c.track_id, c.usage_class, c.granted_at, c.revoked_at).where(
                _among(c.track_id, chunk)
            )
        ):
            if track_id not in wanted:
                continue
            consents.setdefault(track_id, {})[usage_class] = Consent(granted, revoked)
        tiers: dict[int, list[tuple[int, int]]] = {}
        for track_id, effective_from, tier in conn.execute(
            select(t.track_id, t.effective_from, t.tier)
            .where(_among(t.track_id, chunk))
            .order_by(t.track_id, t.effective_from)
        ):
            if track_id not in wanted:
                continue
            tiers.setdefault(track_id, []).append((effective_from, tier))
        for track_id, tier, isrc, split, controller, settle in conn.execute(
            select(
                tracks.c.track_id,
                tracks.c.tier,
                tracks.c.isrc,
                tracks.c.split_address,
                tracks.c.controller,
                tracks.c.settle_to_split,
            ).where(_among(tracks.c.track_id, chunk))
        ):
            if track_id not in wanted:
                continue
            found[track_id] = Track(
                track_id=track_id,
                tier=tier,
                isrc=isrc,
                split_address=split,
                controller=controller,
                consents=consents.get(track_id, {}),
                settle_to_split=bool(settle),
                tiers=tuple(tiers.get(track_id, ())),
            )
    return found


def set_split_recipients(
    conn: Connection, split: str, recipients: Sequence[str], shares: Sequence[int]
) -> None:
    """Records (replaces) a split's recipient list: ascending addresses, shares summing to 1e6.

    The list root is stored with it; the chain's root is read and cached by the first epoch
    that needs the split (oracle.settlement.splits.verify_splits).
    """
    from chain_client.merkle import recipients_root

    key = _address(split, "split")
    problem = check_list(list(recipients), list(shares))
    if problem is not None:
        raise CatalogError(f"split {split}: {problem}")
    conn.execute(split_recipients.delete().where(split_recipients.c.split == key))
    conn.execute(
        insert(split_recipients),
        [
            {"split": key, "position": i, "recipient": _address(r, "recipient"), "share": int(s)}
            for i, (r, s) in enumerate(zip(recipients, shares, strict=True))
        ],
    )
    root = "0x" + recipients_root(list(recipients), [int(s) for s in shares]).hex()
    existing = conn.execute(select(splits.c.list_root).where(splits.c.split == key)).first()
    if existing is None:
        conn.execute(insert(splits).values(split=key, list_root=root))
    elif existing[0] != root:
        conn.execute(update(splits).where(splits.c.split == key).values(list_root=root))


def split_recipient_list(conn: Connection, split: str) -> tuple[list[str], list[int]] | None:
    """The catalog's recipient list of a split (not yet checked against the chain)."""
    rows = conn.execute(
        select(split_recipients.c.recipient, split_recipients.c.share)
        .where(split_recipients.c.split == _address(split, "split"))
        .order_by(split_recipients.c.position)
    ).all()
    if not rows:
        return None
    return [str(r) for r, _ in rows], [int(s) for _, s in rows]
