"""`make up` refuses ROOT_DELAY=0 outside development; there the default is above zero.
(pydantic reports the validator's LauncherSettingsError as a ValidationError, a ValueError;
`royalties up` prints its message and exits 2, as test_refusals shows for ADMIN_TOKEN.)"""

from __future__ import annotations

import pytest

from royalties_system.launcher.settings import PRODUCTION_ROOT_DELAY, LauncherSettings

TOKEN = "a-long-random-operator-token"


def test_a_zero_root_delay_is_refused_outside_development() -> None:
    with pytest.raises(ValueError, match="ROOT_DELAY=0: refused outside development"):
        LauncherSettings(environment="production", admin_token=TOKEN, root_delay=0)


def test_production_waits_by_default_and_keeps_an_explicit_delay() -> None:
    assert LauncherSettings(environment="production", admin_token=TOKEN).root_delay == (
        PRODUCTION_ROOT_DELAY
    )
    chosen = LauncherSettings(environment="production", admin_token=TOKEN, root_delay=3_600)
    assert chosen.root_delay == 3_600
    assert PRODUCTION_ROOT_DELAY > 0


def test_development_keeps_a_zero_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOT_DELAY", "0")
    assert LauncherSettings().root_delay == 0
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("ADMIN_TOKEN", TOKEN)
    with pytest.raises(ValueError, match="ROOT_DELAY=0"):
        LauncherSettings()  # the environment variable is refused the same way
