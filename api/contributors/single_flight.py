"""At most one build per key at a time, on the event loop: concurrent callers await the same result.

Without it, the first burst of reads after a data change starts one full dashboard build per
request (each ~100 ms of CPU) where one build serves them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable


class SingleFlight:
    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[bytes]] = {}

    async def run(self, key: Hashable, build: Callable[[], Awaitable[bytes]]) -> bytes:
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # waiters re-raise it; marks it retrieved when there are none
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]
