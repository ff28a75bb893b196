"""Oracle intake speed and memory: CSV and DDEX DSR ingest of generated 1,000,000-line files.

The DSR file is a DSRF Basic Audio Profile 1.2 report: 1,000,000 SU02 stream lines in blocks
(one AS01.01 resource and ten SU02 lines per block, one SY02.02 summary per territory); its
lines per second count the SU02 usage lines. A 5,000,000-line DSR shows its memory stays flat.

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


#: DSR bench report: Basic Audio Profile 1.2, one SY02.02 summary per territory, blocks of one
#: AS01.01 resource and one SU02 stream line per territory.
DSR_TERRITORIES = ("US", "GB", "DE", "FR", "JP", "BR", "CA", "AU", "SE", "NO")


def write_dsr(path: Path, lines: int) -> None:
    """`lines` SU02 usage lines in blocks of len(DSR_TERRITORIES), one resource per block."""
    rng = random.Random(11)
    per_block = len(DSR_TERRITORIES)
    blocks = lines // per_block
    head = [
        "HEAD", "dsrf/3.0/1.0/1.0", "BasicAudioProfile", "1.2", f"bench-{lines}",
        "2023-11-21T10:00:00Z", "1", "1", DSR_DATES[0], DSR_DATES[1], "PADPIDA2014021302X",
        "Bench Platform", "Premium", "PADPIDA2023111401R", "Bench Oracle", "",
    ]  # fmt: skip
    physical = 1
    with path.open("w", encoding="utf-8") as out:
        out.write("\t".join(head) + "\n")
        for territory in DSR_TERRITORIES:
            out.write(
                f"SY02.02\t{territory}\t\t\tSubscriptionModel\tOnDemandStream\t{territory}\t"
                "Premium\t0\t\tUSD\t0.00\t\t\t\t\t\t\tMusic\t\t\t\n"
            )
            physical += 1
        chunk: list[str] = []
        for block in range(blocks):
            track = rng.randint(1, TRACKS)
            chunk.append(
                f"AS01.01\tB{block}\tR1\tD{block}\t{_isrc(track)}\tTitle {track}\t\t"
                "Artist\t\tPT3M\tSoundRecording\t\n"
            )
            chunk.extend(
                f"SU02\tB{block}\t{territory}\tT{block}.{n}\t\tR1\t\t{rng.randint(0, 50)}\t\t\n"
                for n, territory in enumerate(DSR_TERRITORIES)
            )
            if len(chunk) > 50_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        physical += blocks * (per_block + 1) + 1
        summaries = len(DSR_TERRITORIES)
        out.write(f"FOOT\t{physical}\t{physical}\t{summaries}\t{blocks}\t{blocks}\n")


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
    if report_format is ReportFormat.DSR:
        from oracle.intake.ddex_dsr import read_dsr_header

        report_id = read_dsr_header(file).report_id or ""
        lines = int(report_id.removeprefix("bench-"))  # usage lines (resources, HEAD... not)
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
        dsr_file.unlink()
        write_csv(big_file, big_lines)
        big_run = _run_worker("csv", big_file, root / "big")
        big_file.unlink()
        big_dsr = root / "big.dsr"
        write_dsr(big_dsr, big_lines)
        big_dsr_run = _run_worker("dsr", big_dsr, root / "big-dsr")
    return {
        "oracle.csv_lines_per_s": round(csv_run["lines"] / csv_run["cpu_seconds"]),
        "oracle.dsr_lines_per_s": round(dsr_run["lines"] / dsr_run["cpu_seconds"]),
        "oracle.csv_wall_s_1m": round(csv_run["seconds"], 2),
        "oracle.dsr_wall_s_1m": round(dsr_run["seconds"], 2),
        "oracle.peak_rss_mb_1m": round(max(csv_run["rss_mb"], dsr_run["rss_mb"]), 1),
        "oracle.peak_rss_mb_5m": round(big_run["rss_mb"], 1),
        "oracle.dsr_peak_rss_mb_1m": round(dsr_run["rss_mb"], 1),
        "oracle.dsr_peak_rss_mb_5m": round(big_dsr_run["rss_mb"], 1),
        "oracle.dsr_lines_per_s_5m": round(big_dsr_run["lines"] / big_dsr_run["cpu_seconds"]),
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
