"""Test hook: ROYALTIES_CRASH_AT=<point> kills the process at that step, as a crash would."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

CRASH_POINTS = ("after_build", "after_sign", "after_tx_sign", "after_send", "before_receipt")
CRASH_ENV = "ROYALTIES_CRASH_AT"

CrashHook = Callable[[str], None]


def no_crash(_point: str) -> None:
    return None


def crash_hook_from_env(environ: Mapping[str, str]) -> CrashHook:
    target = environ.get(CRASH_ENV, "")
    if not target:
        return no_crash
    if target not in CRASH_POINTS:
        raise ValueError(f"{CRASH_ENV}={target!r} is not one of {', '.join(CRASH_POINTS)}")

    def crash(point: str) -> None:
        if point == target:
            os._exit(137)

    return crash
