"""The README's three journeys (curl + cast), run verbatim against `royalties up`."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from launcher_process import Launcher, launcher_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def journeys_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The three journeys") : readme.index("## Pointing it at")]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    process = Launcher(launcher_env(tmp_path / "data"), tmp_path / "up.log")
    yield process
    process.kill()


def test_the_readme_journeys_run_as_written(launcher: Launcher, tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        pytest.skip("the README's journeys use jq")
    launcher.start()
    launcher.wait_healthy()
    env = {
        **launcher.env,
        "PATH": f"{ROOT / 'tools/bin'}:{launcher.env['PATH']}",
        "API": launcher.api_url,
        "RPC": f"http://127.0.0.1:{launcher.env['ANVIL_PORT']}",
        "DATA": launcher.env["DATA_DIR"],
    }
    result = subprocess.run(
        ["bash", "-e", "-c", journeys_script()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert '"accepted"' in out
    assert '"status": "sent"' in out  # the gasless claim
    assert "2800000 [2.8e6]" in out  # the artist's 70% of 4,000,000
    assert "1200000 [1.2e6]" in out  # claimed(producer, mUSD) after the cast-only claim
    assert "4200000 [4.2e6]" in out  # the producer's 30% of streams and edition sales
    assert '"reason": "opted_out"' in out
    code, _children = launcher.interrupt()
    assert code == 0
