"""EIP-1271: a platform whose signing address is a contract wallet, asked on a real anvil node."""

from __future__ import annotations

import pytest
from hexbytes import HexBytes
from test_intake_kit import CHAIN_ID, PERIOD, SETTLEMENT, IntakeKit
from web3 import Web3

from chain_client.devchain import DevChain
from chain_client.eip712 import UsageReport, usage_report_digest
from oracle.catalog import upsert_platform
from oracle.errors import ReportRejectedError
from oracle.store.records import ReportFormat, ReportStatus

WALLET = "0x00000000000000000000000000000000001271aa"


def approved_hash_wallet(approved: bytes) -> str:
    """Runtime code of a wallet that answers isValidSignature with the EIP-1271 magic value
    exactly when the hash is `approved` (a pre-approved-hash wallet), and 0 otherwise."""
    code = (
        "600435"  # calldataload(4): the hash
        + "7f" + approved.hex()  # push32 approved
        + "14" + "6032" + "57"  # eq; jumpi to 0x32
        + "6000600052" + "60206000f3"  # return bytes32(0)
        + "5b" + "631626ba7e60e01b600052" + "60206000f3"  # return bytes4(0x1626ba7e)
    )  # fmt: skip
    return "0x" + code


def test_contract_wallet_signature_is_checked_on_chain(kit: IntakeKit, dev_chain: DevChain) -> None:
    kit.settings.rpc_url = dev_chain.rpc_url
    with kit.engine.begin() as conn:
        upsert_platform(conn, 1, WALLET, "0x" + "ee" * 20, [1] * 6)
    path = kit.write_csv("r.csv", ["1,0,5,"])
    digest = usage_report_digest(
        UsageReport(
            "r1",
            1,
            PERIOD[0],
            PERIOD[1],
            int(ReportFormat.CSV),
            bytes(HexBytes(kit.file_hash(path))),
        ),
        chain_id=CHAIN_ID,
        verifying_contract=SETTLEMENT,
    )
    dev_chain.rpc("anvil_setCode", [WALLET, approved_hash_wallet(digest)])
    result = kit.ingest(path, "0x" + "ab" * 10)  # the wallet decides; the bytes are its business
    assert result.report.status is ReportStatus.ACCEPTED
    assert (result.report.signer or "").lower() == WALLET
    assert kit.payable() == {(1, 1, 0): 5_000_000}

    other = kit.write_csv("other.csv", ["1,0,6,"], report_id="r2")
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(other, "0x" + "ab" * 10)
    (issue,) = info.value.issues
    assert issue.field == "signature"
    assert f"the EIP-1271 wallet {Web3.to_checksum_address(WALLET)} refused it" in issue.message
