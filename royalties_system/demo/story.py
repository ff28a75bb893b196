"""The demo's cast, catalogue, rate cards and usage, and the amounts they must produce.

Amounts are computed here from the same published rules the contracts and the oracle follow
(docs/INTERFACES.md), so the demo can check the chain against them:
per (track, platform, class) floor(micro_units x rate / 1e12); settlement credits each account
floor(A x s_1 x ... x s_d / 1e6^d) per path through the track's split and nested splits; a split
pays floor(received x share / 1e6) of what it received directly (edition sales).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

SCALE = 1_000_000
UNIT_SCALE = 1_000_000
RATE_SCALE = 1_000_000
STREAM, AI_GENERATION = 0, 4

# Roles -> anvil development account index (accounts 10-18 are the demo's).
ADA, BO, CY, DEE, EVE, STREAMING, GENERATOR, COLLECTOR, FAY = range(10, 19)
ROLE_NAMES = {
    ADA: "Ada (artist, original)",
    BO: "Bo (producer, original)",
    CY: "Cy (remixer)",
    DEE: "Dee (AI model owner)",
    EVE: "Eve (dataset contributor)",
    STREAMING: "StreamCo (streaming platform)",
    GENERATOR: "GenAI (AI generator platform)",
    COLLECTOR: "Col (collector)",
    FAY: "Fay (artist, second source; AI opt-out on another track)",
}

# mUSD has 6 decimals: rates are base units per unit x 1e6.
STREAMING_RATES = [4_000 * RATE_SCALE, 0, 0, 0, 0, 0]  # 0.004 mUSD per stream
GENERATOR_RATES = [2_000 * RATE_SCALE, 0, 0, 0, 10_000 * RATE_SCALE, 0]  # 0.002 / 0.01 mUSD
ESCROW = 50_000_000  # 50 mUSD per platform
EDITION_PRICE, EDITION_QUANTITY = 5_000_000, 2
REMIX_SHARE_TO_ORIGINAL = 500_000  # the remix's split lists the original's split
INFLUENCE = {"original": 600_000, "second": 400_000}  # weights of the AI generations

# Usage of this run, in units (micro-units = units x 1e6), by (platform role, track key, class).
JSON_STREAMS = {"original": 1_200, "remix": 800, "generated": 500}
DSR_STREAMS = {"original": 300, "second": 150}
CSV_GENERATIONS = 250  # AI generations of "generated", attributed by INFLUENCE
CSV_STREAMS = {"generated": 1_000}
CSV_UNCONSENTED_GENERATIONS = 40  # on "optout" (no AI consent): quarantined, never paid


@dataclass(frozen=True)
class TrackPlan:
    key: str
    title: str
    controller: int
    disclosure: str
    ai_consent_mask: int
    shares: tuple[tuple[int | str, int], ...]  # (account index or a track key's split, share)
    model_name: str | None = None


TRACKS = (
    TrackPlan("original", "Paper Lanterns", ADA, "human", 0x30, ((ADA, 700_000), (BO, 300_000))),
    TrackPlan("second", "Salt Flats", FAY, "human", 0x10, ((FAY, SCALE),)),
    TrackPlan(
        "remix",
        "Paper Lanterns (Cy's AI remix)",
        CY,
        "ai_assisted",
        0,
        ((CY, SCALE - REMIX_SHARE_TO_ORIGINAL), ("original", REMIX_SHARE_TO_ORIGINAL)),
        "remix-diffusion-2",
    ),
    TrackPlan(
        "generated",
        "Lantern Dunes (generated)",
        DEE,
        "ai_generated",
        0,
        ((DEE, 600_000), (EVE, 400_000)),
        "musicgen-large",
    ),
    TrackPlan("optout", "Quiet Room", FAY, "human", 0, ((FAY, SCALE),)),
)


def usage_micro_units() -> dict[tuple[str, str, int], int]:
    """(platform role, track key, class) -> payable micro-units of this run."""
    usage: dict[tuple[str, str, int], int] = defaultdict(int)
    for track, units in JSON_STREAMS.items():
        usage[("streaming", track, STREAM)] += units * UNIT_SCALE
    for track, units in DSR_STREAMS.items():
        usage[("streaming", track, STREAM)] += units * UNIT_SCALE
    for track, weight in INFLUENCE.items():
        usage[("generator", track, AI_GENERATION)] += CSV_GENERATIONS * weight
    for track, units in CSV_STREAMS.items():
        usage[("generator", track, STREAM)] += units * UNIT_SCALE
    return dict(usage)


def rate(platform: str, usage_class: int) -> int:
    return (STREAMING_RATES if platform == "streaming" else GENERATOR_RATES)[usage_class]


def settled_per_track() -> dict[str, int]:
    amounts: dict[str, int] = defaultdict(int)
    for (platform, track, usage_class), micro in usage_micro_units().items():
        amounts[track] += micro * rate(platform, usage_class) // (UNIT_SCALE * RATE_SCALE)
    return dict(amounts)


def debits_per_platform() -> dict[str, int]:
    debits: dict[str, int] = defaultdict(int)
    for (platform, _track, usage_class), micro in usage_micro_units().items():
        debits[platform] += micro * rate(platform, usage_class) // (UNIT_SCALE * RATE_SCALE)
    return dict(debits)


def _paths(key: str, depth: int = 1) -> list[tuple[int, list[int]]]:
    """(account index, shares along the path) of a track's split, nested splits expanded."""
    plan = next(p for p in TRACKS if p.key == key)
    paths: list[tuple[int, list[int]]] = []
    for who, share in plan.shares:
        if isinstance(who, int):
            paths.append((who, [share]))
        else:
            paths += [(account, [share, *inner]) for account, inner in _paths(who, depth + 1)]
    return paths


def expected_settlement() -> dict[int, int]:
    """Account index -> its settlement credit of this run: one floor per (track, account path),
    floor(A x s_1 x ... x s_d / 1e6^d) of the track's amount A (the per-account leaf rule)."""
    credits: dict[int, int] = defaultdict(int)
    for key, amount in settled_per_track().items():
        for who, shares in _paths(key):
            product = 1
            for share in shares:
                product *= share
            credits[who] += amount * product // SCALE ** len(shares)
    return dict(credits)


def expected_payouts() -> dict[int, int]:
    """Account index -> mUSD it must receive in this run: its settlement credit, and its share
    of the original's edition sales, released from the original's split (floor per recipient)."""
    payouts = defaultdict(int, expected_settlement())
    original = next(p for p in TRACKS if p.key == "original")
    for who, share in original.shares:
        if isinstance(who, int):
            payouts[who] += EDITION_PRICE * EDITION_QUANTITY * share // SCALE
    return dict(payouts)
