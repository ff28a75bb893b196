"""Oracle intake speed and memory: CSV and DDEX DSR ingest of generated 1,000,000-line files.

`measure_ingest()` writes the files into a temp dir, then ingests each in a fresh subprocess
(fresh SQLite store with a 10,000-track catalog) that reports the wall time of `ingest_file`
(raw copy + hash, signature check, parse, validation, aggregation, rules, commit) and its own
peak RSS (ru_maxrss). Lines per second are "on one core": lines over the CPU seconds the
ingesting process used (ingest is single-threaded), so other load on a shared machine does not
distort the figure; the wall-clock seconds are reported beside them. A 5,000,000-line CSV
is ingested too, to show memory stays flat.
Run as ``python -m bench.oracle_ingest`` for a table.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from Crypto.Hash import keccak

TRACKS = 10_000
SETTLEMENT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PLATFORM_KEY = "0x" + "a1" * 32
PERIOD = (1_699_920_000, 1_700_524_800)
DSR_DATES = ("2023-11-14", "2023-11-20")
_BLOCK = 100_000
_USE_TYPES = ("Stream", "PermanentDownload", "UserGeneratedContent", "Sync")


def _isrc(track_id: int) -> str:
    return f"USRC1{track_id:07d}"


def write_csv(path: Path, lines: int) -> None:
    rng = random.Random(7)
    block = "".join(
        f"{rng.randint(1, TRACKS)},{rng.randint(0, 3)},{rng.randint(0, 50)}\n"
        for _ in range(_BLOCK)
    )
    with path.open("w", encoding="utf-8") as out:
        out.write(f"# report_id: bench-{lines}\n# period_start: {PERIOD[0]}\n")
        out.write(f"# period_end: {PERIOD[1]}\n# chain_id: 31337\ntrack,usage_class,units\n")
        for _ in range(lines // _BLOCK):
            out.write(block)


def write_dsr(path: Path, lines: int) -> None:
    rng = random.Random(11)
    blocks = lines // _BLOCK
    rows = [
        (rng.randint(1, TRACKS), rng.choice(_USE_TYPES), rng.randint(0, 50)) for _ in range(_BLOCK)
    ]
    block_total = sum(r[2] for r in rows)
    head = [
        "HEAD", "1.1", "BasicAudioProfile", "1.1", f"bench-{lines}", "2023-11-21T10:00:00Z",
        "1", "1", DSR_DATES[0], DSR_DATES[1], "PADPIDA2014021302X", "Bench Platform",
    ]  # fmt: skip
    with path.open("w", encoding="utf-8") as out:
        out.write("\t".join(head) + "\n")
        for b in range(blocks):
            out.write(f"SY01\tS{b}\t{block_total}\n")
        for b in range(blocks):
            out.write("".join(f"RU01\tS{b}\t{_isrc(t)}\t{u}\t{n}\n" for t, u, n in rows))
        out.write(f"FOOT\t{blocks * (_BLOCK + 1) + 2}\t{blocks}\t{blocks * _BLOCK}\n")


def _file_hash(path: Path) -> bytes:
    hasher = keccak.new(digest_bits=256)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return hasher.digest()


def _worker(fmt: str, file: Path, workdir: Path) -> dict[str, float]:
    """Runs in the subprocess: fresh store and catalog, one timed ingest, own peak RSS."""
    from eth_account import Account

    from chain_client.eip712 import UsageReport, sign_usage_report
    from oracle.catalog import upsert_platform
    from oracle.intake.ingest import ingest_file
    from oracle.settings import OracleSettings
    from oracle.store.engine import create_store_engine
    from oracle.store.migrate import upgrade
    from oracle.store.records import ReportFormat
    from oracle.store.schema import tracks

    settings = OracleSettings(
        database_url=f"sqlite:///{workdir / 'oracle.db'}",
        data_dir=workdir / "data",
        settlement_address=SETTLEMENT,
    )
    upgrade(settings.database_url)
    engine = create_store_engine(settings.database_url)
    with engine.begin() as conn:
        upsert_platform(conn, 1, Account.from_key(PLATFORM_KEY).address, "0x" + "ee" * 20, [1] * 6)
        conn.execute(
            tracks.insert(),
            [
                {"track_id": t, "isrc": _isrc(t), "tier": 4, "updated_at": 0}
                for t in range(1, TRACKS + 1)
            ],
        )
    report_format = ReportFormat.CSV if fmt == "csv" else ReportFormat.DSR
    lines = sum(1 for _ in file.open("rb"))
    report_id = f"bench-{(lines // _BLOCK) * _BLOCK}"
    report = UsageReport(report_id, 1, *PERIOD, int(report_format), _file_hash(file))
    signature = sign_usage_report(
        PLATFORM_KEY, report, chain_id=31337, verifying_contract=SETTLEMENT
    )
    started, started_cpu = time.perf_counter(), time.process_time()
    result = ingest_file(settings, engine, file, 1, report_format, "0x" + signature.hex())
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - started_cpu
    if result.report.line_count < lines - 100:
        raise RuntimeError(f"ingest counted {result.report.line_count} lines of {lines}")
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "lines": float(result.report.line_count),
        "rss_mb": rss_kb / 1024,
    }


def _run_worker(fmt: str, file: Path, workdir: Path) -> dict[str, float]:
    workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.oracle_ingest", "--worker", fmt, str(file), str(workdir)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ingest worker ({fmt}) failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure_ingest(lines: int = 1_000_000, big_lines: int = 5_000_000) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="oracle-ingest-bench-") as tmp:
        root = Path(tmp)
        csv_file, dsr_file, big_file = root / "usage.csv", root / "usage.dsr", root / "big.csv"
        write_csv(csv_file, lines)
        write_dsr(dsr_file, lines)
        csv_run = _run_worker("csv", csv_file, root / "csv")
        dsr_run = _run_worker("dsr", dsr_file, root / "dsr")
        csv_file.unlink()
        write_csv(big_file, big_lines)
        big_run = _run_worker("csv", big_file, root / "big")
    return {
        "oracle.csv_lines_per_s": round(csv_run["lines"] / csv_run["cpu_seconds"]),
        "oracle.dsr_lines_per_s": round(dsr_run["lines"] / dsr_run["cpu_seconds"]),
        "oracle.csv_wall_s_1m": round(csv_run["seconds"], 2),
        "oracle.dsr_wall_s_1m": round(dsr_run["seconds"], 2),
        "oracle.peak_rss_mb_1m": round(max(csv_run["rss_mb"], dsr_run["rss_mb"]), 1),
        "oracle.peak_rss_mb_5m": round(big_run["rss_mb"], 1),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        sys.stdout.write(json.dumps(_worker(argv[1], Path(argv[2]), Path(argv[3]))) + "\n")
        return 0
    results = measure_ingest()
    width = max(len(k) for k in results)
    for key, value in results.items():
        sys.stdout.write(f"{key:<{width}}  {value:>14,}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
