"""Builds the contributor dashboard from the account's leaves and sources, settled totals,
epoch movements and indexed events.

An account is paid from every track whose flattening reaches it: tracks it is a direct recipient
of, and tracks whose split lists a split it is paid from (a remix paying the original). Per
track the dashboard shows usage per platform and class, what settlement credited the account
from it (the rule of api.contributors.earnings) and per epoch what each epoch added; per token
the account's leaf in the last confirmed epoch and what claims paid it.
"""

from __future__ import annotations

from collections import defaultdict

from api.contributors.earnings import AccountPath, account_paths, credited, cumulative_by_epoch
from api.contributors.repository import ContributorRepository, EpochMovement, SettledRow
from api.contributors.schemas import (
    AccountTotals,
    ContributorDashboard,
    PathLine,
    PeriodLine,
    TokenEarnings,
    TrackDashboard,
    UsageLine,
)
from api.tracks.models import Track, TrackContributor
from chain_client.constants import UsageClass
from oracle.settlement.queries import account_leaves, account_sources


def _periods(
    movements: list[EpochMovement],
    tokens: dict[int, str],
    paths: list[AccountPath],
) -> list[PeriodLine]:
    meta = {m.epoch: (m.root, m.tx_hash) for m in movements}
    lines: list[PeriodLine] = []
    for (_track, token), points in sorted(cumulative_by_epoch(movements, tokens).items()):
        before_units = before_amount = before_yours = 0
        for epoch, units, amount in points:
            yours = credited(amount, paths)
            lines.append(
                PeriodLine(
                    epoch=epoch,
                    root=meta[epoch][0],
                    tx_hash=meta[epoch][1],
                    token=token,
                    micro_units=units - before_units,
                    amount=amount - before_amount,
                    your_share=yours - before_yours,
                )
            )
            before_units, before_amount, before_yours = units, amount, yours
    return sorted(lines, key=lambda p: (p.epoch, p.token))


def build_dashboard(
    address: str,
    memberships: list[tuple[Track, TrackContributor]],
    repo: ContributorRepository,
) -> ContributorDashboard:
    conn = repo.session.connection()
    epoch = repo.last_confirmed_epoch()
    leaves = account_leaves(conn, address, epoch) if epoch else []
    credit: dict[tuple[int, str], int] = defaultdict(int)
    for leaf in leaves:
        for source in account_sources(conn, address, leaf.token, epoch):
            credit[(source.track_id, source.token)] += source.amount
    members = {track.track_id: member for track, member in memberships}
    tracks_by_id = {track.track_id: track for track, _ in memberships}
    tracks_by_id.update(repo.tracks_by_id(sorted({t for t, _ in credit} - set(tracks_by_id))))
    track_ids = sorted(tracks_by_id)
    tokens = repo.platform_tokens()
    settled_by_track: dict[int, list[SettledRow]] = defaultdict(list)
    for row in repo.settled_rows(track_ids):
        settled_by_track[row.track_id].append(row)
    moves_by_track: dict[int, list[EpochMovement]] = defaultdict(list)
    for move in repo.epoch_movements(track_ids):
        moves_by_track[move.track_id].append(move)
    released: dict[tuple[str, str], int] = defaultdict(int)
    for event in repo.events_for_account("Released", address):
        released[(str(event.split), str(event.args["token"]))] += int(event.args["amount"])
    claimed: dict[str, int] = defaultdict(int)
    for event in repo.events_for_account("Claimed", address):
        claimed[str(event.args["token"]).lower()] += int(event.args["amount"])

    paths_of = account_paths(
        conn,
        address,
        {
            t: (tracks_by_id[t].split_address, members[t].share if t in members else None)
            for t in track_ids
        },
    )
    tracks: list[TrackDashboard] = []
    for track_id in track_ids:
        track = tracks_by_id[track_id]
        member = members.get(track_id)
        paths = paths_of[track_id]
        rows = settled_by_track[track_id]
        accrued: dict[str, int] = defaultdict(int)
        for row in rows:
            accrued[tokens.get(row.platform_id, "")] += row.amount
        seen = set(accrued) | {t for (s, t) in released if s == track.split_address}
        earnings = [
            TokenEarnings(
                token=token,
                accrued=credit.get((track_id, token), credited(accrued.get(token, 0), paths))
                if token in accrued
                else 0,
                released_to_you=released.get((track.split_address, token), 0),
            )
            for token in sorted(seen)
        ]
        tracks.append(
            TrackDashboard(
                track_id=track_id,
                title=track.title,
                split_address=track.split_address,
                share=member.share if member else 0,
                role=member.role if member else "via a nested split",
                paths=[
                    PathLine(path=list(p.path), product=p.product, depth=p.depth) for p in paths
                ],
                usage=[
                    UsageLine(
                        platform_id=row.platform_id,
                        usage_class=row.usage_class,
                        class_name=UsageClass(row.usage_class).name,
                        micro_units=row.micro_units,
                        amount=row.amount,
                        your_amount=credited(row.amount, paths),
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
                periods=_periods(moves_by_track[track_id], tokens, paths),
            )
        )
    return ContributorDashboard(
        address=address,
        last_settled_epoch=epoch,
        settlement=[
            AccountTotals(
                token=leaf.token,
                cumulative_amount=leaf.cumulative_amount,
                claimed=claimed.get(leaf.token.lower(), 0),
            )
            for leaf in leaves
        ],
        tracks=tracks,
    )
