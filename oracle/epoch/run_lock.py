"""One epoch run at a time per store: an exclusive, non-blocking file lock in the data directory.

The worker and an operator's `royalties oracle epoch` may start together; the second one waits
for the next tick instead of racing the first through the same epoch rows.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def epoch_run_lock(data_dir: Path) -> Iterator[bool]:
    """Yields True when this process holds the lock, False when another run holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(data_dir / "epoch.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
