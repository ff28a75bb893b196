"""The records of a data file (v2): header, split recipient lists, (track, token) records.

Shared by the incremental engine and the from-scratch reference so both write the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oracle.epoch.totals import CardKey, HeldBack, PlatformState
from oracle.settlement.data_file import AMOUNT_RULE, FLATTENING_RULE, FORMAT, TREE_RULE
from oracle.settlement.flatten import MAX_SPLIT_DEPTH, SHARE_SCALE
from oracle.settlement.tree import ACCOUNT_LEAF_TYPES

_PLAIN = re.compile(r"[0-9a-z,]*")
"""Characters canonical JSON writes unescaped, as the engine's strings use them."""


@dataclass(frozen=True, slots=True)
class EpochFacts:
    epoch: int
    chain_id: int
    settlement: str
    config_version: int
    cut_seq: int
    block_number: int
    root: str
    leaf_count: int
    previous_epoch: int
    previous_data_hash: str
    platforms: Mapping[int, PlatformState]
    debits: Sequence[tuple[int, int]]
    held_back: Sequence[HeldBack]
    below_settled: Sequence[tuple[CardKey, int, int]]
    reports: Sequence[tuple[int, str]]
    cuts: Sequence[tuple[int, int]]
    carried: Sequence[tuple[int, int]] = ()
    """(platform id, amount) each debit includes from earlier epochs (held back on chain)."""


def header_record(facts: EpochFacts) -> dict[str, Any]:
    return {
        "kind": "header",
        "format": FORMAT,
        "epoch": facts.epoch,
        "chainId": facts.chain_id,
        "settlement": facts.settlement.lower(),
        "configVersion": facts.config_version,
        "cutSequence": facts.cut_seq,
        "blockNumber": facts.block_number,
        "root": facts.root,
        "leafCount": facts.leaf_count,
        "previousEpoch": facts.previous_epoch,
        "previousDataHash": facts.previous_data_hash,
        "leafEncoding": list(ACCOUNT_LEAF_TYPES),
        "amountRule": AMOUNT_RULE,
        "flatteningRule": FLATTENING_RULE,
        "treeRule": TREE_RULE,
        "maxSplitDepth": MAX_SPLIT_DEPTH,
        "shareScale": SHARE_SCALE,
        "rateCards": [
            {
                "platformId": p.platform_id,
                "token": p.token.lower(),
                "rateFrom": rate_from,
                "rates": list(map(str, rates)),
            }
            for _, p in sorted(facts.platforms.items())
            for rate_from, rates in p.rate_cards
        ],
        "debits": [{"platformId": pid, "amount": str(amount)} for pid, amount in facts.debits],
        "carried": [{"platformId": pid, "amount": str(amount)} for pid, amount in facts.carried],
        "heldBack": [
            {"platformId": h.platform_id, "debit": str(h.debit), "escrow": str(h.escrow)}
            for h in facts.held_back
        ],
        "belowSettled": [
            {
                "trackId": track,
                "platformId": platform_id,
                "usageClass": usage_class,
                "rateFrom": rate_from,
                "settledUnits": str(settled_units),
                "storeUnits": str(store_units),
            }
            for (
                (track, platform_id, usage_class, rate_from),
                settled_units,
                store_units,
            ) in facts.below_settled
        ],
        "reports": [
            {"platformId": pid, "reportId": rid} for pid, rid in sorted(set(facts.reports))
        ],
        "cuts": [{"platformId": pid, "cutSequence": cut} for pid, cut in facts.cuts],
    }


def split_record(split: str, recipients: Sequence[tuple[str, int]]) -> dict[str, Any]:
    return {"kind": "split", "split": split, "recipients": [[r, s] for r, s in recipients]}


def _usage_by_platform(
    usage_rows: Sequence[tuple[int, int, int, int, int]],
) -> dict[tuple[int, int], tuple[list[str], list[str]]]:
    """(platform, rate card's effectiveFrom) -> (units, amounts) per usage class, as strings."""
    per_platform: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    for platform_id, rate_from, usage_class, units, class_amount in usage_rows:
        slot = per_platform.setdefault((platform_id, rate_from), (["0"] * 6, ["0"] * 6))
        slot[0][usage_class] = str(units)
        slot[1][usage_class] = str(class_amount)
    return per_platform


