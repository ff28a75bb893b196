"""Hostile input against the running API (loopback HTTP, SQLite and PostgreSQL).

Every case must answer 4xx (never 5xx), with a message that names the offending field, and
count nothing: accepted versions, usage rows, quarantine and the platform's /balance unchanged.
Then the overflow attack: huge reports on one track end refused, and the next epoch settles
every other platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from api_helpers import address_of, bearer, sign_text
from live_api import LiveApi, LivePlatform
from siwe import SiweMessage
from sqlalchemy import select

from chain_client.eip712 import UsageReport, sign_usage_report

PERIOD = (1_700_000_000, 1_700_086_400)
HUGE = "9" * 5000
ISRC = "USRC17600001"
#: The live platforms' stream rate (10^15 base units per 10^6 units, see live_api.RATE).
RATE_PER_UNIT = 10**15 // 10**6


@dataclass
class Case:
    name: str
    send: Callable[[LiveApi, LivePlatform, int], httpx.Response]
    field: tuple[str, ...]


LIVE_API_SETTINGS: dict[str, object] = {
    "max_json_report_bytes": 2 * 1024 * 1024,
    "max_upload_bytes": 2 * 1024 * 1024,
}


def _line(track: object, units: object, **extra: object) -> dict[str, object]:
    return {"track": track, "usage_class": 0, "units": units, **extra}


def _json(
    lines_for: Callable[[int], list[Any]],
    rid: str = "hostile",
    period: tuple[int, int] = PERIOD,
) -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        return api.submit(platform, api.report(platform, rid, lines_for(track), period))

    return send


def _raw_json(body_for: Callable[[int], str | bytes]) -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        body = body_for(track)
        return api.http.post(
            f"/v1/platforms/{platform.platform_id}/reports",
            content=body.encode() if isinstance(body, str) else body,
            headers={**bearer(platform.api_key), "Content-Type": "application/json"},
        )

    return send


def _envelope(track: int, **changes: object) -> str:
    doc: dict[str, object] = {
        "report_id": "hostile-envelope",
        "period_start": PERIOD[0],
        "period_end": PERIOD[1],
        "lines": [_line(track, 1)],
    }
    doc.update(changes)
    return json.dumps(doc)


def _file_signature(
    api: LiveApi,
    platform: LivePlatform,
    content: bytes,
    rid: str,
    fmt: int,
    period: tuple[int, int] = PERIOD,
) -> str:
    from Crypto.Hash import keccak

    digest = keccak.new(digest_bits=256, data=content).digest()
    report = UsageReport(
        report_id=rid,
        platform_id=platform.platform_id,
        period_start=period[0],
        period_end=period[1],
        format=fmt,
        content_hash=digest,
    )
    signature = sign_usage_report(
        platform.key, report, chain_id=api.settings.chain_id, verifying_contract=api.settlement
    )
    return "0x" + bytes(signature).hex()


def _csv(rows: list[str], meta: dict[str, object] | None = None, rid: str = "hostile-csv") -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        head = {"report_id": rid, "period_start": PERIOD[0], "period_end": PERIOD[1]}
        head.update(meta or {})
        text = "".join(f"# {k}: {v}\n" for k, v in head.items())
        text += "track,usage_class,units,attribution\n"
        text += "".join(row.format(track=track) + "\n" for row in rows)
        content = text.encode()
        signature = _file_signature(api, platform, content, rid, 1)
        return api.http.post(
            f"/v1/platforms/{platform.platform_id}/reports/csv",
            files={"file": ("hostile.csv", content)},
            data={"signature": signature},
            headers=bearer(platform.api_key),
        )

    return send


def _dsr(count: str, rid: str = "MSG-HOSTILE") -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        from oracle.intake.dsrf.builder import DsrWriter

        writer = DsrWriter(rid, "2023-11-14", "2023-11-14")
        writer.stream_summary("S1", "OnDemandStream")
        writer.stream_block(1, ISRC, "S1", count)
        content = writer.finish().encode()
        day = 1_699_920_000  # 2023-11-14, the HEAD's start and end date (inclusive)
        signature = _file_signature(api, platform, content, rid, 2, (day, day + 86_400))
        return api.http.post(
            f"/v1/platforms/{platform.platform_id}/reports/dsr",
            files={"file": ("hostile.dsr", content)},
            data={"signature": signature},
            headers=bearer(platform.api_key),
        )

    return send


def _dsr_bytes(content: bytes, rid: str, name: str) -> Any:
    """A DSR upload of raw bytes, validly signed (the signature covers exactly these bytes)."""

    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        day = 1_699_920_000
        signature = _file_signature(api, platform, content, rid, 2, (day, day + 86_400))
        return api.http.post(
            f"/v1/platforms/{platform.platform_id}/reports/dsr",
            files={"file": (name, content)},
            data={"signature": signature},
            headers=bearer(platform.api_key),
        )

    return send


def _post_files(route: str, files: dict[str, Any]) -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        return api.http.post(
            f"/v1/platforms/{platform.platform_id}{route}",
            files=files,
            headers=bearer(platform.api_key),
        )

    return send


def _multipart(files: dict[str, Any], data: dict[str, str]) -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        return api.http.post(
            f"/v1/platforms/{platform.platform_id}/reports/csv",
            files=files,
            data=data,
            headers=bearer(platform.api_key),
        )

    return send


def _wrong_signer(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
    body = api.report(platform, "hostile-signer", [_line(track, 5)], PERIOD)
    other = api.report(
        LivePlatform(platform.platform_id, api.keys[12], platform.api_key),
        "hostile-signer",
        [_line(track, 5)],
        PERIOD,
    )
    body["signature"] = other["signature"]
    return api.submit(platform, body)


def _bad_key_huge_body(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
    return api.http.post(
        f"/v1/platforms/{platform.platform_id}/reports",
        content=b"[" * (3 * 1024 * 1024),
        headers={"Authorization": "Bearer rp_not-a-key", "Content-Type": "application/json"},
    )


def _big_body(path: str, chunked: bool) -> Any:
    """A 3 MiB body with no key to a route with a JSON body model (parsed before auth)."""

    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        filler = b'{"message": "' + b"a" * (3 * 1024 * 1024) + b'"}'
        if not chunked:
            return api.http.post(path, content=filler, headers={"Content-Type": "application/json"})

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(filler), 65536):
                yield filler[start : start + 65536]

        return api.http.post(path, content=chunks(), headers={"Content-Type": "application/json"})

    return send


def _oversized_json(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
    filler = [_line(track, 1)] * 120_000
    return api.http.post(
        f"/v1/platforms/{platform.platform_id}/reports",
        content=_envelope(track, lines=filler).encode(),
        headers={**bearer(platform.api_key), "Content-Type": "application/json"},
    )


def _chunked_oversized(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536 * 2

    return api.http.post(
        f"/v1/platforms/{platform.platform_id}/reports",
        content=chunks(),
        headers={**bearer(platform.api_key), "Content-Type": "application/json"},
    )


def _siwe(**changes: Any) -> Any:
    def send(api: LiveApi, platform: LivePlatform, track: int) -> httpx.Response:
        key = api.keys[13]
        nonce = api.http.post("/v1/auth/nonce").json()["nonce"]
        now = datetime.now(UTC)
        fields: dict[str, Any] = {
            "domain": "localhost:8000",
            "address": address_of(key),
            "statement": "Sign in.",
            "uri": "http://localhost:8000",
            "version": "1",
            "chain_id": api.settings.chain_id,
            "nonce": nonce,
            "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "expiration_time": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        fields.update(changes)
        text = SiweMessage(**fields).prepare_message()
        return api.http.post(
            "/v1/auth/siwe", json={"message": text, "signature": sign_text(key, text)}
        )

    return send


TOMORROW = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

CASES = [
    # ---- JSON numbers --------------------------------------------------------------------
    Case("units: 5000-digit string", _json(lambda t: [_line(t, HUGE)]), ("lines[1].units",)),
    Case(
        "units: 5000-digit number",
        _raw_json(
            lambda t: _envelope(t, lines=[]).replace(
                '"lines": []', f'"lines": [{{"track": {t}, "usage_class": 0, "units": {HUGE}}}]'
            )
        ),
        ("lines[1].units",),
    ),  # fmt: skip
    Case(
        "units: NaN",
        _raw_json(lambda t: _envelope(t).replace('"units": 1', '"units": NaN')),
        ("lines[1].units",),
    ),  # fmt: skip
    Case(
        "units: Infinity",
        _raw_json(lambda t: _envelope(t).replace('"units": 1', '"units": Infinity')),
        ("lines[1].units",),
    ),  # fmt: skip
    Case("units: negative", _json(lambda t: [_line(t, -5)]), ("lines[1].units",)),
    Case("units: fraction", _json(lambda t: [_line(t, 1.5)]), ("lines[1].units",)),
    Case("units: exponent string", _json(lambda t: [_line(t, "1e6")]), ("lines[1].units",)),
    Case(
        "units: Arabic-Indic digits",
        _json(lambda t: [_line(t, "\u0661\u0662")]),
        ("lines[1].units",),
    ),  # fmt: skip
    Case("units: full-width digit", _json(lambda t: [_line(t, "\uff16")]), ("lines[1].units",)),
    Case("units: underscore separator", _json(lambda t: [_line(t, "1_000")]), ("lines[1].units",)),
    Case("units: boolean", _json(lambda t: [_line(t, True)]), ("lines[1].units",)),
    Case(
        "units: 13 digits (9x10^12)", _json(lambda t: [_line(t, 9 * 10**12)]), ("lines[1].units",)
    ),  # fmt: skip
    Case("units: hexadecimal", _json(lambda t: [_line(t, "0x10")]), ("lines[1].units",)),
    Case("units: list", _json(lambda t: [_line(t, [1])]), ("lines[1].units",)),
    Case("units: missing", _json(lambda t: [{"track": t, "usage_class": 0}]), ("lines[1].units",)),
    Case(
        "two lines of 9x10^11 on one track (per-key cap)",
        _json(lambda t: [_line(t, 9 * 10**11), _line(t, 9 * 10**11)]),
        ("units",),
    ),  # fmt: skip
    Case(
        "track: full-width id",
        _json(lambda t: [_line(chr(0xFF10 + t) if t < 10 else "\uff11", 1)]),
        ("lines[1].track",),
    ),  # fmt: skip
    Case("track: 5000 digits", _json(lambda t: [_line(HUGE, 1)]), ("lines[1].track",)),
    Case("track: unknown id", _json(lambda t: [_line(999_999, 1)]), ("lines[1].track",)),
    Case("track: missing", _json(lambda t: [{"usage_class": 0, "units": 1}]), ("lines[1].track",)),
    Case(
        "usage_class: 99",
        _json(lambda t: [{"track": t, "usage_class": 99, "units": 1}]),
        ("lines[1].usage_class",),
    ),  # fmt: skip
    Case(
        "usage_class: NUL byte",
        _json(lambda t: [{"track": t, "usage_class": "STREAM\x00", "units": 1}]),
        ("lines[1].usage_class",),
    ),  # fmt: skip
    Case(
        "attribution: empty",
        _json(lambda t: [{"track": t, "usage_class": 4, "units": 1, "attribution": []}]),
        ("lines[1].attribution",),
    ),  # fmt: skip
    Case(
        "attribution: weight 1e6 as text",
        _json(
            lambda t: [
                {"usage_class": 4, "units": 1, "attribution": [{"track": t, "weight": "1e6"}]}
            ]
        ),
        ("lines[1].attribution[1].weight",),
    ),  # fmt: skip
    Case(
        "attribution: weights sum wrong",
        _json(
            lambda t: [{"usage_class": 4, "units": 1, "attribution": [{"track": t, "weight": 5}]}]
        ),
        ("lines[1].attribution",),
    ),  # fmt: skip
    Case("line: unknown field", _json(lambda t: [_line(t, 1, price=3)]), ("lines[1].price",)),
    Case("line: not an object", _json(lambda t: ["1,0,5"]), ("lines[1]",)),
    # ---- JSON envelope -------------------------------------------------------------------
    Case(
        "period_start: 5000 digits",
        _raw_json(
            lambda t: _envelope(t).replace(
                f'"period_start": {PERIOD[0]}', f'"period_start": {HUGE}'
            )
        ),
        ("period_start",),
    ),  # fmt: skip
    Case(
        "period_start: negative",
        _raw_json(lambda t: _envelope(t, period_start=-1)),
        ("period_start",),
    ),  # fmt: skip
    Case(
        "period_end: string", _raw_json(lambda t: _envelope(t, period_end="soon")), ("period_end",)
    ),
    Case(
        "period_end: far future",
        _json(lambda t: [_line(t, 1)], "future", (1, 4_000_000_000)),
        ("period_end",),
    ),  # fmt: skip
    Case("report_id: empty", _raw_json(lambda t: _envelope(t, report_id="")), ("report_id",)),
    Case(
        "report_id: 201 characters",
        _raw_json(lambda t: _envelope(t, report_id="r" * 201)),
        ("report_id",),
    ),  # fmt: skip
    Case(
        "report_id: missing",
        _raw_json(lambda t: json.dumps({"period_start": 1, "period_end": 2, "lines": []})),
        ("report_id",),
    ),  # fmt: skip
    Case("lines: not a list", _raw_json(lambda t: _envelope(t, lines={"a": 1})), ("lines",)),
    Case("body: a list", _raw_json(lambda t: "[]"), ("body",)),
    Case("body: malformed JSON", _raw_json(lambda t: '{"report_id": "x",'), ("body",)),
    Case("body: nested 100k deep", _raw_json(lambda t: "[" * 100_000 + "]" * 100_000), ("body",)),
    Case("body: not UTF-8", _raw_json(lambda t: b'{"report_id": "\xff\xfe"}'), ("body",)),
    Case(
        "signature: malformed",
        _raw_json(lambda t: _envelope(t, signature="0x1234")),
        ("signature",),
    ),  # fmt: skip
    Case("signature: another key", _wrong_signer, ("signature",)),
    Case(
        "unknown top-level field",
        _raw_json(lambda t: _envelope(t, tip=1, signature="0x" + "11" * 65)),
        ("tip", "signature"),
    ),  # fmt: skip
    Case("body over the size cap", _oversized_json, ("body",)),
    Case("chunked body over the size cap", _chunked_oversized, ("body",)),
    Case("bad API key with a huge body", _bad_key_huge_body, ("authorization",)),
    Case(
        "siwe: 3 MiB body, no key",
        _big_body("/v1/auth/siwe", chunked=False),
        ("body: larger than",),
    ),
    Case(
        "tracks: 3 MiB chunked body, no key",
        _big_body("/v1/tracks", chunked=True),
        ("body: larger than",),
    ),
    # ---- CSV -------------------------------------------------------------------------------
    Case("csv units: 5000 digits", _csv([f"{{track}},0,{HUGE},"]), ("units",)),
    Case("csv units: full-width digit", _csv(["{track},0,\uff16,"]), ("units",)),
    Case("csv units: Arabic-Indic digits", _csv(["{track},0,\u0661\u0662,"]), ("units",)),
    Case("csv units: underscore separator", _csv(["{track},0,1_000,"]), ("units",)),
    Case("csv units: 13 digits", _csv(["{track},0,9000000000000,"]), ("units",)),
    Case("csv units: NaN", _csv(["{track},0,NaN,"]), ("units",)),
    Case("csv track: full-width id", _csv(["\uff11,0,5,"]), ("track",)),
    Case(
        "csv two lines of 9x10^11 on one track", _csv(["{track},0,900000000000,"] * 2), ("units",)
    ),  # fmt: skip
    Case(
        "csv period_start: 5000 digits",
        _csv(["{track},0,5,"], {"period_start": HUGE}),
        ("period_start",),
    ),  # fmt: skip
    Case("csv signature part missing", _multipart({"file": ("a.csv", b"x")}, {}), ("signature",)),
    Case(
        "csv signature malformed",
        _multipart({"file": ("a.csv", b"x")}, {"signature": "0x12"}),
        ("signature",),
    ),  # fmt: skip
    Case("csv file part missing", _multipart({}, {"signature": "0x" + "11" * 65}), ("file",)),
    Case(
        "csv over the size cap",
        _multipart({"file": ("a.csv", b"1" * (3 * 1024 * 1024))}, {"signature": "0x" + "11" * 65}),
        ("file: larger than the 2097152 byte limit",),  # the cap set, not cap + framing
    ),  # fmt: skip
    Case(
        "inspect: 4 MiB file (dry run, parsed by FastAPI's form reader)",
        _post_files("/reports/inspect", {"files": ("a.dsr", b"1" * (4 * 1024 * 1024))}),
        ("body: larger than the 2097152 byte limit",),
    ),
    # ---- DSR -------------------------------------------------------------------------------
    Case(
        "dsr NumberOfStreams: 5000 digits",
        _dsr(HUGE),
        ("NumberOfStreams", "NumberOfUsages", "TotalUsages"),
    ),
    Case(
        "dsr NumberOfUsages: full-width digit",
        _dsr("\uff16", "MSG-H2"),
        ("NumberOfStreams", "NumberOfUsages", "TotalUsages"),
    ),  # fmt: skip
    Case(
        "dsr: a gzip stream cut short",
        _dsr_bytes(__import__("gzip").compress(b"HEAD\tx\n" * 1000)[:60], "MSG-H3", "cut.dsr.gz"),
        ("file", "HEAD"),
    ),  # fmt: skip
    Case(
        "dsr: not a DSR at all",
        _dsr_bytes(b"\x00\x01binary", "MSG-H4", "bin.dsr"),
        ("file", "HEAD"),
    ),
    # ---- SIWE ------------------------------------------------------------------------------
    Case("siwe: URI of another origin", _siwe(uri="https://evil.example"), ("uri",)),
    Case("siwe: Issued At tomorrow", _siwe(issued_at=TOMORROW), ("issued_at",)),
]


@pytest.fixture(scope="module")
def target(live: LiveApi) -> tuple[LivePlatform, int]:
    platform = live.onboard(live.keys[10], "Hostile")
    track = live.add_track(live.keys[11], isrc=ISRC)
    return platform, track


def test_hostile_corpus_is_refused_with_4xx_naming_the_field(
    live: LiveApi, target: tuple[LivePlatform, int]
) -> None:
    platform, track = target
    before = live.counted()
    balance = live.http.get(
        f"/v1/platforms/{platform.platform_id}/balance", headers=bearer(platform.api_key)
    ).json()
    failures: list[str] = []
    server_errors = 0
    for case in CASES:
        response = case.send(live, platform, track)
        if response.status_code >= 500:
            server_errors += 1
        message = response.json().get("message", "") if response.content else ""
        if not 400 <= response.status_code < 500:
            failures.append(f"{case.name}: {response.status_code} {response.text[:300]}")
        elif not any(f in message for f in case.field):
            failures.append(f"{case.name}: message does not name {case.field}: {message[:300]}")
        if live.counted() != before:
            failures.append(f"{case.name}: something was counted")
            before = live.counted()
    after = live.http.get(
        f"/v1/platforms/{platform.platform_id}/balance", headers=bearer(platform.api_key)
    ).json()
    print(f"hostile cases: {len(CASES)}, 5xx: {server_errors}")  # noqa: T201
    assert server_errors == 0
    assert not failures, "\n".join(failures)
    assert after == balance


def test_a_rejected_report_can_be_resent_fixed_under_the_same_id(
    live: LiveApi, target: tuple[LivePlatform, int]
) -> None:
    platform, track = target
    lines = [_line(track, 7)]
    future = live.report(platform, "resend-1", lines, (PERIOD[0], 4_000_000_000))
    first = live.submit(platform, future)
    assert first.status_code == 422, first.text
    assert "period_end" in first.json()["message"]
    fixed = live.report(platform, "resend-1", lines, PERIOD)
    second = live.submit(platform, fixed)
    assert second.status_code == 200, second.text
    assert second.json()["report"]["status"] == "accepted"
    assert second.json()["report"]["period_end"] == PERIOD[1]


def test_dedupe_covers_the_period_and_rollbacks_are_a_409(
    live: LiveApi, target: tuple[LivePlatform, int]
) -> None:
    platform, track = target
    v1 = live.report(platform, "rollback-1", [_line(track, 3)], PERIOD)
    assert live.submit(platform, v1).json()["report"]["status"] == "accepted"
    assert live.submit(platform, v1).json()["duplicate"] is True  # an exact retry
    moved = live.report(platform, "rollback-1", [_line(track, 3)], (PERIOD[0], PERIOD[1] + 60))
    other_period = live.submit(platform, moved)
    assert other_period.status_code == 409, other_period.text
    assert "period" in other_period.json()["message"]
    v2 = live.report(platform, "rollback-1", [_line(track, 4)], PERIOD)
    assert live.submit(platform, v2).json()["report"]["status"] == "accepted"
    before = live.counted()
    again = live.submit(platform, v1)
    assert again.status_code == 409, again.text
    assert "superseded" in again.json()["message"]
    assert live.counted() == before


def test_a_large_report_is_decided_in_the_background(
    live: LiveApi, target: tuple[LivePlatform, int]
) -> None:
    platform, track = target
    lines = [_line(track, 1)] * 8_000  # about 380 kB: over the 256 KiB async bound set below
    body = live.report(platform, "large-1", lines, PERIOD)
    live.settings.async_report_bytes = 256 * 1024
    try:
        response = live.submit(platform, body)
    finally:
        live.settings.async_report_bytes = 8 * 1024 * 1024
    assert response.status_code == 202, response.text
    url = response.json()["status_url"]
    assert response.headers["Location"] == url
    import time

    for _ in range(600):
        status = live.http.get(url, headers=bearer(platform.api_key)).json()
        if status["versions"][-1]["status"] != "received":
            break
        time.sleep(0.1)
    assert status["versions"][-1]["status"] == "accepted"
    decided = status["versions"][-1]
    counted = int(decided["payable_micro_units"]) + int(decided["quarantined_micro_units"])
    assert counted == 8_000 * 10**6  # payable, or held as a spike: counted exactly once


def test_a_csv_of_many_lines_is_decided_in_the_background_whatever_its_size(
    live: LiveApi, target: tuple[LivePlatform, int]
) -> None:
    """A CSV over `async_report_lines` lines answers 202 even when its bytes are few (a 700k-line
    CSV is about 5 MB, below the byte bound): the line bound is lowered here to 1,000."""
    import time

    platform, track = target
    live.settings.async_report_lines = 1_000
    try:
        response = _csv(["{track},0,1,"] * 2_000, rid="many-lines")(live, platform, track)
    finally:
        live.settings.async_report_lines = 100_000
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == response.json()["status_url"]
    for _ in range(600):
        status = live.http.get(response.json()["status_url"], headers=bearer(platform.api_key))
        version = status.json()["versions"][-1]
        if version["status"] != "received":
            break
        time.sleep(0.05)
    assert version["status"] == "accepted"
    assert version["line_count"] == 2_000


def test_overflow_attack_is_refused_and_the_next_epoch_settles_the_others(
    live: LiveApi, w3: Any
) -> None:
    attacker = live.onboard(live.keys[14], "Attacker")
    honest = live.onboard(live.keys[15], "Honest")
    track = live.add_track(live.keys[16])
    now = int(w3.eth.get_block("latest")["timestamp"])
    period = (now, now + 1)  # after the track's registration (its consent starts there)
    # The attack as reported: two reports of 5x10^12 units on one track.
    for n in (1, 2):
        huge = live.report(attacker, f"huge-{n}", [_line(track, 5 * 10**12)], period)
        refused = live.submit(attacker, huge)
        assert refused.status_code == 422, refused.text
        assert "units" in refused.json()["message"]
    # At the caps: 10^12 - 1 units a report (the most one line holds) until the lifetime cap.
    statuses = []
    for n in range(6):
        big = live.report(attacker, f"big-{n}", [_line(track, 10**12 - 1)], period)
        response = live.submit(attacker, big)
        statuses.append(response.status_code)
        if response.status_code != 200:
            assert response.status_code == 422, response.text
            assert "per-platform cap" in response.json()["message"]
    assert statuses == [200, 200, 200, 200, 422, 422]
    balance = live.http.get(
        f"/v1/platforms/{attacker.platform_id}/balance", headers=bearer(attacker.api_key)
    )
    assert balance.status_code == 200, balance.text
    # The honest platform funds its escrow and reports; the epoch settles it.
    live.deposit(w3, honest)
    good = live.report(honest, "honest-1", [_line(track, 1_000)], period)
    submitted = live.submit(honest, good).json()["report"]
    assert submitted["status"] == "accepted"
    assert submitted["payable_micro_units"] == str(1_000 * 10**6), json.dumps(submitted)
    outcome = live.run_epoch()
    assert outcome.status == "posted", outcome
    held = {h.platform_id for h in outcome.held_back}
    assert attacker.platform_id in held  # no escrow for its usage: held back, not paid
    assert honest.platform_id not in held
    assert dict(outcome.debits)[honest.platform_id] == 1_000 * 10**15 // 10**6


def test_a_platform_whose_stored_usage_overflows_is_held_back_with_the_reason(
    live: LiveApi, w3: Any
) -> None:
    """A store that already holds usage over the intake caps (older data, a manual import): the
    epoch holds that platform back with the reason (in the outcome and the epoch's note, which
    `royalties oracle status` prints) and settles the others instead of failing for everyone."""
    from sqlalchemy import update

    from oracle.store.schema import reports, usage

    bad = live.onboard(live.keys[17], "Overflowing")
    good = live.onboard(live.keys[18], "Fine")
    track = live.add_track(live.keys[16])
    for platform in (bad, good):
        live.deposit(w3, platform)
    now = int(w3.eth.get_block("latest")["timestamp"])
    period = (now, now + 1)
    for n in (1, 2):
        body = live.report(bad, f"old-{n}", [_line(track, 1)], period)
        assert live.submit(bad, body).json()["report"]["status"] == "accepted"
    assert live.submit(good, live.report(good, "fine-1", [_line(track, 1_000)], period)).json()[
        "report"
    ]["status"] == "accepted"  # fmt: skip
    with live.engine.begin() as conn:  # two rows of 5x10^18: their sum does not fit 64 bits
        versions = select(reports.c.id).where(reports.c.platform_id == bad.platform_id)
        conn.execute(
            update(usage)
            .where(usage.c.report_version_id.in_(versions.scalar_subquery()))
            .values(micro_units=5 * 10**18)
        )
    outcome = live.run_epoch()
    assert outcome.status == "posted", outcome
    held = {h.platform_id: h for h in outcome.held_back}
    assert bad.platform_id in held
    assert good.platform_id not in held
    assert dict(outcome.debits)[good.platform_id] == 1_000 * RATE_PER_UNIT
    assert bad.platform_id not in dict(outcome.debits)
    assert f"platform {bad.platform_id} held back: its usage cannot be settled" in outcome.message
    assert "64 bits" in outcome.message or "overflow" in outcome.message, outcome.message


def test_a_reused_dsr_message_id_is_a_409_naming_file_line_and_field(
    live: LiveApi, target: tuple[LivePlatform, int]
) -> None:
    _, track = target
    platform = live.onboard(live.keys[12], "DSR sender")  # no period of it settled yet
    first = _dsr("5", "MSG-REUSED")(live, platform, track)
    assert first.status_code == 200, first.text
    before = live.counted()
    other = _dsr("6", "MSG-REUSED")(live, platform, track)  # other content, same MessageId
    assert other.status_code == 409, other.text
    message = other.json()["message"]
    assert "hostile.dsr:1: field 'MessageId'" in message, message
    assert "never reused" in message
    assert other.json()["details"]["issues"][0]["field"] == "MessageId"
    assert live.counted() == before
