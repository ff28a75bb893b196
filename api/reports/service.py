"""Builds a contributor's transparency report for a range of settlement epochs."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session

from api.auth.dependencies import ensure_self_or_operator
from api.auth.principal import Principal
from api.contributors.repository import ContributorRepository
from api.contributors.settlement_proofs import leaves_of_epoch
from api.errors import ValidationFailed
from api.reports.repository import TransparencyRepository
from api.reports.schemas import (
    ChainPayment,
    LeafProof,
    SourceReport,
    TransparencyEpoch,
    TransparencyLine,
    TransparencyReport,
)
from api.tracks.repository import TrackRepository
from chain_client.constants import SCALE, UsageClass


class TransparencyService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = TransparencyRepository(session)
        self.contributors = ContributorRepository(session)
        self.tracks = TrackRepository(session)

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
        memberships = self.tracks.tracks_of_contributor(address)
        track_by_id = {t.track_id: (t, c) for t, c in memberships}
        tokens = self.contributors.platform_tokens()
        epochs = self.repo.confirmed_epochs(epoch_from, upper)
        sources = self.repo.source_reports(sorted(epochs), sorted(track_by_id))
        lines: list[TransparencyLine] = []
        totals: dict[str, int] = defaultdict(int)
        previous: dict[tuple[int, int, int], tuple[int, int]] = {}
        for move in self.contributors.epoch_movements(sorted(track_by_id)):
            key = (move.track_id, move.platform_id, move.usage_class)
            before_units, before_amount = previous.get(key, (0, 0))
            previous[key] = (move.micro_units, move.amount)
            if move.epoch not in epochs:
                continue
            track, member = track_by_id[move.track_id]
            root, data_hash, tx_hash = epochs[move.epoch]
            amount = move.amount - before_amount
            yours = amount * member.share // SCALE
            token = tokens.get(move.platform_id, "")
            totals[token] += yours
            lines.append(
                TransparencyLine(
                    epoch=move.epoch,
                    track_id=move.track_id,
                    title=track.title,
                    platform_id=move.platform_id,
                    usage_class=move.usage_class,
                    class_name=UsageClass(move.usage_class).name,
                    token=token,
                    micro_units=move.micro_units - before_units,
                    amount=amount,
                    share=member.share,
                    your_amount=yours,
                    root=root,
                    data_hash=data_hash,
                    post_tx_hash=tx_hash,
                    source_reports=[
                        SourceReport(platform_id=p, report_id=r, version_id=v)
                        for p, r, v in sources.get(
                            (move.epoch, move.track_id, move.platform_id), []
                        )
                    ],
                )
            )
        splits = {t.split_address.lower() for t, _ in memberships}
        return TransparencyReport(
            address=address,
            epoch_from=epoch_from,
            epoch_to=upper,
            lines=lines,
            epochs=[self._epoch(e, epochs[e], splits) for e in sorted(epochs)],
            payments=self._payments(address, sorted(t.split_address for t, _ in memberships)),
            totals_per_token=dict(totals),
        )

    def _epoch(
        self, epoch: int, header: tuple[str, str, str | None], splits: set[str]
    ) -> TransparencyEpoch:
        leaves = leaves_of_epoch(self.session.connection(), epoch)
        proofs = []
        if leaves is not None:
            for (split, _token), leaf in sorted(leaves.by_split_token.items()):
                if split in splits:
                    proofs.append(
                        LeafProof(
                            split=leaf.split,
                            token=leaf.token,
                            cumulative_amount=leaf.cumulative_amount,
                            cumulative_units=list(leaf.cumulative_units),
                            proof=list(leaf.proof),
                        )
                    )
        return TransparencyEpoch(
            epoch=epoch, root=header[0], data_hash=header[1], post_tx_hash=header[2], leaves=proofs
        )

    def _payments(self, address: str, splits: list[str]) -> list[ChainPayment]:
        payments: list[ChainPayment] = []
        for name in ("Pulled", "Released"):
            for event in self.contributors.events_for_splits(name, splits):
                if name == "Released" and str(event.account).lower() != address.lower():
                    continue
                payments.append(
                    ChainPayment(
                        event=name,
                        split=str(event.split),
                        token=str(event.args["token"]),
                        amount=int(event.args["amount"]),
                        tx_hash=event.tx_hash,
                        block_number=event.block_number,
                    )
                )
        return sorted(payments, key=lambda p: (p.block_number, p.event))
