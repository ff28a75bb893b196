"""Refuses a DATA_DIR written by an older version of the system, before anything runs on it.

Settlement changed from per-track leaves (`pull` into each track's split) to per-account leaves
(`claim(account, token, cumulativeAmount, proof)`). A data directory from before cannot be
upgraded in place: its recorded contract has no `claim`, its roots commit to per-track leaves
and its epoch data files are in the old format. `up` checks two things and stops with what to do:

- the epoch data files under DATA_DIR/epochs (v1's `.json`, later `.jsonl.gz`, now `.jsonl.zst`)
  carry the current format string (read offline, before anvil starts): a v3 directory's files
  list every leaf in account order, which the v4 verifier, replaying files by leaf position,
  cannot follow. v4 files in gzip (before zstd) are current: the same lines;
- the recorded deployment's UsageSettlement has `claim` and `claimMany` in its code (read from
  the chain once it is up, when the recorded contracts are live there).
"""

from __future__ import annotations

import re
from pathlib import Path

from web3 import Web3

from chain_client.deploy import Deployment, deployment_is_live
from oracle.settlement.data_file import FORMAT as DATA_FORMAT
from oracle.settlement.data_file import open_lines
from royalties_system.launcher.settings import LauncherSettings, LauncherSettingsError

CLAIM_SIGNATURES = (
    "claim(address,address,uint256,bytes32[])",
    "claimMany((address,address,uint256,bytes32[])[])",
)
_FORMAT = re.compile(rb'"format"\s*:\s*"([^"]{1,200})"')


def _remedy(settings: LauncherSettings) -> str:
    data = settings.data_path
    return (
        f"It cannot be upgraded in place. Move it aside (`mv {data} {data}.old`, keep it to audit "
        f"what it paid) or delete it (`make clean-data` removes {data}), then run `make up` "
        "again: a fresh chain, deployment and database are created. With RPC_URL or "
        "DATABASE_URL set, also use a fresh database; contracts are redeployed."
    )


def old_data_files(data_dir: Path) -> list[tuple[Path, str]]:
    """Epoch data files whose format is not the current one, with the format they carry."""
    found: list[tuple[Path, str]] = []
    epochs = data_dir / "epochs"
    files = [*epochs.glob("*/epoch-*.json")]
    files += [*epochs.glob("*/epoch-*.jsonl.gz"), *epochs.glob("*/epoch-*.jsonl.zst")]
    for path in sorted(files):
        try:
            with path.open("rb") if path.suffix == ".json" else open_lines(path) as handle:
                head = handle.read(4096)
        except (OSError, EOFError, ValueError):  # unreadable: refused as of no format
            head = b""
        match = _FORMAT.search(head)
        written = match.group(1).decode(errors="replace") if match else "(no format field)"
        if written != DATA_FORMAT:
            found.append((path, written))
    return found


def refuse_old_data_files(settings: LauncherSettings) -> None:
    old = old_data_files(settings.data_path)
    if old:
        path, written = old[0]
        raise LauncherSettingsError(
            f"DATA_DIR {settings.data_path} is from an older version: {len(old)} epoch data "
            f"file(s) such as {path} are in format {written!r}, this version writes "
            f"{DATA_FORMAT!r} (per-account settlement leaves). {_remedy(settings)}"
        )


def lacks_claim(w3: Web3, settlement: str) -> bool:
    """True when the contract at `settlement` has no `claim`/`claimMany` dispatch (old ABI).

    The Solidity dispatcher compares the calldata selector with each function's selector
    pushed as PUSH4 (0x63) + 4 bytes, so a function's selector is in the runtime code."""
    code = bytes(w3.eth.get_code(Web3.to_checksum_address(settlement)))
    return any(
        b"\x63" + bytes(Web3.keccak(text=signature)[:4]) not in code
        for signature in CLAIM_SIGNATURES
    )


def refuse_old_deployment(settings: LauncherSettings, w3: Web3) -> None:
    """Refuses the recorded deployment when it is live on this chain but has the old ABI."""
    path = settings.deployment_file
    if not path.exists():
        return
    try:
        recorded = Deployment.load(path)
    except Exception:  # noqa: BLE001 - an unreadable record is replaced by a fresh deployment
        return
    if deployment_is_live(w3, recorded) and lacks_claim(w3, recorded.usage_settlement):
        raise LauncherSettingsError(
            f"DATA_DIR {settings.data_path} is from an older version: the deployment recorded in "
            f"{path} has a UsageSettlement ({recorded.usage_settlement}) without "
            "claim(address,address,uint256,bytes32[]) (the per-track pull contract). "
            f"{_remedy(settings)}"
        )
