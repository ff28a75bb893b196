"""API read capacity, side by side with a bare baseline route on the same server stack.

`measure_api()` starts anvil as `up` runs it (transactions mined at once, and an empty block every
second: chain_client.devchain.LIVE_BLOCKS_ARGS), deploys the contracts, seeds an SQLite database
(2,000 other tracks), starts the API the way `up` serves it (api.server options, 2 uvicorn workers)
on 127.0.0.1, registers the contributor's tracks through the API itself (real splits on chain, some
holding ETH), settles a signed usage report on them in one real epoch (bench/api_settle.py: the
account leaves, data file and tree levels the proof read serves), seeds ten more epochs of settled
totals over every track, then measures each read:

- baseline: a route added for the bench that returns a constant small JSON body (the ceiling of
  this server stack: routing, middleware, HTTP, on this machine);
- dashboard: GET /v1/contributors/{address}/dashboard;
- claimable: GET /v1/contributors/{address}/claimable (reads contract state);
- proof: GET /v1/settlement/proof/{address}?token=... when the app has that route.

Load comes from `wrk` (C, little CPU; installed with apt-get when missing) with a pacing script
(bench/wrk_paced.lua) that offers a fixed rate. A point passes when the server answered every
request with 2xx (no socket errors or timeouts), served >= 95% of the offered rate, at p99 < 50 ms,
with < 1% of the sends late by more than 10 ms for want of a free connection (so a queue in front
of a saturated server is not hidden). Capacity is the highest offered rate that passed, found by
bisection under a closed-loop probe of the maximum throughput; each point runs POINT_S seconds.
The whole measurement is repeated RUNS times: figures are the median, with min and max.
Beside each capacity: the server's CPU time per request during the probe (all worker processes),
and the machine's load average during the run, since other processes on the same cores lower
every capacity figure while hardly moving the CPU cost of a request.
Run as ``python -m bench.api_load`` for a table.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# The goal's protocol: 3 whole runs, >= 10 s per point. The environment may shorten them for a
# trial of the harness (figures from such a run are not results).
RUNS = int(os.environ.get("BENCH_API_RUNS", "3"))
POINT_S = float(os.environ.get("BENCH_API_POINT_S", "10"))
PROBE_S = 3
BISECTION_STEPS = 4
P99_GOAL_MS = 50.0
FIXED_RATE = 1000
SERVER_WORKERS = 2
WRK_THREADS = 2
WRK_CONNECTIONS = 64
TRACKS_OF_CONTRIBUTOR = 12
FUNDED_SPLITS = 4
OTHER_TRACKS = 2_000
OTHER_TRACK_IDS_FROM = 1_000_001  # far above the registry's ids (it counts from 1)
EPOCHS = 10
PLATFORMS = 3
# Seeded history is written after the bench's one real epoch (epoch 1, platform 1 on chain),
# under other epoch and platform numbers, so the two never share a row. Its epochs are numbered
# below the real one: the store serves proofs only for its latest confirmed epoch and newer, so
# seeded confirmed epochs above 1 made the real epoch's proof a 404.
SEEDED_EPOCHS_FROM = -EPOCHS
SEEDED_PLATFORMS_FROM = 101
ADMIN_TOKEN = "bench-admin-token-0123456789"
SESSION_TOKEN = "rs_bench-session-token"
CONTRIBUTOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CO_CONTRIBUTOR = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
BASELINE_PATH = "/bench/baseline"
BASELINE_BODY = b'{"status":"ok","route":"baseline"}'
PACED_SCRIPT = Path(__file__).with_name("wrk_paced.lua")


def app_factory() -> Any:
    """uvicorn --factory entry: the API (settings from the environment) plus the baseline route.

    The baseline goes through the same server and middleware as the reads it is compared with,
    and is the first route the router tries (as /healthz is): the ceiling of this stack, not
    a figure lowered by the position of a route among the app's others."""
    from fastapi import Response

    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings(), run_migrations=False)

    @app.get(BASELINE_PATH, include_in_schema=False)
    async def baseline() -> Response:
        return Response(content=BASELINE_BODY, media_type="application/json")

    app.router.routes.insert(0, app.router.routes.pop())
    return app


def _address(n: int) -> str:
    return "0x" + f"{n:040x}"


# ---- data -------------------------------------------------------------------------------------


