"""`make bench-scale`: epochs at platform scale, through the code the worker runs, posting to anvil.

A synthetic catalog goes straight into the oracle's store (SQLite): tracks with splits of 1-5
recipients, 10% of them nesting another track's split, payees shared across 1-1,000 tracks
(a truncated power law), and accepted report versions over many past epochs. The splits are
not deployed: their recipient lists are written with the chain root already cached (what a
node holds after its first read of each split), so no epoch reads them from the chain.

Each epoch is a real EpochRunner.run_once(): compute (oracle.settlement.engine), publish the
data file, sign, post to UsageSettlement on anvil, reconcile and confirm. A measured epoch runs
in a fresh process (spawn) so its peak RSS is its own. Figures are written to
bench/scale_results.json (merged with earlier runs' keys) and printed as a table.

    python -m bench.scale                              # small default, under 2 minutes
    python -m bench.scale --tracks 1000000 --changed 100000 --repeats 3
    python -m bench.scale --history-only --history 365 --tracks 10000 --changed 1000
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eth_account import Account
from sha3 import keccak_256
from sqlalchemy import Engine, select
from web3 import Web3

RESULTS_PATH = Path(__file__).with_name("scale_results.json")
SHARE_SCALE = 1_000_000
RATES = (
    (4_000_000_001, 900_000_000, 0, 0, 2_500_000, 3_000_000),
    (3_500_000_003, 0, 1_000_000, 0, 0, 0),
)
GOALS = {
    "scale.epoch_s.catalog_1m.changed_100k": "<= 30",
    "scale.epoch_s.catalog_10m.changed_100k": "<= 60 and <= 2x the 1M figure",
    "scale.epoch_s.catalog_10m.changed_1m": "<= 180",
    "scale.epoch_s.history_365": "history_365 / history_30 <= 1.2",
    "scale.peak_rss_mb.catalog_10m": "<= 2,048",
    "scale.data_file_bytes_per_leaf": "<= 120",
    "scale.proof_ms_p99.catalog_10m": "<= 20",
}


def label(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}m"
    if count >= 1_000 and count % 1_000 == 0:
        return f"{count // 1_000}k"
    return str(count)


@functools.lru_cache(maxsize=1 << 20)
def address(kind: bytes, index: int) -> str:
    return "0x" + keccak_256(kind + index.to_bytes(8, "big")).digest()[:20].hex()


@dataclass
class World:
    tmp: Path
    rpc_url: str
    database_url: str
    data_dir: Path
    chain_id: int
    settlement: str
    node_key: str
    poster_key: str


# ---- the synthetic catalog -----------------------------------------------------------------


def payee_slots(slots: int, rng: random.Random) -> list[int]:
    """Payee ids for `slots` recipient places: each payee holds 1-1,000 of them (power law)."""
    out: list[int] = []
    payee = 0
    while len(out) < slots:
        size = min(1_000, int((1.0 - rng.random()) ** (-1 / 1.1)))
        out.extend([payee] * size)
        payee += 1
    rng.shuffle(out)
    return out[:slots]


def _bulk(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Driver executemany of positional rows (no SQLAlchemy parameter dict per row)."""
    if rows:
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def write_catalog(engine: Engine, tracks: int, rng: random.Random, token: str) -> None:
    """The catalog, in one transaction of batched driver inserts.

    Split addresses are hashes, so rows keyed by them would land at random places in their
    indexes: the splits and their recipients go to unindexed temporary tables first and are
    copied over sorted by address, and the tracks' split-address index is built after its rows
    (each index then written once, in order)."""
    from chain_client.merkle import recipients_root
    from oracle.catalog import upsert_platform
    from oracle.settlement.tables import split_recipients, splits
    from oracle.settlement.verify_file import recipients_root as list_root
    from oracle.store.schema import tracks as tracks_table

    counts = [rng.randint(1, 5) for _ in range(tracks)]
    slots = iter(payee_slots(sum(counts), rng))
    now = int(time.time())
    split_columns = ("split", "list_root", "chain_root", "checked_block")
    recipient_columns = ("split", "position", "recipient", "share")
    split_index = next(
        i for i in tracks_table.indexes if i.name == "ix_oracle_tracks_split_address"
    )
    with engine.begin() as conn:
        for platform_id in (1, 2):
            upsert_platform(conn, platform_id, address(b"payer", platform_id), token, [1] * 6)
        conn.exec_driver_sql(
            "CREATE TEMP TABLE bench_splits (split TEXT, list_root TEXT, chain_root TEXT,"
            " checked_block INTEGER)"
        )
        conn.exec_driver_sql(
            "CREATE TEMP TABLE bench_recipients (split TEXT, position INTEGER, recipient TEXT,"
            " share INTEGER)"
        )
        split_index.drop(conn)
        batch_tracks: list[tuple[Any, ...]] = []
        batch_recipients: list[tuple[Any, ...]] = []
        batch_splits: list[tuple[Any, ...]] = []
        for track in range(1, tracks + 1):
            split = address(b"split", track)
            members = {address(b"payee", next(slots)) for _ in range(counts[track - 1])}
            if track > 1 and rng.random() < 0.10:
                members.add(address(b"split", rng.randint(1, track - 1)))  # a remix
            recipients = sorted(members, key=lambda a: int(a, 16))
            shares = [SHARE_SCALE // len(recipients)] * len(recipients)
            shares[-1] += SHARE_SCALE - sum(shares)
            # The verifier's pysha3 recipientsRoot (the chain_client one checks the first).
            root = "0x" + list_root(list(zip(recipients, shares, strict=True))).hex()
            if track == 1:
                assert root == "0x" + recipients_root(recipients, shares).hex()
            batch_tracks.append((track, split, 6, now, 0))
            batch_splits.append((split, root, root, 0))
            batch_recipients.extend(
                (split, i, r, s) for i, (r, s) in enumerate(zip(recipients, shares, strict=True))
            )
            if len(batch_recipients) >= 50_000 or track == tracks:
                _bulk(
                    conn,
                    tracks_table.name,
                    ("track_id", "split_address", "tier", "updated_at", "settle_to_split"),
                    batch_tracks,
                )
                _bulk(conn, "bench_splits", split_columns, batch_splits)
                _bulk(conn, "bench_recipients", recipient_columns, batch_recipients)
                batch_tracks, batch_recipients, batch_splits = [], [], []
        for table, temp, columns, order in (
            (splits, "bench_splits", split_columns, "split"),
            (split_recipients, "bench_recipients", recipient_columns, "split, position"),
        ):
            listed = ", ".join(columns)
            conn.exec_driver_sql(
                f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM temp.{temp}"
                f" ORDER BY {order}"
            )
            conn.exec_driver_sql(f"DROP TABLE temp.{temp}")
        split_index.create(conn)


def add_usage(engine: Engine, day: int, track_ids: list[int], rng: random.Random) -> None:
    """A report version per platform for `day` (accepted through the intake's repository), its
    usage rows written by batched driver inserts in the same transaction."""
    from oracle.settlement.synthetic import add_report
    from oracle.store.schema import usage

    with engine.begin() as conn:
        for platform_id in (1, 2):
            rows = {
                (t, 0 if platform_id == 1 or t % 2 else 2): rng.randint(1, 5_000) * 1_000_000
                + rng.randint(0, 999_999)
                for t in track_ids
            }
            if platform_id == 1:
                for t in track_ids[: len(track_ids) // 10]:
                    rows[(t, 4)] = rng.randint(1, 10**9)
            version_id, _seq = add_report(
                conn, platform_id, f"p{platform_id}-day{day}", {}, salt=str(len(rows))
            )
            items = sorted(rows.items())
            for start in range(0, len(items), 50_000):
                _bulk(
                    conn,
                    usage.name,
                    ("report_version_id", "track_id", "usage_class", "micro_units"),
                    [(version_id, t, c, m) for (t, c), m in items[start : start + 50_000]],
                )


# ---- the chain and the runner ----------------------------------------------------------------


def start_world(tmp: Path, chain: Any) -> tuple[World, str]:
    from chain_client.contracts.erc20 import ERC20Client
    from chain_client.contracts.usage_settlement import UsageSettlementClient
    from chain_client.deploy import deploy_all
    from chain_client.sender import TransactionSender
    from oracle.store.migrate import upgrade

    w3 = Web3(Web3.HTTPProvider(chain.rpc_url, request_kwargs={"timeout": 120}))
    keys = chain.private_keys
    deployer, node, payer, poster = (Account.from_key(k) for k in keys[:4])
    deployment = deploy_all(
        w3, deployer, guardian=deployer.address, oracle_signers=[node.address], threshold=1
    )
    owner = UsageSettlementClient(w3, deployment.usage_settlement, TransactionSender(w3, deployer))
    for rates in RATES:
        owner.register_platform(payer.address, deployment.mock_stablecoin, list(rates))
    as_payer = TransactionSender(w3, payer)
    stable = ERC20Client(w3, deployment.mock_stablecoin, as_payer)
    stable.mint(payer.address, 10**36)
    stable.approve(deployment.usage_settlement, 10**36)
    paying = UsageSettlementClient(w3, deployment.usage_settlement, as_payer)
    for platform_id in (1, 2):
        paying.deposit(platform_id, 10**35)
    world = world_in(tmp, chain, int(w3.eth.chain_id), str(deployment.usage_settlement))
    upgrade(world.database_url)
    return world, str(deployment.mock_stablecoin).lower()


def world_in(tmp: Path, chain: Any, chain_id: int, settlement: str) -> World:
    """The world whose store and data files are in `tmp`, on `chain` (the bench's keys)."""
    keys = chain.private_keys
    return World(
        tmp=tmp,
        rpc_url=chain.rpc_url,
        database_url=f"sqlite:///{tmp / 'oracle.db'}",
        data_dir=tmp / "data",
        chain_id=chain_id,
        settlement=settlement,
        node_key=keys[1],
        poster_key=keys[3],
    )


def _log_slow_statements(path: Path, threshold_s: float = 0.05) -> None:
    """Appends every SQL statement slower than `threshold_s` (with its seconds) to `path`."""
    from sqlalchemy import event

    def before(conn: Any, _c: Any, _s: Any, _p: Any, context: Any, _m: Any) -> None:
        context._bench_started = time.perf_counter()

    def after(conn: Any, _c: Any, statement: str, _p: Any, context: Any, _m: Any) -> None:
        seconds = time.perf_counter() - context._bench_started
        if seconds >= threshold_s:
            with open(path, "a") as out:
                out.write(f"{seconds:.3f}s {' '.join(statement.split())[:600]}\n")

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)


def run_epoch(world: World, profile: str = "") -> dict[str, Any]:
    """One EpochRunner.run_once() as the worker runs it; wall seconds and what it produced.

    `profile`: a path to write the epoch's cProfile stats to (pstats format)."""
    from chain_client.sender import TransactionSender
    from oracle.epoch.chain_view import SettlementView
    from oracle.epoch.crash import no_crash
    from oracle.epoch.node import OracleNode
    from oracle.epoch.poster import Poster
    from oracle.epoch.runner import EpochRunner
    from oracle.settlement.data_file import read_records
    from oracle.store.engine import create_store_engine

    w3 = Web3(Web3.HTTPProvider(world.rpc_url, request_kwargs={"timeout": 300}))
    engine = create_store_engine(world.database_url)
    view = SettlementView(w3, world.settlement)
    node = OracleNode(
        "bench", world.node_key, engine, view, chain_id=world.chain_id, work_dir=world.tmp / "work"
    )
    sender = TransactionSender(w3, Account.from_key(world.poster_key), confirmations=0)
    runner = EpochRunner(node, [], Poster(engine, view, sender, no_crash), world.data_dir, no_crash)
    profiler = cProfile.Profile() if profile else None
    if profile:
        _log_slow_statements(Path(profile + ".sql"))
    started = time.perf_counter()
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    outcome = runner.run_once()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    engine.dispose()
    if outcome.status != "posted":
        raise RuntimeError(f"epoch {outcome.epoch} {outcome.status}: {outcome.message}")
    size = Path(outcome.data_path).stat().st_size
    return {
        "epoch": outcome.epoch,
        "seconds": seconds,
        "cpu_s": cpu,
        "steps": node.last_timings,
        "leaves": outcome.leaf_count,
        "changed_leaves": sum(
            1 for r in read_records(Path(outcome.data_path)) if r.get("kind") == "leaf"
        ),
        "data_bytes": size,
        "peak_rss_mb": own_peak_rss_mb(),
        # The track-records process of a large epoch (oracle.settlement.track_spool). An upper
        # bound: its ru_maxrss starts from this process's RSS when it was forked.
        "peak_rss_mb_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def own_peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux keeps that across execve, so a
    spawned epoch process reported its parent's peak (the bench after writing 10M tracks' usage:
    4.4 GB) whenever that was higher than its own."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_epoch_into(world: World, profile: str, sender: Any) -> None:
    try:
        sender.send(("ok", run_epoch(world, profile)))
    except BaseException as exc:  # handed to the parent, which raises it
        sender.send(("error", repr(exc)))
        raise


def run_epoch_in_child(world: World, profile: str = "") -> dict[str, Any]:
    """run_epoch in a fresh process: its peak RSS is the epoch's alone. Not a pool worker: the
    epoch may start a process of its own (oracle.settlement.track_spool)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_epoch_into, args=(world, profile, sender))
    child.start()
    sender.close()
    try:
        status, value = receiver.recv()
    except EOFError:
        status, value = "error", "the epoch process died"
    child.join()
    if status != "ok":
        raise RuntimeError(f"epoch process failed: {value}")
    result: dict[str, Any] = value
    return result


def proof_p99_ms(world: World, samples: int = 1_000) -> float:
    """p99 of account_leaf (leaf lookup + proof from the versioned tree) for random leaves of
    the latest posted epoch, in process (what the API's proof endpoint calls)."""
    from oracle.settlement.engine import leaf_total
    from oracle.settlement.queries import account_leaf, latest_settled_epoch
    from oracle.settlement.tables import leaf_versions
    from oracle.store.engine import create_store_engine

    engine = create_store_engine(world.database_url)
    times: list[float] = []
    with engine.connect() as conn:
        latest = latest_settled_epoch(conn)
        assert latest is not None
        rng = random.Random(7)
        for _ in range(samples):
            position = rng.randrange(leaf_total(conn, latest.epoch))
            account, token = conn.execute(
                select(leaf_versions.c.account, leaf_versions.c.token)
                .where(leaf_versions.c.position == position)
                .limit(1)
            ).one()
            started = time.perf_counter()
            leaf = account_leaf(conn, account, token)
            times.append((time.perf_counter() - started) * 1000)
            assert leaf is not None
    engine.dispose()
    times.sort()
    return times[int(len(times) * 0.99) - 1]


# ---- the legs -----------------------------------------------------------------------------------


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "runs": len(values),
    }


def _world_meta_path(world_dir: Path) -> Path:
    return world_dir / "world.json"


def _save_world(world_dir: Path, tmp: Path, meta: dict[str, Any]) -> None:
    """Copies the store, data and chain state of a built world (every connection closed, the
    chain stopped so anvil has dumped its state) into `world_dir`."""
    if world_dir.exists():
        shutil.rmtree(world_dir)
    shutil.copytree(tmp, world_dir / "files")
    _world_meta_path(world_dir).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def _load_world(world_dir: Path, tracks: int, seed: int) -> dict[str, Any] | None:
    path = _world_meta_path(world_dir)
    if not path.is_file():
        return None
    meta: dict[str, Any] = json.loads(path.read_text())
    wanted = {"tracks": tracks, "seed": seed}
    found = {key: meta[key] for key in wanted}
    if found != wanted:
        raise SystemExit(f"{world_dir} holds a world built with {found}, not {wanted}")
    return meta


def build_world(
    world: World,
    engine: Engine,
    tracks: int,
    changed: int,
    history: int,
    rng: random.Random,
    token: str,
    profile: str,
) -> dict[str, Any]:
    """The catalog, its first epoch (measured in a fresh process) and `history` - 1 more."""
    started = time.perf_counter()
    write_catalog(engine, tracks, rng, token)
    add_usage(engine, 1, list(range(1, tracks + 1)), rng)
    setup_s = round(time.perf_counter() - started, 1)
    first = run_epoch_in_child(world, f"{profile}.first" if profile else "")
    for day in range(2, history + 1):
        add_usage(engine, day, rng.sample(range(1, tracks + 1), changed), rng)
        run_epoch(world)
    return {"setup_s": setup_s, "first": first, "next_day": history + 1, "history": history}


def catalog_leg(
    tracks: int,
    changed: int,
    history: int,
    repeats: int,
    seed: int,
    profile: str = "",
    world_dir: Path | None = None,
) -> dict[str, Any]:
    """`world_dir`: keep the built world there (store, data files, anvil state), or reuse the one
    kept there: the catalog, first epoch and history are then not rebuilt, and the measured
    epochs run on a copy (so every run starts from the same state)."""
    from chain_client.devchain import DevChain
    from oracle.store.engine import create_store_engine
    from oracle.store.migrate import upgrade

    figures: dict[str, Any] = {}
    saved = _load_world(world_dir, tracks, seed) if world_dir else None
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        if saved is not None and world_dir is not None:
            shutil.copytree(world_dir / "files", tmp, dirs_exist_ok=True)
        chain = DevChain(accounts_count=4, state_path=tmp / "anvil-state.json")
        with chain:
            if saved is None:
                rng = random.Random(seed)
                world, token = start_world(tmp, chain)
                engine = create_store_engine(world.database_url)
                built = build_world(world, engine, tracks, changed, history, rng, token, profile)
                if world_dir is not None:
                    engine.dispose()
                    chain.stop()
                    meta = {
                        **built,
                        "tracks": tracks,
                        "history_changed": changed,
                        "seed": seed,
                        "chain_id": world.chain_id,
                        "settlement": world.settlement,
                        "built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    }
                    _save_world(world_dir, tmp, meta)
                    chain.port = None  # a new free port: the old one may linger
                    chain.start()
                    world = replace(world, rpc_url=chain.rpc_url)
            else:
                built = saved
                world = world_in(tmp, chain, int(saved["chain_id"]), str(saved["settlement"]))
                upgrade(world.database_url)  # a world kept by an older checkout
                engine = create_store_engine(world.database_url)
                # The measured epochs' usage: the same draws on every reuse of this world.
                rng = random.Random(seed * 1_000 + int(saved["next_day"]))
            first = built["first"]
            figures["setup_s"] = built["setup_s"]
            day = int(built["next_day"])
            measured = []
            for repeat in range(repeats):
                add_usage(engine, day + repeat, rng.sample(range(1, tracks + 1), changed), rng)
                measured.append(run_epoch_in_child(world, f"{profile}.{repeat}" if profile else ""))
            engine.dispose()
            figures["proof_ms_p99"] = round(proof_p99_ms(world), 3)
            if saved is not None:
                figures[f"scale.world_built_at.catalog_{label(tracks)}"] = saved["built_at"]
    cat = label(tracks)
    seconds = [m["seconds"] for m in measured]
    figures[f"scale.first_epoch_s.catalog_{cat}"] = round(first["seconds"], 2)
    figures[f"scale.epoch_s.catalog_{cat}.changed_{label(changed)}"] = round(
        statistics.median(seconds), 2
    )
    figures[f"scale.epoch_s.catalog_{cat}.changed_{label(changed)}.spread"] = _spread(seconds)
    figures[f"scale.epoch_cpu_s.catalog_{cat}.changed_{label(changed)}"] = round(
        statistics.median(m["cpu_s"] for m in measured), 2
    )
    figures[f"scale.steps_s.catalog_{cat}.changed_{label(changed)}"] = measured[-1]["steps"]
    figures[f"scale.first_epoch_cpu_s.catalog_{cat}"] = round(first["cpu_s"], 2)
    figures[f"scale.steps_s.first_epoch.catalog_{cat}"] = first["steps"]
    figures[f"scale.load_average_during_run.catalog_{cat}"] = round(os.getloadavg()[0], 1)

    # Peak RSS of the epoch process plus that of its track-records process (both peaks added:
    # an upper bound of what the two held at once).
    def rss(run: dict[str, Any]) -> float:
        return float(run["peak_rss_mb"]) + float(run.get("peak_rss_mb_children", 0.0))

    figures[f"scale.peak_rss_mb.catalog_{cat}"] = round(max(rss(first), *map(rss, measured)), 1)
    figures[f"scale.peak_rss_mb.catalog_{cat}.changed_only"] = round(max(map(rss, measured)), 1)
    figures[f"scale.peak_rss_mb.catalog_{cat}.track_records_process"] = round(
        max(float(m.get("peak_rss_mb_children", 0.0)) for m in measured), 1
    )
    figures[f"scale.proof_ms_p99.catalog_{cat}"] = figures.pop("proof_ms_p99")
    figures[f"scale.leaves.catalog_{cat}"] = measured[-1]["leaves"]
    # Data file v4 lists only the leaves an epoch changed or appended: bytes per leaf = file
    # bytes / the leaves in the file (not the tree's leaf count).
    figures["scale.data_file_bytes_per_leaf"] = round(
        measured[-1]["data_bytes"] / max(1, measured[-1]["changed_leaves"]), 1
    )
    figures[f"scale.changed_leaves.catalog_{cat}.changed_{label(changed)}"] = measured[-1][
        "changed_leaves"
    ]
    figures[f"scale.data_file_mb.catalog_{cat}.changed_{label(changed)}"] = round(
        measured[-1]["data_bytes"] / 1e6, 1
    )
    figures[f"scale.setup_s.catalog_{cat}"] = figures.pop("setup_s")
    return figures


def history_leg(tracks: int, changed: int, history: int, seed: int) -> dict[str, Any]:
    """The same-sized epoch after 30 and after `history` past epochs (medians of 5)."""
    from chain_client.devchain import DevChain
    from oracle.store.engine import create_store_engine

    rng = random.Random(seed)
    times: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-history-") as tmp,
        DevChain(accounts_count=4) as chain,
    ):
        world, token = start_world(Path(tmp), chain)
        engine = create_store_engine(world.database_url)
        write_catalog(engine, tracks, rng, token)
        add_usage(engine, 1, list(range(1, tracks + 1)), rng)
        run_epoch(world)
        for day in range(2, history + 1):
            add_usage(engine, day, rng.sample(range(1, tracks + 1), changed), rng)
            times.append(run_epoch(world)["seconds"])
        engine.dispose()
    at_30 = times[24:29]  # epochs 26-30
    at_end = times[-5:]
    return {
        "scale.epoch_s.history_30": round(statistics.median(at_30), 3),
        f"scale.epoch_s.history_{history}": round(statistics.median(at_end), 3),
        f"scale.epoch_s.history_ratio_{history}_30": round(
            statistics.median(at_end) / statistics.median(at_30), 3
        ),
        f"scale.history.catalog_{label(tracks)}.changed_{label(changed)}": {
            "epochs": history,
            "first_5": [round(t, 3) for t in times[:5]],
            "last_5": [round(t, 3) for t in at_end],
        },
    }


def print_table(figures: dict[str, Any]) -> None:
    width = max(len(k) for k in figures)
    print(f"{'key':<{width}}  {'value':>14}  goal")  # noqa: T201
    for key, value in sorted(figures.items()):
        shown = json.dumps(value) if isinstance(value, dict | list | str) else f"{value:,}"
        print(f"{key:<{width}}  {shown:>14}  {GOALS.get(key, '')}")  # noqa: T201


def measured_commit() -> str:
    """The checkout the epochs ran from: `git describe --always --dirty` (each epoch process
    imports this checkout's files, so a figure from a dirty tree names no commit)."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return described.stdout.strip()


def cpu_model() -> str:
    """The CPU model (/proc/cpuinfo): machines of one kind differ, and so do their figures."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Epochs at platform scale (bench/scale.py)")
    parser.add_argument("--tracks", type=int, default=20_000, help="catalog size")
    parser.add_argument("--changed", type=int, default=2_000, help="tracks changed per epoch")
    parser.add_argument("--history", type=int, default=3, help="past epochs before measuring")
    parser.add_argument("--repeats", type=int, default=1, help="measured epochs (median)")
    parser.add_argument("--history-only", action="store_true", help="only the history leg")
    parser.add_argument("--history-epochs", type=int, default=0, help="also run a history leg")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--world",
        type=Path,
        default=None,
        help="keep the built catalog, first epoch and history in DIR, or reuse the ones kept there",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_PATH)
    parser.add_argument(
        "--profile", default="", help="write each measured epoch's cProfile stats to PROFILE.<n>"
    )
    args = parser.parse_args(argv)
    commit = measured_commit()
    figures: dict[str, Any] = {}
    if not args.history_only:
        figures.update(
            catalog_leg(
                args.tracks,
                args.changed,
                args.history,
                args.repeats,
                args.seed,
                args.profile,
                args.world,
            )
        )
    if args.history_only or args.history_epochs:
        epochs = args.history_epochs or args.history
        figures.update(history_leg(args.tracks, args.changed, epochs, args.seed))
    stored: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    stored.update(figures)
    stored["machine"] = (
        f"{platform.machine()}, {multiprocessing.cpu_count()} cores, {platform.system()}"
    )
    stored["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    stored["measured_commit"] = commit
    stored["cpu_model"] = cpu_model()
    args.out.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
    print_table(figures)
    print(f"measured from checkout {commit}")  # noqa: T201
    print(  # noqa: T201
        "scale.data_file_bytes_per_leaf = data file bytes / the leaves listed in that file "
        "(format v4 lists only the leaves the epoch changed or appended)"
    )


if __name__ == "__main__":
    main()
