"""Spools an uploaded report to a temporary file with a size cap."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from api.errors import PayloadTooLarge

CHUNK = 1024 * 1024


def spool(source: BinaryIO, directory: Path, suffix: str, max_bytes: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=directory)
    written = 0
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise PayloadTooLarge(f"file: larger than the {max_bytes} byte limit")
                target.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def spool_bytes(content: bytes, directory: Path, suffix: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=directory)
    with os.fdopen(handle, "wb") as target:
        target.write(content)
    return Path(name)