def seed(database_url: str) -> None:
    """Before the API starts: the catalog's other tracks and the contributor's wallet session."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from api.app import migrate_all
    from api.auth.models import WalletSession
    from api.auth.tokens import hash_token
    from api.db.engine import make_engine
    from api.tracks.models import Track, TrackContributor

    engine = make_engine(database_url)
    migrate_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        others = range(OTHER_TRACKS)
        session.execute(
            insert(Track),
            [
                {
                    "track_id": OTHER_TRACK_IDS_FROM + n,
                    "split_address": _address(100_000 + n),
                    "controller": _address(200_000 + n),
                    "title": f"Track {OTHER_TRACK_IDS_FROM + n}",
                    "ai_disclosure": "ai_assisted",
                    "model_name": "m",
                    "content_hash": "0x" + "ab" * 32,
                    "metadata_hash": "0x" + "cd" * 32,
                    "tier": 6,
                    "ai_consent_mask": 48,
                    "registered_tx": "0x" + "00" * 32,
                    "created_at": now,
                }
                for n in others
            ],
        )
        session.execute(
            insert(TrackContributor),
            [
                {
                    "track_id": OTHER_TRACK_IDS_FROM + n,
                    "address": _address(base + n),
                    "share": share,
                    "role": role,
                }
                for n in others
                for base, share, role in (
                    (300_000, 600_000, "artist"),
                    (500_000, 400_000, "producer"),
                )
            ],
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


def seed_history(database_url: str, tracks: list[tuple[int, str]]) -> None:
    """After the real epoch: EPOCHS past epochs of settled totals on every track (the others'
    and the contributor's), so the reads work over a history, not one epoch."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from api.db.engine import make_engine
    from oracle.catalog import upsert_platform
    from oracle.epoch.tables import epochs

    engine = make_engine(database_url)
    with Session(engine) as session:
        connection = session.connection()
        for platform_id in _seeded_platforms():
            upsert_platform(connection, platform_id, _address(9_000 + platform_id), TOKEN, [1] * 6)
        for epoch in _seeded_epochs():
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
        others = [(OTHER_TRACK_IDS_FROM + n, _address(100_000 + n)) for n in range(OTHER_TRACKS)]
        _usage_rows(
            connection, others, session, [_address(300_000 + n) for n in range(OTHER_TRACKS)]
        )
        _usage_rows(connection, tracks, session, [CONTRIBUTOR] * len(tracks))
        session.commit()
    engine.dispose()


def _seeded_platforms() -> range:
    return range(SEEDED_PLATFORMS_FROM, SEEDED_PLATFORMS_FROM + PLATFORMS)


def _seeded_epochs() -> range:
    return range(SEEDED_EPOCHS_FROM, SEEDED_EPOCHS_FROM + EPOCHS)


def _usage_rows(
    connection: Any, tracks: list[tuple[int, str]], session: Any, releasers: list[str]
) -> None:
    """Settled totals and per-epoch totals of every (platform, class), one pull and one release
    event per track."""
    from sqlalchemy import insert

    from api.indexer.models import ChainEvent
    from oracle.epoch.tables import epoch_totals, settled_totals

    rows_totals: list[dict[str, Any]] = []
    rows_settled: list[dict[str, Any]] = []
    for (track_id, split), releaser in zip(tracks, releasers, strict=True):
        for platform_id in _seeded_platforms():
            for usage_class in (0, 4):
                for nth, epoch in enumerate(_seeded_epochs(), start=1):
                    rows_totals.append(
                        {
                            "epoch": epoch,
                            "track_id": track_id,
                            "platform_id": platform_id,
                            "usage_class": usage_class,
                            "micro_units": nth * 10**9,  # cumulative: grows epoch by epoch
                            "amount": str(nth * 10**12),
                        }
                    )
                rows_settled.append(
                    {
                        "track_id": track_id,
                        "platform_id": platform_id,
                        "usage_class": usage_class,
                        "micro_units": EPOCHS * 10**9,
                        "amount": str(EPOCHS * 10**12),
                        "epoch": _seeded_epochs()[-1],
                    }
                )
        # One block per track: the contributor's tracks (ids from 1) below the others'.
        block = (
            track_id if track_id < OTHER_TRACK_IDS_FROM else track_id - OTHER_TRACK_IDS_FROM + 10**4
        )
        for log_index, (name, account) in enumerate((("Pulled", None), ("Released", releaser))):
            session.add(
                ChainEvent(
                    block_number=block,
                    block_hash="0x" + "11" * 32,
                    log_index=log_index,
                    tx_hash="0x" + f"{track_id:064x}",
                    contract="x",
                    address=split,
                    event=name,
                    args={"token": TOKEN, "amount": 10**12, "account": account},
                    account=account,
                    split=split,
                )
            )
    for start in range(0, len(rows_totals), 5_000):
        connection.execute(insert(epoch_totals), rows_totals[start : start + 5_000])
    connection.execute(insert(settled_totals), rows_settled)


# ---- server and chain -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _http(
    method: str,
    url: str,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    extra_headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", **(extra_headers or {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


def _wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the API server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the API at {url} did not start within {timeout:.0f}s")


def find_wrk() -> str:
    """wrk from PATH, installed from Debian's packages when missing (root on this machine kind)."""
    found = shutil.which("wrk")
    if found is None and shutil.which("apt-get") is not None and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk not found: install it (Debian: apt-get install wrk)")
    return found


def _register_tracks(base: str, w3: Any, funder: str) -> list[tuple[int, str]]:
    tracks: list[tuple[int, str]] = []
    for n in range(TRACKS_OF_CONTRIBUTOR):
        # Retried with the same Idempotency-Key (the route returns the first result): on a
        # loaded machine a receipt can take longer than the API's own RPC retries.
        for _attempt in range(5):
            status, body = _register_one(base, n)
            if status != 503:
                break
            time.sleep(2)
        if status not in (200, 201):
            raise RuntimeError(f"registering a bench track failed: {status} {body[:500]!r}")
        track = json.loads(body)
        tracks.append((int(track["track_id"]), str(track["split_address"])))
    for _, split in tracks[:FUNDED_SPLITS]:
        tx = w3.eth.send_transaction({"from": funder, "to": split, "value": 10**18})
        w3.eth.wait_for_transaction_receipt(tx)
    return tracks


def _register_one(base: str, n: int) -> tuple[int, bytes]:
    return _http(
        "POST",
        f"{base}/v1/tracks",
        ADMIN_TOKEN,
        {
            "controller": CONTRIBUTOR,
            "title": f"Bench track {n + 1}",
            "ai_disclosure": "ai_assisted",
            "model_name": "bench-model",
            "content_hash": "0x" + f"{n + 1:064x}",
            "tier": 5,
            "ai_consent_mask": 48,
            "contributors": [
                {"address": CONTRIBUTOR, "share": 600_000},
                {"address": CO_CONTRIBUTOR, "share": 400_000},
            ],
        },
        {"Idempotency-Key": f"bench-track-{n}"},
    )


# ---- load -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    offered_rps: float
    served_rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    late_fraction: float

    @property
    def passed(self) -> bool:
        return (
            self.errors == 0
            and self.served_rps >= 0.95 * self.offered_rps
            and self.p99_ms < P99_GOAL_MS
            and self.late_fraction < 0.01
        )


def _wrk(
    wrk: str, url: str, token: str | None, seconds: float, rate: float | None
) -> dict[str, Any]:
    args = [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds:.0f}s", "--timeout", "5s"]
    args += ["-s", str(PACED_SCRIPT), url, "--", f"{(rate or 1e9) / WRK_THREADS:.3f}", token or ""]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("{"))
    data: dict[str, Any] = json.loads(line)
    return data


