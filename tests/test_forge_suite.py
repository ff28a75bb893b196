"""The Solidity suite (tools/forge-check: every forge test under the committed gas snapshot, then
the invariant campaigns) as one pytest item, so `make test` runs it beside the Python tests on the
other pytest-xdist worker instead of before them. Its output is shown when it fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.forge
@pytest.mark.timeout(1800)
def test_forge_suite_passes_under_the_gas_snapshot() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "forge-check")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"tools/forge-check failed:\n{output[-20000:]}"
    assert "0 failed" in output
