"""Fixtures of the browser test: the live system of tests/e2e and Debian's headless Chromium
driven by Selenium (chromedriver from /usr/bin, so Selenium Manager downloads nothing)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from live_system import LiveSystem, StopWhenLeaving  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
_systems = StopWhenLeaving(Path(__file__).resolve().parent)


@pytest.fixture(scope="session")
def browser_paths() -> tuple[Path, Path]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} missing: install Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver; .ci/run does)"
        )
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture(scope="module")
def browser_system(
    browser_paths: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> LiveSystem:
    return _systems.current(tmp_path_factory, "browser-system")


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    _systems.after_test(Path(nextitem.path).resolve() if nextitem is not None else None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    _systems.stop()


@pytest.fixture
def driver(browser_paths: tuple[Path, Path], tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = browser_paths
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,2400",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    log = tmp_path / "chromedriver.log"
    browser = webdriver.Chrome(
        service=Service(str(chromedriver), log_output=str(log)), options=options
    )
    try:
        yield browser
    finally:
        browser.quit()
