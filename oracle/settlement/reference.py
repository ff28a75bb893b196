"""A from-scratch recomputation of a sequence of epochs, in Python memory, for tests.

It re-aggregates every usage row of every report version in force at each cut (the way epochs
were computed before they became incremental: oracle.epoch.totals.advance_totals over
payable_totals), flattens every track amount again with oracle.settlement.flatten, sums every
account from all credits, places new leaves after the existing ones (in (account, token) order),
builds the tree in memory and writes the data file with the same
record functions. The incremental engine must give the same root and the same file bytes.
Not for production sizes: it holds the whole history's totals in dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, select

from oracle.epoch.totals import CardKey, PlatformState, Settled, advance_totals
from oracle.settlement.data_file import SUFFIX, DataFileWriter, leaf_line
from oracle.settlement.engine import EpochRequest
from oracle.settlement.flatten import FlatPath, flatten_split, path_credit
from oracle.settlement.records import EpochFacts, header_record, split_record, track_record
from oracle.settlement.splits import VerifiedLists
from oracle.settlement.tree import account_leaf_hash, root_of
from oracle.store.records import QuarantineStatus
from oracle.store.schema import quarantine, reports, tracks, usage
from oracle.store.usage_repository import effective_report_version_ids


@dataclass
class ReferenceState:
    settled: dict[CardKey, Settled] = field(default_factory=dict)
    store_units: dict[CardKey, int] = field(default_factory=dict)
    track_amounts: dict[tuple[int, str], int] = field(default_factory=dict)
    credits: dict[tuple[int, str], list[tuple[str, str, int]]] = field(default_factory=dict)
    leaves: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    positions: dict[tuple[str, str], int] = field(default_factory=dict)
    paths: dict[int, list[FlatPath]] = field(default_factory=dict)
    included_platforms: set[int] = field(default_factory=set)
    settled_reports: set[int] = field(default_factory=set)
    epoch: int = 0
    data_hash: str = "0x" + "00" * 32


@dataclass(frozen=True)
class ReferenceEpoch:
    root: str
    data_hash: str
    data: bytes


def recompute_epoch(
    conn: Connection,
    state: ReferenceState,
    request: EpochRequest,
    platform_at: Mapping[int, PlatformState],
    work_dir: Path,
) -> ReferenceEpoch | None:
    """Epoch `request` from scratch on top of `state` (which it advances, as if confirmed)."""
    current = {
        k: u for k, u in payable_card_totals(conn, request.cut_seq, platform_at).items() if u > 0
    }
    read = {k[1] for k in current} | {k[1] for k in state.settled}
    platforms = {pid: platform_at[pid] for pid in sorted(read)}
    advance = advance_totals(state.settled, current, platforms)
    held = {h.platform_id for h in advance.held_back}
    # Keys whose store units moved (what the incremental engine writes a row for).
    moved = {
        key
        for key in set(current) | set(state.store_units)
        if key[1] not in held and current.get(key, 0) != state.store_units.get(key, 0)
    }
    header_platforms = {
        pid: platform_at[pid]
        for pid in sorted(
            {
                k[1]
                for k in set(current) | set(state.store_units)
                if current.get(k, 0) != state.store_units.get(k, 0)
            }
            | state.included_platforms
        )
    }
    token_of = {pid: p.token.lower() for pid, p in platforms.items()}
    totals = dict(advance.totals)
    touched_tracks = {k[0] for k in moved}
    new_amounts: dict[tuple[int, str], int] = {}
    for (track, pid, _cls, _card), total in totals.items():
        if track in touched_tracks:
            new_amounts.setdefault((track, token_of[pid]), 0)
            new_amounts[(track, token_of[pid])] += total.amount
    touched = sorted(
        (track, token)
        for (track, token) in new_amounts
        if any(k[0] == track and token_of[k[1]] == token for k in moved)
    )
    lists = VerifiedLists(conn)
    info = {
        int(t): (str(s), bool(f))
        for t, s, f in conn.execute(
            select(tracks.c.track_id, tracks.c.split_address, tracks.c.settle_to_split)
        )
    }
    new_credits: dict[tuple[int, str], list[tuple[str, str, int]]] = {}
    for track, token in touched:
        if track not in state.paths:
            split, settle = info[track]
            state.paths[track] = flatten_split(split, lists, settle_to_split=settle)
        amount = new_amounts[(track, token)]
        new_credits[(track, token)] = [
            (p.account, ",".join(p.via), path_credit(amount, p.product, p.depth))
            for p in state.paths[track]
        ]
    all_credits = {**state.credits, **new_credits}
    sums: dict[tuple[str, str], int] = {}
    for (_track, token), rows in all_credits.items():
        for account, _via, credit in rows:
            sums[(account, token)] = sums.get((account, token), 0) + credit
    leaves: dict[tuple[str, str], tuple[int, int]] = dict(state.leaves)
    changed_keys: list[tuple[str, str]] = []
    for key in sorted(set(sums) | set(state.leaves)):
        amount = sums.get(key, 0)
        old = state.leaves.get(key)
        if old is not None and amount <= 0:
            raise ValueError(f"leaf {key} would fall to {amount}: a leaf never leaves the tree")
        if amount <= 0 or (old is not None and old[0] == amount):
            continue
        leaves[key] = (amount, request.epoch)
        changed_keys.append(key)
    if not changed_keys:
        return None
    # Positions: an existing leaf keeps its own, new ones are appended in (account, token) order.
    positions = dict(state.positions)
    for key in changed_keys:
        if key not in positions:
            positions[key] = len(positions)
    ordered = sorted(positions, key=positions.__getitem__)
    root = "0x" + root_of([account_leaf_hash(a, t, leaves[(a, t)][0]) for a, t in ordered]).hex()
    in_force = set(effective_report_version_ids(conn, request.cut_seq))
    pending = [
        (int(i), int(p), str(r))
        for i, p, r in conn.execute(
            select(reports.c.id, reports.c.platform_id, reports.c.report_id).order_by(reports.c.id)
        )
        if int(i) in in_force and int(i) not in state.settled_reports and int(p) not in held
    ]
    new_store = dict(state.store_units)
    for total_key in set(current) | set(state.store_units):
        if total_key[1] not in held:
            new_store[total_key] = current.get(total_key, 0)
    below = sorted(
        (key, total.micro_units, new_store.get(key, 0))
        for key, total in totals.items()
        if new_store.get(key, 0) < total.micro_units
    )
    facts = EpochFacts(
        epoch=request.epoch,
        chain_id=request.chain_id,
        settlement=request.settlement,
        config_version=request.config_version,
        cut_seq=request.cut_seq,
        block_number=request.block_number,
        root=root,
        leaf_count=len(ordered),
        previous_epoch=state.epoch,
        previous_data_hash=state.data_hash,
        platforms=header_platforms,
        debits=advance.debits,
        held_back=advance.held_back,
        below_settled=below,
        reports=tuple((p, r) for _i, p, r in pending),
        cuts=tuple(sorted((pid, request.cut_seq) for pid in header_platforms if pid not in held)),
    )
    path = work_dir / f"reference-{request.epoch:08d}{SUFFIX}"
    with DataFileWriter(path) as writer:
        writer.record(header_record(facts))
        records = []
        nested: set[str] = set()
        for track, token in touched:
            split, settle = info[track]
            key_rows = sorted(
                (pid, card, cls, total.micro_units, total.amount)
                for (t, pid, cls, card), total in totals.items()
                if t == track and token_of[pid] == token
            )
            own = lists(split)
            record, names = track_record(
                track_id=track,
                token=token,
                amount=new_amounts[(track, token)],
                split=split,
                settle_to_split=settle,
                usage_rows=key_rows,
                credit_rows=new_credits[(track, token)],
                own_recipients=list(zip(own.recipients, own.shares, strict=True)) if own else [],
            )
            nested |= names
            records.append(record)
        for split in sorted(nested):
            listed = lists(split)
            assert listed is not None
            writer.record(
                split_record(split, list(zip(listed.recipients, listed.shares, strict=True)))
            )
        for record in records:
            writer.record(record)
        for account, token in sorted(changed_keys, key=positions.__getitem__):
            amount, since = leaves[(account, token)]
            writer.write(leaf_line(positions[(account, token)], account, token, amount, since))
        data_hash = writer.close()
    # Advance the state as a confirmation would.
    state.settled = totals
    state.store_units = new_store
    state.credits = all_credits
    state.leaves = leaves
    state.positions = positions
    state.included_platforms |= {pid for pid in header_platforms if pid not in held}
    state.settled_reports |= {i for i, _p, _r in pending}
    state.epoch, state.data_hash = request.epoch, data_hash
    return ReferenceEpoch(root, data_hash, path.read_bytes())


def payable_card_totals(
    conn: Connection, cut_seq: int, platform_at: Mapping[int, PlatformState]
) -> dict[CardKey, int]:
    """Payable cumulative micro-units per (track, platform, class, rate card) at `cut_seq`: the
    versions in force at the cut, each priced by the card in force at its period start."""
    in_force = effective_report_version_ids(conn, cut_seq)
    totals: dict[CardKey, int] = {}
    released = QuarantineStatus.RELEASED.value
    queries = (
        select(
            usage.c.track_id, usage.c.usage_class, usage.c.report_version_id, usage.c.micro_units
        ),
        select(
            quarantine.c.track_id,
            quarantine.c.usage_class,
            quarantine.c.report_version_id,
            quarantine.c.micro_units,
        ).where(quarantine.c.status == released, quarantine.c.decision_seq <= cut_seq),
    )
    periods = {
        int(i): (int(p), int(s or 0))
        for i, p, s in conn.execute(
            select(reports.c.id, reports.c.platform_id, reports.c.period_start)
        )
    }
    wanted = set(in_force)
    for query in queries:
        for track_id, usage_class, version, micro in conn.execute(query):
            if int(version) not in wanted:
                continue
            pid, start = periods[int(version)]
            card = platform_at[pid].rate_from_at(start) if pid in platform_at else 0
            key = (int(track_id), pid, int(usage_class), card)
            totals[key] = totals.get(key, 0) + int(micro)
    return totals


def recompute_history(
    conn: Connection,
    requests: Sequence[tuple[EpochRequest, Mapping[int, PlatformState]]],
    work_dir: Path,
) -> list[ReferenceEpoch | None]:
    state = ReferenceState()
    return [recompute_epoch(conn, state, request, states, work_dir) for request, states in requests]