def _credit_paths(
    credit_rows: Sequence[tuple[str, str, int]],
) -> tuple[list[tuple[str, list[str], int]], set[str]]:
    """(account, path, amount) per credit row, and the nested splits the paths pass through."""
    nested: set[str] = set()
    credits = []
    for account, via, credit in credit_rows:
        path = [a for a in via.split(",") if a]
        nested.update(path[1:])
        credits.append((account, path, credit))
    return credits, nested


def track_record(
    *,
    track_id: int,
    token: str,
    amount: int,
    split: str,
    settle_to_split: bool,
    usage_rows: Sequence[tuple[int, int, int, int, int]],
    credit_rows: Sequence[tuple[str, str, int]],
    own_recipients: Sequence[tuple[str, int]],
) -> tuple[dict[str, Any], set[str]]:
    """One (track, token) record and the nested splits its credits pass through.

    usage_rows: (platform, rate card's effectiveFrom, class, micro-units, amount); credit_rows:
    (account, via, amount) with via comma-separated.
    """
    per_platform = _usage_by_platform(usage_rows)
    credits, nested = _credit_paths(credit_rows)
    flattened = any(path for _a, path, _c in credits)
    credit_list = [
        {"account": account, "via": path, "amount": str(credit)}
        for account, path, credit in credits
    ]
    record = {
        "kind": "track",
        "trackId": track_id,
        "token": token,
        "amount": str(amount),
        "split": split,
        "settleToSplit": settle_to_split,
        "recipients": [[r, s] for r, s in own_recipients] if flattened else None,
        "usage": [
            {"platformId": pid, "rateFrom": rate_from, "units": units, "amounts": amounts}
            for (pid, rate_from), (units, amounts) in sorted(per_platform.items())
        ],
        "credits": credit_list,
    }
    return record, nested


def _strings(values: Sequence[str]) -> str:
    return '["' + '","'.join(values) + '"]' if values else "[]"


def track_line(
    *,
    track_id: int,
    token: str,
    amount: int,
    split: str,
    settle_to_split: bool,
    usage_rows: Sequence[tuple[int, int, int, int, int]],
    credit_rows: Sequence[tuple[str, str, int]],
    own_recipients: Sequence[tuple[str, int]],
) -> tuple[bytes, set[str]]:
    """canonical_line(track_record(...)) and its nested splits, formatted directly (the epoch
    engine writes one per moved (track, token)). The strings are lower-case 0x-hex addresses
    and decimal digits, which canonical JSON writes as they are; any other character goes
    through track_record and json (the reference path, so the bytes are the same)."""
    texts = [token, split]
    texts.extend(f"{a},{v}" for a, v, _c in credit_rows)
    texts.extend(r for r, _s in own_recipients)
    if not _PLAIN.fullmatch(",".join(texts)):
        from oracle.settlement.data_file import canonical_line

        record, names = track_record(
            track_id=track_id,
            token=token,
            amount=amount,
            split=split,
            settle_to_split=settle_to_split,
            usage_rows=usage_rows,
            credit_rows=credit_rows,
            own_recipients=own_recipients,
        )
        return canonical_line(record), names
    per_platform = _usage_by_platform(usage_rows)
    credits, nested = _credit_paths(credit_rows)
    flattened = any(path for _a, path, _c in credits)
    credit_parts = [
        f'{{"account":"{account}","amount":"{credit}","via":{_strings(path)}}}'
        for account, path, credit in credits
    ]
    recipients = (
        "[" + ",".join(f'["{r}",{s}]' for r, s in own_recipients) + "]" if flattened else "null"
    )
    usage = ",".join(
        f'{{"amounts":{_strings(amounts)},"platformId":{pid},"rateFrom":{rate_from},'
        f'"units":{_strings(units)}}}'
        for (pid, rate_from), (units, amounts) in sorted(per_platform.items())
    )
    line = (
        f'{{"amount":"{amount}","credits":[{",".join(credit_parts)}],"kind":"track",'
        f'"recipients":{recipients},"settleToSplit":{"true" if settle_to_split else "false"},'
        f'"split":"{split}","token":"{token}","trackId":{track_id},"usage":[{usage}]}}\n'
    )
    return line.encode(), nested
