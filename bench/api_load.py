"""API read speed: the contributor dashboard under a fixed open-loop load of 500 requests/s.

`measure_api()` seeds a SQLite database (tracks, contributors, settled oracle totals over
several epochs, indexed pulls and releases), starts uvicorn on 127.0.0.1 in a subprocess and
drives `GET /v1/contributors/{address}/dashboard` from a load generator in another process:
a small asyncio + httpx open-loop generator that sends at fixed times whatever the answers do,
and measures each latency from the request's scheduled send time (so queueing counts).
Run as ``python -m bench.api_load`` for a table.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

RATE_PER_S = 500
SERVER_WORKERS = 2
DURATION_S = 8.0
WARMUP_S = 2.0
TRACKS_OF_CONTRIBUTOR = 12
OTHER_TRACKS = 2_000
EPOCHS = 10
PLATFORMS = 3
ADMIN_TOKEN = "bench-admin-token-0123456789"
SESSION_TOKEN = "rs_bench-session-token"
CONTRIBUTOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"

LOADGEN = r"""
import asyncio, json, sys, time
from urllib.parse import urlsplit

CONNECTIONS = 64


async def main(url, token, rate, duration, warmup):
    # A raw HTTP/1.1 keep-alive client on asyncio streams: a Python HTTP library costs the load
    # generator more CPU than the server spends per request, which would measure the generator.
    latencies, statuses = [], {}
    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    queue = asyncio.Queue()

    async def exchange(reader, writer):
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        code = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        return code

    async def worker():
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while True:
            item = await queue.get()
            if item is None:
                writer.close()
                return
            scheduled, record = item
            try:
                code = await asyncio.wait_for(exchange(reader, writer), 10)
            except Exception:
                code = 0
                writer.close()
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            if record:
                statuses[code] = statuses.get(code, 0) + 1
                if code == 200:
                    latencies.append(time.perf_counter() - scheduled)

    workers = [asyncio.create_task(worker()) for _ in range(CONNECTIONS)]
    start = time.perf_counter() + 0.5
    total = int((warmup + duration) * rate)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # Open loop: the send time is fixed; waiting for a free connection counts as latency.
        queue.put_nowait((scheduled, i >= warmup * rate))
    for _ in workers:
        queue.put_nowait(None)
    done, pending = await asyncio.wait(workers, timeout=duration + 30)
    for task in pending:
        task.cancel()
    elapsed = time.perf_counter() - (start + warmup)
    latencies.sort()

    def pct(p):
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    sent = int(duration * rate)
    print(json.dumps({"ok": len(latencies), "errors": sent - len(latencies), "statuses": statuses,
                      "elapsed": elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
                      "max_ms": latencies[-1] * 1000 if latencies else 0.0}))

url, token, rate, duration, warmup = sys.argv[1:6]
asyncio.run(main(url, token, float(rate), float(duration), float(warmup)))
"""


def app_factory() -> Any:
    """uvicorn --factory entry: settings from the environment of the bench's server process."""
    from api.app import create_app
    from api.settings import ApiSettings

    return create_app(ApiSettings(), run_migrations=False)


def _address(n: int) -> str:
    return "0x" + f"{n:040x}"


