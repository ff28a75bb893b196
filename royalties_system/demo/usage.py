"""Step 4: usage reports in all three formats, submitted through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from royalties_system.demo.context import Demo
from royalties_system.demo.reports import (
    CSV_FORMAT,
    DSR_FORMAT,
    csv_file,
    dsr_file,
    dsr_period,
    sign_file,
    signed_json,
)
from royalties_system.demo.story import (
    CSV_GENERATIONS,
    CSV_STREAMS,
    CSV_UNCONSENTED_GENERATIONS,
    DSR_STREAMS,
    GENERATOR,
    INFLUENCE,
    JSON_STREAMS,
    STREAMING,
)


def _period(demo: Demo) -> tuple[int, int]:
    """From the chain's clock (after the tracks' consents were granted) for one second."""
    now = int(demo.wallets.w3.eth.get_block("latest")["timestamp"])
    return now, now + 1


def _describe(result: dict[str, Any]) -> str:
    report = result["report"]
    text = (
        f"{report['status']}, version {report['version']}, payable "
        f"{report['payable_micro_units']} micro-units"
    )
    for held in report.get("quarantined", []):
        text += (
            f"; QUARANTINED track {held['track_id']} class {held['usage_class']} "
            f"{held['micro_units']} micro-units ({held['reason']}: {held['detail']})"
        )
    if report["status"] != "accepted":
        raise RuntimeError(f"report {report['report_id']} was {report['status']}: {report}")
    return text


def submit_reports(demo: Demo) -> list[int]:
    """Submits the reports; returns the DSR's version id (its streams predate registration)."""
    demo.step("4. Usage reports, signed (EIP-712 UsageReport) by each platform's key")
    track = {key: int(t["track_id"]) for key, t in demo.tracks.items()}
    streaming_id, streaming_key = demo.platforms["streaming"]
    generator_id, generator_key = demo.platforms["generator"]
    settlement = str(demo.deployment.usage_settlement)

    lines: list[dict[str, object]] = [
        {"track": track[k], "usage_class": 0, "units": n} for k, n in JSON_STREAMS.items()
    ]
    report_id = f"streamco-{demo.tag}-json"
    document = signed_json(
        demo.wallets.key(STREAMING),
        report_id=report_id,
        platform_id=streaming_id,
        period=_period(demo),
        lines=lines,
        chain_id=demo.chain_id,
        settlement=settlement,
    )
    result = demo.api.post(
        f"/v1/platforms/{streaming_id}/reports",
        json=document,
        headers=demo.api.bearer(streaming_key),
    )
    demo.line(f"StreamCo signed JSON {report_id}: streams {JSON_STREAMS} -> {_describe(result)}")

    day = datetime.now(UTC) - timedelta(days=1)
    message_id = f"STREAMCO{demo.tag.upper()}"
    usage = [(demo.tracks[k]["isrc"], "OnDemandStream", n) for k, n in DSR_STREAMS.items()]
    content = dsr_file(message_id=message_id, day=day, usage=usage)
    signature = sign_file(
        demo.wallets.key(STREAMING),
        content,
        report_id=message_id,
        platform_id=streaming_id,
        period=dsr_period(day),
        report_format=DSR_FORMAT,
        chain_id=demo.chain_id,
        settlement=settlement,
    )
    result = demo.api.post(
        f"/v1/platforms/{streaming_id}/reports/dsr",
        files={"file": (f"{message_id}.tsv", content, "text/tab-separated-values")},
        data={"signature": signature},
        headers=demo.api.bearer(streaming_key),
    )
    dsr_version = int(result["report"]["version_id"])
    demo.line(
        f"StreamCo DDEX DSR {message_id} ({day:%Y-%m-%d}): streams {DSR_STREAMS} by ISRC -> "
        f"{_describe(result)}"
    )

    attribution = ";".join(f"{track[k]}:{w}" for k, w in INFLUENCE.items())
    rows = [
        f"{track['generated']},AI_GENERATION,{CSV_GENERATIONS},{attribution}",
        *(f"{track[k]},STREAM,{n}," for k, n in CSV_STREAMS.items()),
        f"{track['optout']},AI_GENERATION,{CSV_UNCONSENTED_GENERATIONS},",
    ]
    report_id = f"genai-{demo.tag}-csv"
    period = _period(demo)
    content = csv_file(report_id=report_id, period=period, chain_id=demo.chain_id, rows=rows)
    signature = sign_file(
        demo.wallets.key(GENERATOR),
        content,
        report_id=report_id,
        platform_id=generator_id,
        period=period,
        report_format=CSV_FORMAT,
        chain_id=demo.chain_id,
        settlement=settlement,
    )
    result = demo.api.post(
        f"/v1/platforms/{generator_id}/reports/csv",
        files={"file": (f"{report_id}.csv", content, "text/csv")},
        data={"signature": signature},
        headers=demo.api.bearer(generator_key),
    )
    demo.line(
        f"GenAI CSV {report_id} (detached signature): {CSV_GENERATIONS} generations of track "
        f"{track['generated']} attributed {attribution} (weights of 1e6), streams {CSV_STREAMS}, "
        f"{CSV_UNCONSENTED_GENERATIONS} generations on track {track['optout']} (no AI consent) "
        f"-> {_describe(result)}"
    )
    for role, (platform_id, key) in demo.platforms.items():
        balance = demo.api.get(f"/v1/platforms/{platform_id}/balance", headers=demo.api.bearer(key))
        demo.line(
            f"{role} platform {platform_id}: escrow {balance['escrow']}, owed {balance['owed']}"
        )
    return [dsr_version]
