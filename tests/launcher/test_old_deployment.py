"""`royalties up` tells a deployment of the per-track contract from the current one by its code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from web3 import Web3

from chain_client.deploy import Deployment
from royalties_system.launcher.compat import lacks_claim, refuse_old_deployment
from royalties_system.launcher.settings import LauncherSettings, LauncherSettingsError


def test_the_current_settlement_has_claim_and_other_code_does_not(
    w3: Web3, deployment: Deployment
) -> None:
    assert not lacks_claim(w3, deployment.usage_settlement)
    assert lacks_claim(w3, deployment.mock_stablecoin)  # live code without claim/claimMany


def test_a_recorded_deployment_without_claim_is_refused(
    tmp_path: Path, w3: Web3, deployment: Deployment
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    settings = LauncherSettings(data_dir=data)
    current = deployment.to_json()
    settings.deployment_file.write_text(current)
    refuse_old_deployment(settings, w3)  # the current contracts: accepted
    old = replace(deployment, usage_settlement=deployment.mock_stablecoin)
    settings.deployment_file.write_text(old.to_json())
    with pytest.raises(LauncherSettingsError, match="without claim") as refused:
        refuse_old_deployment(settings, w3)
    assert "make clean-data" in str(refused.value)
