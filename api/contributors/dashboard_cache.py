"""A per-process cache of rendered dashboards, validated against the data version on every read.

A dashboard only changes when an epoch is confirmed, an event is indexed or a track is added, so
a cached body is served only while (last confirmed epoch, last indexed event, last track) is
unchanged: one cheap query instead of the full build, and never a stale answer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DataVersion = tuple[int, int, int]


class DashboardCache:
    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, tuple[DataVersion, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, address: str, version: DataVersion) -> bytes | None:
        with self._lock:
            entry = self._entries.get(address)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(address)
            return entry[1]

    def put(self, address: str, version: DataVersion, body: bytes) -> None:
        with self._lock:
            self._entries[address] = (version, body)
            self._entries.move_to_end(address)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
