"""SingleFlight: concurrent callers of one key share one build, and its failure."""

from __future__ import annotations

import asyncio

import pytest

from api.contributors.single_flight import SingleFlight


def test_concurrent_callers_share_one_build() -> None:
    flights = SingleFlight()
    builds = 0

    async def build() -> bytes:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.01)
        return b"body"

    async def scenario() -> list[bytes]:
        return await asyncio.gather(*(flights.run("key", build) for _ in range(20)))

    assert asyncio.run(scenario()) == [b"body"] * 20
    assert builds == 1


def test_a_later_call_builds_again_and_other_keys_build_separately() -> None:
    flights = SingleFlight()
    built: list[str] = []

    def build_for(key: str):  # type: ignore[no-untyped-def]
        async def build() -> bytes:
            built.append(key)
            return key.encode()

        return build

    async def scenario() -> None:
        await asyncio.gather(flights.run("a", build_for("a")), flights.run("b", build_for("b")))
        await flights.run("a", build_for("a"))

    asyncio.run(scenario())
    assert sorted(built) == ["a", "a", "b"]


def test_a_failed_build_fails_every_waiter_and_is_not_kept() -> None:
    flights = SingleFlight()

    async def failing() -> bytes:
        await asyncio.sleep(0.01)
        raise RuntimeError("build failed")

    async def ok() -> bytes:
        return b"ok"

    async def scenario() -> list[object]:
        results = await asyncio.gather(
            *(flights.run("key", failing) for _ in range(3)), return_exceptions=True
        )
        results.append(await flights.run("key", ok))
        return results

    first, second, third, after = asyncio.run(scenario())
    for result in (first, second, third):
        assert isinstance(result, RuntimeError)
    assert after == b"ok"
    with pytest.raises(RuntimeError, match="build failed"):
        asyncio.run(flights.run("key", failing))
