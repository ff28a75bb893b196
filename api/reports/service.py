"""Builds an account's transparency report for a range of settlement epochs.

Each credit is what one epoch added to the account from one track in one token: the track's
cumulative amount after the epoch and before it, passed through the account's paths (one floor
per path, api.contributors.earnings), with the usage per platform and class that moved it and
the platform reports it came from. Per epoch: the root, the data file hash, the posting
transaction and, where the store keeps them, the account's leaves with their proofs. Then the
claims and split releases that paid the account on chain."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session

from api.auth.dependencies import ensure_self_or_operator
from api.auth.principal import Principal
from api.contributors.earnings import account_paths, credited, cumulative_by_epoch
from api.contributors.repository import ContributorRepository, EpochMovement
from api.errors import ValidationFailed
from api.reports.repository import TransparencyRepository
from api.reports.schemas import (
    ChainPayment,
    LeafProof,
    PathShare,
    SourceReport,
    TrackCredit,
    TransparencyEpoch,
    TransparencyReport,
    UsageMove,
)
from api.tracks.models import Track
from api.tracks.repository import TrackRepository
from chain_client.constants import UsageClass
from oracle.settlement.queries import account_leaves, account_sources


class TransparencyService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = TransparencyRepository(session)
        self.contributors = ContributorRepository(session)
        self.tracks = TrackRepository(session)

    def _tracks(self, address: str, last: int) -> tuple[dict[int, Track], dict[int, int]]:
        """Every track paying the account: those it is a recipient of, and those whose
        flattening reaches it (its leaf's sources); with its direct share where it has one."""
        memberships = self.tracks.tracks_of_contributor(address)
        tracks = {t.track_id: t for t, _ in memberships}
        shares = {t.track_id: c.share for t, c in memberships}
        conn = self.session.connection()
        sourced: set[int] = set()
        for leaf in account_leaves(conn, address, last) if last else []:
            sourced |= {s.track_id for s in account_sources(conn, address, leaf.token, last)}
        tracks.update(self.contributors.tracks_by_id(sorted(sourced - set(tracks))))
        return tracks, shares

    def build(
        self, address: str, epoch_from: int, epoch_to: int | None, principal: Principal
    ) -> TransparencyReport:
        ensure_self_or_operator(principal, address)
        last = self.contributors.last_confirmed_epoch()
        upper = last if epoch_to is None else epoch_to
        if upper < epoch_from:
            raise ValidationFailed(
                f"epoch_to: {upper} is before epoch_from {epoch_from}",
                {"last_confirmed_epoch": last},
            )
        conn = self.session.connection()
        tracks, shares = self._tracks(address, last)
        tokens = self.contributors.platform_tokens()
        epochs = self.repo.confirmed_epochs(epoch_from, upper)
        sources = self.repo.source_reports(sorted(epochs), sorted(tracks))
        movements = self.contributors.epoch_movements(sorted(tracks))
        usage = self._usage_moves(movements, tokens, sources)
        paths_of = account_paths(
            conn, address, {t: (tr.split_address, shares.get(t)) for t, tr in tracks.items()}
        )
        credits: list[TrackCredit] = []
        totals: dict[str, int] = defaultdict(int)
        for (track_id, token), points in sorted(cumulative_by_epoch(movements, tokens).items()):
            track = tracks[track_id]
            paths = paths_of[track_id]
            before_amount = before_yours = 0
            for epoch, _units, amount in points:
                yours = credited(amount, paths)
                if epoch in epochs:
                    root, data_hash, tx_hash = epochs[epoch]
                    totals[token] += yours - before_yours
                    credits.append(
                        TrackCredit(
                            epoch=epoch,
                            track_id=track_id,
                            title=track.title,
                            token=token,
                            paths=[
                                PathShare(path=list(p.path), product=p.product, depth=p.depth)
                                for p in paths
                            ],
                            track_cumulative=amount,
                            your_cumulative=yours,
                            track_amount=amount - before_amount,
                            your_amount=yours - before_yours,
                            root=root,
                            data_hash=data_hash,
                            post_tx_hash=tx_hash,
                            usage=usage.get((epoch, track_id, token), []),
                        )
                    )
                before_amount, before_yours = amount, yours
        credits.sort(key=lambda c: (c.epoch, c.track_id, c.token))
        return TransparencyReport(
            address=address,
            epoch_from=epoch_from,
            epoch_to=upper,
            credits=credits,
            epochs=[self._epoch(address, e, epochs[e]) for e in sorted(epochs)],
            payments=self._payments(address),
            totals_per_token=dict(totals),
        )

    @staticmethod
    def _usage_moves(
        movements: list[EpochMovement],
        tokens: dict[int, str],
        sources: dict[tuple[int, int, int], list[tuple[int, str, int]]],
    ) -> dict[tuple[int, int, str], list[UsageMove]]:
        previous: dict[tuple[int, int, int], tuple[int, int]] = {}
        moves: dict[tuple[int, int, str], list[UsageMove]] = defaultdict(list)
        for m in movements:
            key = (m.track_id, m.platform_id, m.usage_class)
            before_units, before_amount = previous.get(key, (0, 0))
            previous[key] = (m.micro_units, m.amount)
            moves[(m.epoch, m.track_id, tokens.get(m.platform_id, ""))].append(
                UsageMove(
                    platform_id=m.platform_id,
                    usage_class=m.usage_class,
                    class_name=UsageClass(m.usage_class).name,
                    micro_units=m.micro_units - before_units,
                    amount=m.amount - before_amount,
                    source_reports=[
                        SourceReport(platform_id=p, report_id=r, version_id=v)
                        for p, r, v in sources.get((m.epoch, m.track_id, m.platform_id), [])
                    ],
                )
            )
        return moves

    def _epoch(
        self, address: str, epoch: int, header: tuple[str, str, str | None]
    ) -> TransparencyEpoch:
        leaves = account_leaves(self.session.connection(), address, epoch)
        return TransparencyEpoch(
            epoch=epoch,
            root=header[0],
            data_hash=header[1],
            post_tx_hash=header[2],
            leaves=[
                LeafProof(
                    account=leaf.account,
                    token=leaf.token,
                    cumulative_amount=leaf.cumulative_amount,
                    proof=list(leaf.proof),
                )
                for leaf in leaves
            ],
        )

    def _payments(self, address: str) -> list[ChainPayment]:
        payments = [
            ChainPayment(
                event=name,
                split=str(event.split) if name == "Released" else None,
                token=str(event.args["token"]),
                amount=int(event.args["amount"]),
                tx_hash=event.tx_hash,
                block_number=event.block_number,
            )
            for name in ("Claimed", "Released")
            for event in self.contributors.events_for_account(name, address)
        ]
        return sorted(payments, key=lambda p: (p.block_number, p.event))
