"""Content-addressed, append-only storage of raw report files under ``data_dir/raw``.

A file is copied while its keccak-256 is computed, fsynced, then renamed into place atomically
(and the directory fsynced), so a stored file is either complete or absent.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from Crypto.Hash import keccak

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    keccak_hex: str  # 0x-prefixed keccak-256 of the file's bytes
    relative_path: str  # relative to data_dir
    absolute_path: Path
    size: int


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_raw_file(source: Path, data_dir: Path, suffix: str) -> StoredFile:
    """Copies `source` into the raw store (one streaming pass) and returns where it lives."""
    raw_dir = data_dir / "raw"
    tmp_dir = raw_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp_path = tmp_dir / f"{uuid.uuid4().hex}.part"
    hasher = keccak.new(digest_bits=256)
    size = 0
    try:
        with source.open("rb") as src, tmp_path.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                hasher.update(chunk)
                dst.write(chunk)
                size += len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        digest = hasher.hexdigest()
        final_dir = raw_dir / digest[:2]
        final_dir.mkdir(parents=True, exist_ok=True)
        final_path = final_dir / f"{digest}{suffix}"
        if final_path.exists():
            tmp_path.unlink()
        else:
            os.replace(tmp_path, final_path)
            _fsync_dir(final_dir)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    return StoredFile(
        keccak_hex="0x" + digest,
        relative_path=str(final_path.relative_to(data_dir)),
        absolute_path=final_path,
        size=size,
    )