def measure_point(wrk: str, url: str, token: str | None, rate: float, seconds: float) -> Point:
    data = _wrk(wrk, url, token, seconds, rate)
    duration = data["duration_us"] / 1e6
    errors = sum(int(data[k]) for k in data if k.startswith("errors_"))
    return Point(
        offered_rps=rate,
        served_rps=data["requests"] / duration if duration else 0.0,
        p50_ms=float(data["p50_ms"]),
        p99_ms=float(data["p99_ms"]),
        errors=errors,
        late_fraction=data["late_sends"] / max(1, data["sends"]),
    )


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc; 0 elsewhere)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(pid: int) -> list[int]:
    """The uvicorn supervisor and its worker processes."""
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
    except OSError:
        pass
    return pids


def capacity(
    wrk: str, url: str, token: str | None, log: Callable[[str], None], pids: list[int]
) -> tuple[float, float]:
    """The highest offered rate that passed (0 when none did), and the server's CPU time per
    request during the closed-loop probe (ms; a figure other load on the machine hardly moves)."""
    cpu_before = _cpu_seconds(pids)
    probe = _wrk(wrk, url, token, PROBE_S, None)  # closed loop: as fast as answers come
    cpu_ms = (_cpu_seconds(pids) - cpu_before) * 1000 / max(1, probe["requests"])
    ceiling = probe["requests"] / (probe["duration_us"] / 1e6)
    log(f"      probe: {ceiling:8.0f} req/s closed loop, server CPU {cpu_ms:.3f} ms per request")
    low, high, best = 0.0, 1.1 * ceiling, 0.0
    rate = 0.75 * ceiling
    for _ in range(BISECTION_STEPS):
        point = measure_point(wrk, url, token, rate, POINT_S)
        log(
            f"      {rate:8.0f} req/s offered: served {point.served_rps:8.0f}, p99 "
            f"{point.p99_ms:7.1f} ms, errors {point.errors}, late {point.late_fraction:.1%}"
            f" -> {'pass' if point.passed else 'fail'}"
        )
        if point.passed:
            best = max(best, rate)
            low = rate
        else:
            high = rate
        rate = (low + high) / 2
    return round(best), cpu_ms


