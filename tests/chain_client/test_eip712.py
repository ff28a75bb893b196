"""EIP-712: Python digests equal the contract's; UsageSettlement accepts what Python signs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import Web3

from chain_client.compiler import Artifacts
from chain_client.contracts import UsageSettlementClient
from chain_client.eip712 import (
    Debit,
    ReportFormat,
    SettlementReport,
    SignatureError,
    UsageReport,
    recover_digest_signer,
    recover_usage_report_signer,
    settlement_report_digest,
    settlement_report_typed_data,
    sign_settlement_report,
    sign_settlement_report_multi,
    sign_usage_report,
    typed_data_digest,
    usage_report_digest,
    usage_report_typed_data,
    verify_with_account,
)
from chain_client.errors import ContractRevert
from chain_client.sender import TransactionSender
from tests.conftest import ORACLE_THRESHOLD

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SOME_CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.fixture
def settlement(
    w3: Web3,
    artifacts: Artifacts,
    deployer: LocalAccount,
    guardian: LocalAccount,
    oracle_accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> UsageSettlementClient:
    """A fresh UsageSettlement (own epochs) with the three oracle signers, threshold 2."""
    sender = sender_for(deployer)
    signers = sorted((a.address for a in oracle_accounts), key=lambda a: int(a, 16))
    receipt = sender.deploy(
        artifacts.abi("UsageSettlement"),
        artifacts.bytecode("UsageSettlement"),
        deployer.address,
        guardian.address,
        signers,
        ORACLE_THRESHOLD,
        0,
        3600,
    )
    return UsageSettlementClient(w3, receipt["contractAddress"], sender)


def report(
    epoch: int, debits: tuple[Debit, ...] = (), root: bytes = b"\x11" * 32
) -> SettlementReport:
    return SettlementReport(
        epoch=epoch, config_version=1, root=root, data_hash=b"\x22" * 32, debits=debits
    )


@pytest.mark.parametrize(
    "debits",
    [(), (Debit(1, 5),), (Debit(1, 10**30), Debit(2, 0), Debit(2**256 - 1, 2**256 - 1))],
)
def test_python_digest_equals_the_contracts(
    w3: Web3, settlement: UsageSettlementClient, debits: tuple[Debit, ...]
) -> None:
    settlement_report = report(2**64 - 1, debits)
    python_digest = settlement_report_digest(
        settlement_report, chain_id=w3.eth.chain_id, verifying_contract=settlement.address
    )
    assert python_digest == settlement.report_digest(settlement_report)


hashes = st.binary(min_size=32, max_size=32)
uint256 = st.integers(min_value=0, max_value=2**256 - 1)


@settings(max_examples=40, deadline=None)
@given(
    epoch=st.integers(min_value=0, max_value=2**64 - 1),
    version=st.integers(min_value=0, max_value=2**32 - 1),
    root=hashes,
    data_hash=hashes,
    debits=st.lists(st.tuples(uint256, uint256), max_size=4),
    chain_id=st.integers(min_value=1, max_value=2**64),
)
def test_fast_settlement_digest_equals_eth_account(
    epoch: int,
    version: int,
    root: bytes,
    data_hash: bytes,
    debits: list[tuple[int, int]],
    chain_id: int,
) -> None:
    settlement_report = SettlementReport(
        epoch, version, root, data_hash, tuple(Debit(p, a) for p, a in debits)
    )
    typed = settlement_report_typed_data(
        settlement_report, chain_id=chain_id, verifying_contract=SOME_CONTRACT
    )
    assert settlement_report_digest(
        settlement_report, chain_id=chain_id, verifying_contract=SOME_CONTRACT
    ) == typed_data_digest(typed)


@settings(max_examples=40, deadline=None)
@given(
    report_id=st.text(max_size=40),
    platform_id=uint256,
    start=st.integers(min_value=0, max_value=2**64 - 1),
    end=st.integers(min_value=0, max_value=2**64 - 1),
    fmt=st.sampled_from(list(ReportFormat)),
    content_hash=hashes,
)
def test_fast_usage_report_digest_equals_eth_account(
    report_id: str, platform_id: int, start: int, end: int, fmt: ReportFormat, content_hash: bytes
) -> None:
    usage = UsageReport(report_id, platform_id, start, end, fmt, content_hash)
    typed = usage_report_typed_data(usage, chain_id=31337, verifying_contract=SOME_CONTRACT)
    assert usage_report_digest(
        usage, chain_id=31337, verifying_contract=SOME_CONTRACT
    ) == typed_data_digest(typed)


def test_report_signed_in_python_is_accepted_by_post(
    w3: Web3, settlement: UsageSettlementClient, oracle_accounts: list[LocalAccount]
) -> None:
    settlement_report = report(1)
    signatures = sign_settlement_report_multi(
        [a.key for a in oracle_accounts[:2]],
        settlement_report,
        chain_id=w3.eth.chain_id,
        verifying_contract=settlement.address,
    )

    receipt = settlement.post(settlement_report, signatures)

    posted = settlement.events_in_receipt(receipt, "RootPosted")
    assert [e.args["epoch"] for e in posted] == [1]
    assert settlement.current_root() == (settlement_report.root, 1)
    assert settlement.last_epoch() == 1


def test_tampered_or_short_reports_are_rejected(
    w3: Web3, settlement: UsageSettlementClient, oracle_accounts: list[LocalAccount]
) -> None:
    chain_id = w3.eth.chain_id
    signed = report(1)
    signatures = sign_settlement_report_multi(
        [a.key for a in oracle_accounts],
        signed,
        chain_id=chain_id,
        verifying_contract=settlement.address,
    )
    tampered = report(1, root=b"\x33" * 32)
    with pytest.raises(ContractRevert) as raised:
        settlement.post(tampered, signatures)
    assert raised.value.error_name in {"UnknownSigner", "SignerOrder"}

    with pytest.raises(ContractRevert) as too_few:
        settlement.post(signed, signatures[:1])
    assert too_few.value.error_name == "InsufficientSignatures"
    assert too_few.value.args == (1, 2)

    with pytest.raises(ContractRevert) as unordered:
        settlement.post(signed, list(reversed(signatures)))
    assert unordered.value.error_name == "SignerOrder"

    assert settlement.last_epoch() == 0


def test_usage_report_round_trip_and_malleability(deployer: LocalAccount) -> None:
    usage = UsageReport(
        "2026-11-r1", 7, 1_700_000_000, 1_700_086_400, ReportFormat.CSV, b"\x44" * 32
    )
    signature = sign_usage_report(
        deployer.key, usage, chain_id=31337, verifying_contract=SOME_CONTRACT
    )

    assert (
        recover_usage_report_signer(
            usage, signature, chain_id=31337, verifying_contract=SOME_CONTRACT
        )
        == deployer.address
    )
    typed = usage_report_typed_data(usage, chain_id=31337, verifying_contract=SOME_CONTRACT)
    assert verify_with_account(typed, signature) == deployer.address
    other_chain = recover_usage_report_signer(
        usage, signature, chain_id=1, verifying_contract=SOME_CONTRACT
    )
    assert other_chain != deployer.address

    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    digest = usage_report_digest(usage, chain_id=31337, verifying_contract=SOME_CONTRACT)
    with pytest.raises(SignatureError, match="malleable"):
        recover_digest_signer(digest, high_s)
    with pytest.raises(SignatureError, match="65 bytes"):
        recover_digest_signer(digest, signature[:64])


def test_settlement_signature_recovers_to_the_signer(oracle_accounts: list[LocalAccount]) -> None:
    settlement_report = report(9, (Debit(1, 2),))
    signature = sign_settlement_report(
        oracle_accounts[0].key, settlement_report, chain_id=5, verifying_contract=SOME_CONTRACT
    )
    digest = settlement_report_digest(
        settlement_report, chain_id=5, verifying_contract=SOME_CONTRACT
    )
    assert recover_digest_signer(digest, signature) == oracle_accounts[0].address
