"""Queries behind the contributor dashboard and claims: settled oracle totals per track,
per-epoch movements, platform tokens, indexed claims and releases, relayed claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, or_, select, update
from sqlmodel import Session, col
from web3 import Web3

from api.contributors.models import RelayedClaim
from api.indexer.models import ChainEvent
from api.platforms.models import PlatformAccount
from api.tracks.models import Track, TrackContributor
from oracle.epoch.tables import epoch_totals, epochs, settled_totals
from oracle.store.schema import platforms as oracle_platforms


@dataclass(frozen=True)
class SettledRow:
    track_id: int
    platform_id: int
    usage_class: int
    micro_units: int
    amount: int


@dataclass(frozen=True)
class EpochMovement:
    epoch: int
    root: str
    tx_hash: str | None
    track_id: int
    platform_id: int
    usage_class: int
    micro_units: int
    amount: int


# Built once: every dashboard read runs it, and building a select costs more than running it.
_DATA_VERSION = select(
    select(func.max(epochs.c.epoch)).where(epochs.c.status == "confirmed").scalar_subquery(),
    select(func.max(ChainEvent.id)).scalar_subquery(),
    select(func.max(TrackContributor.track_id)).scalar_subquery(),
)


class ContributorRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settled_rows(self, track_ids: Sequence[int]) -> list[SettledRow]:
        """Settled totals per (track, platform, class), summed over the platform's rate cards
        (the oracle keeps one total per card that priced the usage)."""
        if not track_ids:
            return []
        rows = self.session.connection().execute(
            select(
                settled_totals.c.track_id,
                settled_totals.c.platform_id,
                settled_totals.c.usage_class,
                settled_totals.c.micro_units,
                settled_totals.c.amount,
            )
            .where(settled_totals.c.track_id.in_(list(track_ids)))
            .order_by(
                settled_totals.c.track_id,
                settled_totals.c.platform_id,
                settled_totals.c.usage_class,
            )
        )
        merged: dict[tuple[int, int, int], list[int]] = {}
        for t, p, c, u, a in rows:
            slot = merged.setdefault((int(t), int(p), int(c)), [0, 0])
            slot[0] += int(u)
            slot[1] += int(a)
        return [SettledRow(t, p, c, u, a) for (t, p, c), (u, a) in merged.items()]

    def epoch_movements(self, track_ids: Sequence[int]) -> list[EpochMovement]:
        """Cumulative totals after each confirmed epoch that moved them, oldest first; per
        (track, platform, class) the sum over its rate cards of each card's total then."""
        if not track_ids:
            return []
        rows = self.session.connection().execute(
            select(
                epoch_totals.c.epoch,
                epochs.c.root,
                epochs.c.tx_hash,
                epoch_totals.c.track_id,
                epoch_totals.c.platform_id,
                epoch_totals.c.usage_class,
                epoch_totals.c.rate_from,
                epoch_totals.c.micro_units,
                epoch_totals.c.amount,
            )
            .join(epochs, epochs.c.epoch == epoch_totals.c.epoch)
            .where(epochs.c.status == "confirmed", epoch_totals.c.track_id.in_(list(track_ids)))
            .order_by(epoch_totals.c.epoch)
        )
        cards: dict[tuple[int, int, int], dict[int, tuple[int, int]]] = {}
        moves: dict[tuple[int, int, int, int], EpochMovement] = {}
        for e, r, tx, t, p, c, card, u, a in rows:
            key = (int(t), int(p), int(c))
            per_card = cards.setdefault(key, {})
            per_card[int(card)] = (int(u), int(a))
            units = sum(v[0] for v in per_card.values())
            amount = sum(v[1] for v in per_card.values())
            moves[(int(e), *key)] = EpochMovement(int(e), str(r), tx, *key, units, amount)
        return list(moves.values())

    def data_version(self) -> tuple[int, int, int]:
        """(last confirmed epoch, last indexed event id, last track id) in one statement."""
        row = self.session.connection().execute(_DATA_VERSION).one()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def last_confirmed_epoch(self) -> int:
        value = (
            self.session.connection()
            .execute(select(func.max(epochs.c.epoch)).where(epochs.c.status == "confirmed"))
            .scalar()
        )
        return int(value or 0)

    def platform_tokens(self) -> dict[int, str]:
        tokens = {
            int(p): str(Web3.to_checksum_address(t))
            for p, t in self.session.connection().execute(
                select(oracle_platforms.c.platform_id, oracle_platforms.c.token)
            )
        }
        for platform in self.session.execute(select(PlatformAccount)).scalars():
            tokens.setdefault(platform.platform_id, platform.token)
        return tokens

    def events_for_splits(self, event: str, splits: Sequence[str]) -> list[ChainEvent]:
        if not splits:
            return []
        return list(
            self.session.execute(
                select(ChainEvent)
                .where(col(ChainEvent.event) == event)
                .where(col(ChainEvent.split).in_(list(splits)))
            ).scalars()
        )

    def events_for_account(self, event: str, account: str) -> list[ChainEvent]:
        return list(
            self.session.execute(
                select(ChainEvent)
                .where(col(ChainEvent.event) == event)
                .where(col(ChainEvent.account) == Web3.to_checksum_address(account))
                .order_by(col(ChainEvent.id))
            ).scalars()
        )

    def tracks_by_id(self, track_ids: Sequence[int]) -> dict[int, Track]:
        if not track_ids:
            return {}
        rows = self.session.execute(
            select(Track).where(col(Track.track_id).in_(list(track_ids)))
        ).scalars()
        return {t.track_id: t for t in rows}

    def claim_by_key(self, address: str, key: str) -> RelayedClaim | None:
        return (
            self.session.execute(
                select(RelayedClaim)
                .where(col(RelayedClaim.address) == address)
                .where(col(RelayedClaim.idempotency_key) == key)
            )
            .scalars()
            .first()
        )

    def claims_since(self, address: str, since: datetime) -> int:
        """Relayed claims of `address` created since `since` that count towards its quota: every
        one except a failed claim that sent no transaction (it cost the relayer nothing)."""
        total = self.session.execute(
            select(func.count())
            .select_from(RelayedClaim)
            .where(col(RelayedClaim.address) == address)
            .where(col(RelayedClaim.created_at) >= since)
            .where(
                or_(
                    col(RelayedClaim.status) != "failed",
                    col(RelayedClaim.pull_tx_hashes) != "[]",
                )
            )
        ).scalar()
        return int(total or 0)

    def fail_stale_claims(self, address: str, before: datetime, reason: str) -> int:
        """Marks `address`'s claims still pending since before `before` failed with `reason`:
        the request that started them is gone (an API process stopped between recording the
        claim and recording its result). Returns how many."""
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            update(RelayedClaim)
            .where(col(RelayedClaim.address) == address)
            .where(col(RelayedClaim.status) == "pending")
            .where(col(RelayedClaim.created_at) < before)
            .values(status="failed", error=reason)
        )
        self.session.commit()
        return int(result.rowcount or 0)

    def save_claim(self, claim: RelayedClaim) -> RelayedClaim:
        self.session.add(claim)
        self.session.commit()
        return claim