def _spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def measure_api(runs: int = RUNS, log: Callable[[str], None] | None = None) -> dict[str, float]:
    from eth_account import Account
    from web3 import Web3

    from bench.api_settle import settle_contributor_usage
    from chain_client.compiler import compile_contracts
    from chain_client.deploy import deploy_all
    from chain_client.devchain import LIVE_BLOCKS_ARGS, DevChain

    say = log or (lambda text: print(text, flush=True))  # noqa: T201
    wrk = find_wrk()
    # The chain `up` runs: a block every second besides each transaction's, so every chain-keyed
    # read (claimable, proof) is rebuilt each block, as it is in a running system.
    chain_process = DevChain(accounts_count=10, extra_args=LIVE_BLOCKS_ARGS)
    with tempfile.TemporaryDirectory() as tmp, chain_process as chain:
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url, request_kwargs={"timeout": 30}))
        keys = list(chain.private_keys)
        deployer = Account.from_key(keys[0])
        deployment = deploy_all(
            w3,
            deployer,
            guardian=Account.from_key(keys[4]).address,
            oracle_signers=[Account.from_key(keys[1]).address],
            threshold=1,
            root_delay=0,
            minter=deployer.address,
            artifacts=compile_contracts(),
        )
        deployment_file = Path(tmp) / "deployment.json"
        deployment_file.write_text(deployment.to_json())
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        say("   seeding the database ...")
        seed(database_url)
        port = _free_port()
        env = {
            **os.environ,
            "ROYALTIES_API_ENVIRONMENT": "test",
            "ROYALTIES_API_DATABASE_URL": database_url,
            "ROYALTIES_API_ADMIN_TOKEN": ADMIN_TOKEN,
            "ROYALTIES_API_DATA_DIR": str(Path(tmp) / "data"),
            "ROYALTIES_API_RPC_URL": chain.rpc_url,
            "ROYALTIES_API_CHAIN_ID": str(w3.eth.chain_id),
            "ROYALTIES_API_DEPLOYMENT_FILE": str(deployment_file),
            "ROYALTIES_API_OPERATOR_KEY": keys[0],
        }
        from api.server import uvicorn_cli_args

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
                "--workers",
                str(SERVER_WORKERS),
                # The supervisor kills a worker that misses a 5 s health ping; on a machine
                # shared with other loads a busy worker can, and the restart costs the run.
                "--timeout-worker-healthcheck",
                "60",
                *uvicorn_cli_args({}),  # what `up` runs with, access log off as by default
            ],
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(f"{base}/healthz", server)
            say("   registering the contributor's tracks through the API ...")
            tracks = _register_tracks(base, w3, deployer.address)
            say("   settling the contributor's usage in a real epoch ...")
            epoch = settle_contributor_usage(
                base,
                w3,
                keys[6],
                keys[1],
                {
                    "database_url": database_url,
                    "data_dir": str(Path(tmp) / "data"),
                    "rpc_url": chain.rpc_url,
                    "chain_id": int(w3.eth.chain_id),
                    "settlement_address": deployment.usage_settlement,
                },
                tracks,
                _http,
                ADMIN_TOKEN,
            )
            say(f"   epoch {epoch} posted; seeding {EPOCHS} past epochs of totals ...")
            seed_history(database_url, tracks)
            routes = _routes(base)
            say("   routes: " + ", ".join(routes))
            per_route: dict[str, list[float]] = {name: [] for name in routes}
            cpu_per_request: dict[str, list[float]] = {name: [] for name in routes}
            pids = server_pids(server.pid)
            load_1m = [os.getloadavg()[0]]
            fixed_p99: list[float] = []
            fixed_served: list[float] = []
            for run in range(1, runs + 1):
                for name, (url, token) in routes.items():
                    say(f"   run {run}/{runs}: {name}")
                    rate, cpu_ms = capacity(wrk, url, token, say, pids)
                    per_route[name].append(rate)
                    cpu_per_request[name].append(cpu_ms)
                    load_1m.append(os.getloadavg()[0])
                    say(f"      capacity {per_route[name][-1]:,.0f} req/s")
                url, token = routes["dashboard"]
                point = measure_point(wrk, url, token, FIXED_RATE, POINT_S)
                fixed_p99.append(point.p99_ms)
                fixed_served.append(point.served_rps)
                say(
                    f"   run {run}/{runs}: dashboard at {FIXED_RATE} req/s: p99 "
                    f"{point.p99_ms:.1f} ms, served {point.served_rps:.0f}, errors {point.errors}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures: dict[str, float] = {
        "api.runs": float(runs),
        "api.server_workers": SERVER_WORKERS,
        # Other processes on the machine share its cores: the load average says how many.
        "api.load_average_1m_median": round(statistics.median(load_1m), 2),
        "api.load_average_1m_max": round(max(load_1m), 2),
    }
    for name, values in per_route.items():
        median, low, high = _spread(values)
        figures[f"api.{name}_capacity_rps"] = median
        figures[f"api.{name}_capacity_rps_min"] = low
        figures[f"api.{name}_capacity_rps_max"] = high
        figures[f"api.{name}_server_cpu_ms_per_request"] = round(
            statistics.median(cpu_per_request[name]), 3
        )
    baseline = figures["api.baseline_capacity_rps"]
    for name in routes:
        if name != "baseline" and baseline > 0:
            ratio = figures[f"api.{name}_capacity_rps"] / baseline
            figures[f"api.{name}_to_baseline"] = round(ratio, 3)
    median, low, high = _spread(fixed_p99)
    figures["api.dashboard_p99_ms_at_1000_rps"] = round(median, 2)
    figures["api.dashboard_p99_ms_at_1000_rps_min"] = round(low, 2)
    figures["api.dashboard_p99_ms_at_1000_rps_max"] = round(high, 2)
    figures["api.dashboard_served_rps_at_1000_rps"] = round(statistics.median(fixed_served), 1)
    return figures


