"""The published epoch data file, format v4: zstd-compressed JSON Lines, streamed.

Layout (docs/settlement-data-file.md): one header line, then one line per split recipient list
used, one line per (track, token) record this epoch moved, then the leaves this epoch changed or
appended, each with its position, in position order. Leaves it did not change are in the files
before it: verifying epoch E takes the files of epochs 1..E.
Every line is canonical JSON (sorted keys, no whitespace, ASCII) ending in a newline; integers
that can exceed 53 bits are decimal strings. Addresses are lower-case 0x-hex.

The zstd frame is deterministic: the parameters below, one thread, the lines fed to the
compressor in slices of exactly FEED bytes whoever writes them, so every node that computed the
same records writes the same bytes. The dataHash signed on chain is the keccak256 of the
compressed file bytes exactly as published. Files written before this container (gzip, the
same lines) stay readable: readers tell the two apart by their first bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import zstandard
from sha3 import keccak_256

FORMAT = "ai-music-royalties/settlement-epoch/v4"
# An account's address recurs in the records of the tracks that credit it and again in its leaf
# line, megabytes apart: beyond gzip's 32 KiB window, and shorter than zstd's default 64-byte
# long-distance match. So: a 2^27-byte window (the largest a decoder takes without being told
# to), long-distance matches from 24 bytes in a 2^23-entry table, and the fast level 1 for the
# rest (higher levels gained less than they cost once long matches were found). On the
# 100k-changed epochs' files: 124.5 bytes a listed leaf at 1M tracks and 89.7 at 10M, against
# 190.0 and 126.5 for gzip level 6, in less CPU; the compressor holds about 193 MiB.
COMPRESSION = zstandard.ZstdCompressionParameters.from_level(
    1,
    window_log=27,
    enable_ldm=True,
    ldm_min_match=24,
    ldm_hash_log=23,
    write_checksum=True,
    threads=0,
)
FEED = 1 << 20
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
SUFFIX = ".jsonl.zst"
AMOUNT_RULE = (
    "amount(track, platform, class, card) = floor(cumulativeMicroUnits * rate / 1e12), where a "
    "report's usage counts toward the platform's rate card in force at its period start "
    "(ratesAt(platformId, periodStart), rateFrom = that card's effectiveFrom); "
    "track amount per token = sum over that token's platforms, cards and classes; "
    "a platform's debit = its amounts' growth + what it carried (a debit the chain held back)"
)
FLATTENING_RULE = (
    "credit(track, path s_1..s_d) = floor(trackAmount * prod(s_i) / 1e6^d), one floor per "
    "(track, token, path) on cumulative amounts; leaf cumulativeAmount = sum of the account's "
    "credits over every track; nested splits expanded to depth 4, a split met deeper (or a "
    "settleToSplit or unverified split) is itself the account"
)
TREE_RULE = (
    "leaves (account, token, cumulativeAmount) hashed as OpenZeppelin StandardMerkleTree leaves, "
    "in position order: a leaf's position is fixed when its (account, token) first gets a "
    "non-zero amount, an epoch's new leaves are appended after all existing ones in (account, "
    "token) ascending order, and a leaf never leaves the tree; the file lists only the leaves "
    "the epoch changed or appended; node = commutativeKeccak256(left, right) of neighbours 2i, "
    "2i+1; an odd last node is carried up unchanged"
)


def canonical_line(record: Mapping[str, Any]) -> bytes:
    return (
        json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
        + b"\n"
    )


def leaf_line(position: int, account: str, token: str, amount: int | str, since: int) -> bytes:
    """canonical_line of a leaf record, formatted directly (the file's largest section)."""
    return (
        f'{{"account":"{account}","amount":"{amount}","kind":"leaf",'
        f'"position":{position},"since":{since},"token":"{token}"}}\n'
    ).encode()


class _HashingFile:
    """A write-only file object that hashes what passes through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.hasher = keccak_256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


class DataFileWriter:
    """Writes a data file to `path` (temporary file, fsync, rename); `close` gives its hash."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._temporary = path.with_name(path.name + ".tmp")
        self._handle = open(self._temporary, "wb")  # noqa: SIM115 - closed in close()
        self._raw = _HashingFile(self._handle)
        self._compressor = zstandard.ZstdCompressor(compression_params=COMPRESSION).compressobj()
        self._pending = bytearray()
        self.data_hash = ""
        self.size = 0

    def write(self, data: bytes) -> None:
        """Appends `data` (whole lines); the compressor sees it in FEED-byte slices."""
        self._pending += data
        if len(self._pending) >= FEED:
            whole = len(self._pending) - len(self._pending) % FEED
            view = memoryview(self._pending)
            for start in range(0, whole, FEED):
                self._raw.write(self._compressor.compress(view[start : start + FEED]))
            view.release()
            del self._pending[:whole]

    def record(self, record: Mapping[str, Any]) -> None:
        self.write(canonical_line(record))

    def close(self) -> str:
        self._raw.write(self._compressor.compress(bytes(self._pending)))
        self._raw.write(self._compressor.flush())
        self._pending.clear()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._temporary, self.path)
        digest: str = self._raw.hasher.hexdigest()
        self.data_hash = "0x" + digest
        self.size = self._raw.size
        return self.data_hash

    def abort(self) -> None:
        self._handle.close()
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> DataFileWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.abort()


