"""One running system (anvil, deployment, API under uvicorn, epoch worker, indexer) shared by
the journeys, stopped as soon as the run leaves this folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_system import LiveSystem, StopWhenLeaving

_systems = StopWhenLeaving(Path(__file__).resolve().parent)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> LiveSystem:
    return _systems.current(tmp_path_factory, "e2e")


@pytest.fixture
def client(system: LiveSystem) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.api_url, timeout=120) as http:
        yield http


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    _systems.after_test(Path(nextitem.path).resolve() if nextitem is not None else None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    _systems.stop()