def _routes(base: str) -> dict[str, tuple[str, str | None]]:
    """Each measured read, checked once for a 200 before any load."""
    routes: dict[str, tuple[str, str | None]] = {
        "baseline": (f"{base}{BASELINE_PATH}", None),
        "dashboard": (f"{base}/v1/contributors/{CONTRIBUTOR}/dashboard", SESSION_TOKEN),
        "claimable": (f"{base}/v1/contributors/{CONTRIBUTOR}/claimable", SESSION_TOKEN),
    }
    paths = json.loads(_http("GET", f"{base}/openapi.json")[1])["paths"]
    proof = f"{base}/v1/settlement/proof/{CONTRIBUTOR}?token={TOKEN}"
    if any(p.startswith("/v1/settlement/proof/") for p in paths):
        status, body = _http("GET", proof, SESSION_TOKEN)
        if status == 200:
            routes["proof"] = (proof, SESSION_TOKEN)
        else:
            raise RuntimeError(f"proof: GET {proof} answered {status}: {body[:500]!r}")
    for name, (url, token) in routes.items():
        status, body = _http("GET", url, token)
        if status != 200:
            raise RuntimeError(f"{name}: GET {url} answered {status}: {body[:500]!r}")
    dashboard = json.loads(_http("GET", routes["dashboard"][0], SESSION_TOKEN)[1])
    if len(dashboard["tracks"]) != TRACKS_OF_CONTRIBUTOR:
        raise RuntimeError(
            f"dashboard: {len(dashboard['tracks'])} tracks, not {TRACKS_OF_CONTRIBUTOR}"
        )
    return routes


def main() -> None:
    figures = measure_api()
    width = max(len(k) for k in figures)
    lines = [f"{'figure':<{width}}  value"]
    lines += [f"{key:<{width}}  {value:,.1f}" for key, value in figures.items()]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