def file_hash(path: Path) -> str:
    """keccak256 of a file's bytes, read in chunks."""
    hasher = keccak_256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    digest: str = hasher.hexdigest()
    return "0x" + digest


class _ZstdFrame(io.RawIOBase):
    """One zstd frame's bytes. A frame cut short, or followed by other bytes, is refused:
    zstandard's own stream reader ends quietly at a cut, which may fall between two lines."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._frame = zstandard.ZstdDecompressor().decompressobj()
        self._out = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while self._at == len(self._out):
            if self._frame.eof:
                if self._raw.read(1):
                    raise ValueError(f"{self._path}: bytes after the end of the zstd frame")
                return 0
            chunk = self._raw.read(FEED)
            if not chunk:
                raise ValueError(f"{self._path}: the zstd frame is cut short (a truncated file)")
            try:
                self._out, self._at = self._frame.decompress(chunk), 0
            except zstandard.ZstdError as exc:
                raise ValueError(f"{self._path}: corrupt zstd data ({exc})") from exc
            if self._frame.eof and self._frame.unused_data:
                raise ValueError(f"{self._path}: bytes after the end of the zstd frame")
        taken = min(len(target), len(self._out) - self._at)
        target[:taken] = self._out[self._at : self._at + taken]
        self._at += taken
        return taken

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_lines(path: Path) -> IO[bytes]:
    """A data file's decompressed bytes: zstd, or gzip for a file written before zstd."""
    with open(path, "rb") as probe:
        magic = probe.read(4)
    if magic == ZSTD_MAGIC:
        return io.BufferedReader(_ZstdFrame(path), buffer_size=FEED)
    if magic[:2] == GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    raise ValueError(f"{path}: neither a zstd nor a gzip data file (first bytes {magic.hex()})")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record of a data file, in file order."""
    number = 0
    try:
        with open_lines(path) as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {number} is not JSON: {exc}") from exc
    except (EOFError, gzip.BadGzipFile) as exc:  # a gzip file cut short or corrupt
        raise ValueError(f"{path}: unreadable after line {number}: {exc}") from exc


def data_file_path(data_dir: Path, chain_id: int, settlement: str, epoch: int) -> Path:
    return data_dir / "epochs" / f"{chain_id}-{settlement.lower()}" / f"epoch-{epoch:08d}{SUFFIX}"


def publish(source: Path, target: Path) -> None:
    """Moves a computed data file to its published path atomically (copy when across devices)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
        return
    except OSError:
        pass
    temporary = target.with_name(target.name + ".tmp")
    with open(source, "rb") as src, open(temporary, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(temporary, target)