def seed(database_url: str) -> None:
    from sqlalchemy import insert
    from sqlmodel import Session

    from api.app import migrate_all
    from api.auth.models import WalletSession
    from api.auth.tokens import hash_token
    from api.db.engine import make_engine
    from api.indexer.models import ChainEvent
    from api.tracks.models import Track, TrackContributor
    from oracle.catalog import upsert_platform
    from oracle.epoch.tables import epoch_totals, epochs, settled_totals

    engine = make_engine(database_url)
    migrate_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        connection = session.connection()
        for platform_id in range(1, PLATFORMS + 1):
            upsert_platform(connection, platform_id, _address(9_000 + platform_id), TOKEN, [1] * 6)
        for epoch in range(1, EPOCHS + 1):
            connection.execute(
                insert(epochs).values(
                    epoch=epoch,
                    status="confirmed",
                    config_version=1,
                    cut_seq=epoch,
                    block_number=epoch * 10,
                    root="0x" + f"{epoch:064x}",
                    data_hash="0x" + f"{epoch:064x}",
                    data_path="",
                    leaf_count=1,
                    tx_hash="0x" + f"{epoch:064x}",
                    created_at=0,
                    updated_at=0,
                )
            )
        for track_id in range(1, TRACKS_OF_CONTRIBUTOR + OTHER_TRACKS + 1):
            split = _address(100_000 + track_id)
            session.add(
                Track(
                    track_id=track_id,
                    split_address=split,
                    controller=CONTRIBUTOR,
                    title=f"Track {track_id}",
                    ai_disclosure="ai_assisted",
                    model_name="m",
                    content_hash="0x" + "ab" * 32,
                    metadata_hash="0x" + "cd" * 32,
                    tier=6,
                    ai_consent_mask=48,
                    registered_tx="0x" + "00" * 32,
                    created_at=now,
                )
            )
            member = CONTRIBUTOR if track_id <= TRACKS_OF_CONTRIBUTOR else _address(track_id)
            session.add(
                TrackContributor(track_id=track_id, address=member, share=600_000, role="artist")
            )
            session.add(
                TrackContributor(
                    track_id=track_id,
                    address=_address(500_000 + track_id),
                    share=400_000,
                    role="producer",
                )
            )
            rows_totals, rows_settled = [], []
            for platform_id in range(1, PLATFORMS + 1):
                for usage_class in (0, 4):
                    for epoch in range(1, EPOCHS + 1):
                        rows_totals.append(
                            {
                                "epoch": epoch,
                                "track_id": track_id,
                                "platform_id": platform_id,
                                "usage_class": usage_class,
                                "micro_units": epoch * 10**9,
                                "amount": str(epoch * 10**12),
                            }
                        )
                    rows_settled.append(
                        {
                            "track_id": track_id,
                            "platform_id": platform_id,
                            "usage_class": usage_class,
                            "micro_units": EPOCHS * 10**9,
                            "amount": str(EPOCHS * 10**12),
                            "epoch": EPOCHS,
                        }
                    )
            connection.execute(insert(epoch_totals), rows_totals)
            connection.execute(insert(settled_totals), rows_settled)
            for log_index, (name, account) in enumerate((("Pulled", None), ("Released", member))):
                session.add(
                    ChainEvent(
                        block_number=track_id,
                        block_hash="0x" + "11" * 32,
                        log_index=log_index,
                        tx_hash="0x" + "22" * 32,
                        contract="x",
                        address=split,
                        event=name,
                        args={"token": TOKEN, "amount": 10**12, "account": account},
                        account=account,
                        split=split,
                    )
                )
        session.add(
            WalletSession(
                token_hash=hash_token(SESSION_TOKEN),
                address=CONTRIBUTOR,
                created_at=now,
                expires_at=now + timedelta(days=1),
            )
        )
        session.commit()
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the API at {url} did not start")


def measure_api(rate: float = RATE_PER_S, duration: float = DURATION_S) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed(database_url)
        port = _free_port()
        env = {
            **os.environ,
            "ROYALTIES_API_ENVIRONMENT": "test",
            "ROYALTIES_API_DATABASE_URL": database_url,
            "ROYALTIES_API_ADMIN_TOKEN": ADMIN_TOKEN,
            "ROYALTIES_API_DATA_DIR": str(Path(tmp) / "data"),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bench.api_load:app_factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--workers",
                str(SERVER_WORKERS),
                "--loop",
                "asyncio",
                "--http",
                "h11",
            ],
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(f"{base}/healthz")
            url = f"{base}/v1/contributors/{CONTRIBUTOR}/dashboard"
            generator = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    LOADGEN,
                    url,
                    SESSION_TOKEN,
                    str(rate),
                    str(duration),
                    str(WARMUP_S),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(generator.stdout)
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {
        "api.offered_rate_per_s": float(rate),
        "api.reads_per_s": result["ok"] / result["elapsed"],
        "api.p50_ms": float(result["p50_ms"]),
        "api.p99_ms": float(result["p99_ms"]),
        "api.max_ms": float(result["max_ms"]),
        "api.errors": float(result["errors"]),
        "api.server_workers": float(SERVER_WORKERS),
    }


def main() -> None:
    figures = measure_api()
    width = max(len(k) for k in figures)
    lines = [f"{'figure':<{width}}  value"]
    lines += [f"{key:<{width}}  {value:,.1f}" for key, value in figures.items()]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
