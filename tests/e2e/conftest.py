"""One running system (anvil, deployment, API under uvicorn, epoch worker) for the journeys."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live_system import LiveSystem, running_system


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSystem]:
    with running_system(tmp_path_factory.mktemp("e2e")) as live:
        yield live


@pytest.fixture
def client(system: LiveSystem) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.api_url, timeout=120) as http:
        yield http
