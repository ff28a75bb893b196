"""Which aggregated usage is payable and which is quarantined, and why.

Per (track, class) of one report, first matching rule wins:
1. tier: a licence tier in force during the period does not allow the class (the track's tier
   history: a tier change counts from its effective time, never retroactively; a period
   straddling a change must be allowed by both tiers, or it is held whole);
2. opted_out: the class's consent was revoked at or before the period's end
   (usage in [revoked_at, ...) is after the opt-out; a period straddling it is held whole);
3. consent: an AI class (opt-in) without consent granted at or before the period's start;
4. platform_bound: the report's total (all keys) is over the platform's declared
   max_units_per_report; every key not already held is held;
5. spike: micro-units > spike_multiple x the trailing average of that (track, class) over the
   platform's last `spike_window` current reports (zeros included), and >= spike_min_units units.
   A track with no usage in that window has no average and is never a spike.
Classes 0-3 count as consented from registration (granted_at 0) unless revoked.
Consent given again after a revocation (granted_at > revoked_at) counts from granted_at on.
"""

from __future__ import annotations

from collections.abc import Mapping

from chain_client.constants import UNIT_SCALE, tier_allows
from oracle.catalog import Consent, Track
from oracle.intake.model import KEY_SHIFT, Aggregate
from oracle.intake.refs import AI_CLASS_VALUES
from oracle.store.records import NewQuarantine, QuarantineReason

_FOREVER = 2**64


def consent_verdict(
    track: Track, usage_class: int, period_start: int, period_end: int
) -> tuple[QuarantineReason, str] | None:
    """Why usage of `track` in `usage_class` over [period_start, period_end) is not payable."""
    for tier in sorted(track.tiers_during(period_start, period_end)):
        if not tier_allows(tier, usage_class):
            return QuarantineReason.TIER, f"tier {tier} does not allow class {usage_class}"
    consent = track.consents.get(usage_class, Consent())
    opt_in = usage_class in AI_CLASS_VALUES
    if consent.revoked_at and consent.granted_at <= consent.revoked_at:
        begins = consent.granted_at
        ends = consent.revoked_at
    else:
        begins = consent.granted_at
        ends = _FOREVER
    if opt_in and begins == 0:
        return QuarantineReason.CONSENT, f"no consent for AI class {usage_class}"
    if ends < period_end:
        return (
            QuarantineReason.OPTED_OUT,
            f"class {usage_class} opted out at {ends}, the period ends at {period_end}",
        )
    if begins > period_start:
        return (
            QuarantineReason.CONSENT,
            f"consent for class {usage_class} starts at {begins}, "
            f"after the period start {period_start}",
        )
    return None


def is_spike(
    micro_units: int,
    trailing_reports: int,
    trailing_micro_units: int,
    spike_multiple: int,
    spike_min_units: int,
) -> bool:
    """micro > multiple x (trailing sum / reports), compared without division."""
    if trailing_reports == 0 or trailing_micro_units == 0:
        return False
    if micro_units < spike_min_units * UNIT_SCALE:
        return False
    return micro_units * trailing_reports > spike_multiple * trailing_micro_units


def classify(
    aggregate: Aggregate,
    tracks: Mapping[int, Track],
    period: tuple[int, int],
    max_units_per_report: int | None,
    trailing: tuple[int, Mapping[tuple[int, int], int]],
    spike_multiple: int,
    spike_min_units: int,
) -> tuple[dict[tuple[int, int], int], list[NewQuarantine]]:
    """Splits the aggregate into payable rows and quarantine entries (nothing is left out)."""
    payable: dict[tuple[int, int], int] = {}
    held: list[NewQuarantine] = []
    total = sum(aggregate.micro.values())
    over_bound = max_units_per_report is not None and total > max_units_per_report * UNIT_SCALE
    trailing_reports, trailing_sums = trailing
    for key, micro in aggregate.micro.items():
        track_id, usage_class = divmod(key, KEY_SHIFT)
        verdict = consent_verdict(tracks[track_id], usage_class, period[0], period[1])
        if verdict is None and over_bound:
            verdict = (
                QuarantineReason.PLATFORM_BOUND,
                f"report total {total} micro-units is over the declared bound of "
                f"{max_units_per_report} units",
            )
        if verdict is None:
            past = trailing_sums.get((track_id, usage_class), 0)
            if is_spike(micro, trailing_reports, past, spike_multiple, spike_min_units):
                verdict = (
                    QuarantineReason.SPIKE,
                    f"{micro} micro-units vs a trailing average of {past // trailing_reports} "
                    f"over {trailing_reports} report(s) (limit x{spike_multiple})",
                )
        if verdict is None:
            payable[(track_id, usage_class)] = micro
        else:
            held.append(
                NewQuarantine(
                    track_id=track_id,
                    usage_class=usage_class,
                    reason=verdict[0],
                    detail=verdict[1],
                    micro_units=micro,
                    sample_lines=aggregate.sample_lines(key),
                )
            )
    return payable, held
