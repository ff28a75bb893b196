"""Builds the contributor dashboard from settled totals, epoch movements and indexed events."""

from __future__ import annotations

from collections import defaultdict

from api.contributors.repository import ContributorRepository, EpochMovement, SettledRow
from api.contributors.schemas import (
    ContributorDashboard,
    PeriodLine,
    TokenEarnings,
    TrackDashboard,
    UsageLine,
)
from api.tracks.models import Track, TrackContributor
from chain_client.constants import SCALE, UsageClass


def _share_of(amount: int, share: int) -> int:
    return amount * share // SCALE


def _periods(
    movements: list[EpochMovement], tokens: dict[int, str], share: int
) -> list[PeriodLine]:
    last: dict[tuple[int, int], tuple[int, int]] = {}
    grouped: dict[tuple[int, str], list[int]] = {}
    meta: dict[int, tuple[str, str | None]] = {}
    for m in movements:
        before_units, before_amount = last.get((m.platform_id, m.usage_class), (0, 0))
        last[(m.platform_id, m.usage_class)] = (m.micro_units, m.amount)
        token = tokens.get(m.platform_id, "")
        sums = grouped.setdefault((m.epoch, token), [0, 0])
        sums[0] += m.micro_units - before_units
        sums[1] += m.amount - before_amount
        meta[m.epoch] = (m.root, m.tx_hash)
    return [
        PeriodLine(
            epoch=epoch,
            root=meta[epoch][0],
            tx_hash=meta[epoch][1],
            token=token,
            micro_units=units,
            amount=amount,
            your_share=_share_of(amount, share),
        )
        for (epoch, token), (units, amount) in sorted(grouped.items())
    ]


def build_dashboard(
    address: str,
    memberships: list[tuple[Track, TrackContributor]],
    repo: ContributorRepository,
) -> ContributorDashboard:
    track_ids = [track.track_id for track, _ in memberships]
    splits = [track.split_address for track, _ in memberships]
    tokens = repo.platform_tokens()
    settled_by_track: dict[int, list[SettledRow]] = defaultdict(list)
    for row in repo.settled_rows(track_ids):
        settled_by_track[row.track_id].append(row)
    moves_by_track: dict[int, list[EpochMovement]] = defaultdict(list)
    for move in repo.epoch_movements(track_ids):
        moves_by_track[move.track_id].append(move)
    pulled: dict[tuple[str, str], int] = defaultdict(int)
    for event in repo.events_for_splits("Pulled", splits):
        pulled[(str(event.split), str(event.args["token"]))] += int(event.args["amount"])
    released: dict[tuple[str, str], int] = defaultdict(int)
    for event in repo.events_for_splits("Released", splits):
        if str(event.account).lower() == address.lower():
            released[(str(event.split), str(event.args["token"]))] += int(event.args["amount"])

    tracks: list[TrackDashboard] = []
    for track, member in memberships:
        rows = settled_by_track[track.track_id]
        accrued: dict[str, int] = defaultdict(int)
        for row in rows:
            accrued[tokens.get(row.platform_id, "")] += row.amount
        seen_tokens = set(accrued)
        seen_tokens |= {t for (s, t) in pulled if s == track.split_address}
        seen_tokens |= {t for (s, t) in released if s == track.split_address}
        earnings = [
            TokenEarnings(
                token=token,
                accrued=_share_of(accrued.get(token, 0), member.share),
                pulled_to_split=_share_of(
                    pulled.get((track.split_address, token), 0), member.share
                ),
                released_to_you=released.get((track.split_address, token), 0),
            )
            for token in sorted(seen_tokens)
        ]
        tracks.append(
            TrackDashboard(
                track_id=track.track_id,
                title=track.title,
                split_address=track.split_address,
                share=member.share,
                role=member.role,
                usage=[
                    UsageLine(
                        platform_id=row.platform_id,
                        usage_class=row.usage_class,
                        class_name=UsageClass(row.usage_class).name,
                        micro_units=row.micro_units,
                        amount=row.amount,
                        token=tokens.get(row.platform_id, ""),
                    )
                    for row in rows
                ],
                ai_generation_units=sum(
                    r.micro_units for r in rows if r.usage_class == UsageClass.AI_GENERATION
                ),
                ai_remix_units=sum(
                    r.micro_units for r in rows if r.usage_class == UsageClass.AI_REMIX
                ),
                earnings=earnings,
                periods=_periods(moves_by_track[track.track_id], tokens, member.share),
            )
        )
    return ContributorDashboard(
        address=address, last_settled_epoch=repo.last_confirmed_epoch(), tracks=tracks
    )
