"""The published epoch data file, format v4: gzip-compressed JSON Lines, streamed.

Layout (docs/settlement-data-file.md): one header line, then one line per split recipient list
used, one line per (track, token) record this epoch moved, then the leaves this epoch changed or
appended, each with its position, in position order. Leaves it did not change are in the files
before it: verifying epoch E takes the files of epochs 1..E.
Every line is canonical JSON (sorted keys, no whitespace, ASCII) ending in a newline; integers
that can exceed 53 bits are decimal strings. Addresses are lower-case 0x-hex.

The gzip stream is deterministic: compression level 6, mtime 0, no file name, so every node
that computed the same records writes the same bytes. The dataHash signed on chain is the
keccak256 of the compressed file bytes exactly as published.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sha3 import keccak_256

FORMAT = "ai-music-royalties/settlement-epoch/v4"
COMPRESS_LEVEL = 6
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
        self._gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._raw, compresslevel=COMPRESS_LEVEL, mtime=0
        )
        self._batch: list[bytes] = []
        self._batched = 0
        self.data_hash = ""
        self.size = 0

    def write(self, line: bytes) -> None:
        self._batch.append(line)
        self._batched += len(line)
        if self._batched >= 1 << 16:
            self._drain()

    def record(self, record: Mapping[str, Any]) -> None:
        self.write(canonical_line(record))

    def _drain(self) -> None:
        self._gzip.write(b"".join(self._batch))
        self._batch.clear()
        self._batched = 0

    def close(self) -> str:
        self._drain()
        self._gzip.close()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._temporary, self.path)
        digest: str = self._raw.hasher.hexdigest()
        self.data_hash = "0x" + digest
        self.size = self._raw.size
        return self.data_hash

    def abort(self) -> None:
        self._gzip.close()
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


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record of a data file, in file order."""
    with gzip.open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number} is not JSON: {exc}") from exc


def data_file_path(data_dir: Path, chain_id: int, settlement: str, epoch: int) -> Path:
    return data_dir / "epochs" / f"{chain_id}-{settlement.lower()}" / f"epoch-{epoch:08d}.jsonl.gz"


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
