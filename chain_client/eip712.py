"""EIP-712 typed data: the one definition of every signed message, for signers and verifiers.

- settlement `Report` signed by oracle nodes, verified by UsageSettlement.post
  (domain "UsageSettlement" / "1");
- platform `UsageReport` signed by a platform over its usage file, verified by the oracle
  (domain "RoyaltyOracle" / "1", verifyingContract = the UsageSettlement address).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.main import KeyAPI
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from chain_client.errors import ChainClientError

SETTLEMENT_DOMAIN_NAME = "UsageSettlement"
SETTLEMENT_DOMAIN_VERSION = "1"
USAGE_REPORT_DOMAIN_NAME = "RoyaltyOracle"
USAGE_REPORT_DOMAIN_VERSION = "1"

EIP712_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
SETTLEMENT_TYPES: dict[str, list[dict[str, str]]] = {
    "Report": [
        {"name": "epoch", "type": "uint64"},
        {"name": "configVersion", "type": "uint32"},
        {"name": "root", "type": "bytes32"},
        {"name": "dataHash", "type": "bytes32"},
        {"name": "debits", "type": "Debit[]"},
    ],
    "Debit": [
        {"name": "platformId", "type": "uint256"},
        {"name": "amount", "type": "uint256"},
    ],
}
USAGE_REPORT_TYPES: dict[str, list[dict[str, str]]] = {
    "UsageReport": [
        {"name": "reportId", "type": "string"},
        {"name": "platformId", "type": "uint256"},
        {"name": "periodStart", "type": "uint64"},
        {"name": "periodEnd", "type": "uint64"},
        {"name": "format", "type": "uint8"},
        {"name": "contentHash", "type": "bytes32"},
    ],
}
REPORT_TYPE_STRING = (
    "Report(uint64 epoch,uint32 configVersion,bytes32 root,bytes32 dataHash,Debit[] debits)"
    "Debit(uint256 platformId,uint256 amount)"
)
USAGE_REPORT_TYPE_STRING = (
    "UsageReport(string reportId,uint256 platformId,uint64 periodStart,uint64 periodEnd,"
    "uint8 format,bytes32 contentHash)"
)

_KEYS = KeyAPI()
_SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


class SignatureError(ChainClientError):
    """A signature is malformed, malleable (high s) or does not recover."""


class ReportFormat(IntEnum):
    JSON = 0
    CSV = 1
    DDEX_DSR = 2


@dataclass(frozen=True)
class Debit:
    platform_id: int
    amount: int


@dataclass(frozen=True)
class SettlementReport:
    epoch: int
    config_version: int
    root: bytes
    data_hash: bytes
    debits: tuple[Debit, ...] = ()

    def as_abi_tuple(self) -> tuple[int, int, bytes, bytes, list[tuple[int, int]]]:
        """The argument for UsageSettlement.post / reportDigest (a Report struct)."""
        return (
            self.epoch,
            self.config_version,
            self.root,
            self.data_hash,
            [(d.platform_id, d.amount) for d in self.debits],
        )


@dataclass(frozen=True)
class UsageReport:
    report_id: str
    platform_id: int
    period_start: int
    period_end: int
    format: ReportFormat | int
    content_hash: bytes


def _domain(name: str, version: str, chain_id: int, verifying_contract: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(verifying_contract),
    }


def _bytes32(value: bytes | str, what: str) -> bytes:
    raw = bytes(HexBytes(value))
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes, got {len(raw)}")
    return raw


def settlement_report_typed_data(
    report: SettlementReport, *, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The full EIP-712 message (eth_signTypedData_v4 shape) of a settlement report."""
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_FIELDS, **SETTLEMENT_TYPES},
        "primaryType": "Report",
        "domain": _domain(
            SETTLEMENT_DOMAIN_NAME, SETTLEMENT_DOMAIN_VERSION, chain_id, verifying_contract
        ),
        "message": {
            "epoch": report.epoch,
            "configVersion": report.config_version,
            "root": _bytes32(report.root, "root"),
            "dataHash": _bytes32(report.data_hash, "dataHash"),
            "debits": [{"platformId": d.platform_id, "amount": d.amount} for d in report.debits],
        },
    }


def usage_report_typed_data(
    report: UsageReport, *, chain_id: int, verifying_contract: str
) -> dict[str, Any]:
    """The full EIP-712 message of a platform's usage report."""
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_FIELDS, **USAGE_REPORT_TYPES},
        "primaryType": "UsageReport",
        "domain": _domain(
            USAGE_REPORT_DOMAIN_NAME, USAGE_REPORT_DOMAIN_VERSION, chain_id, verifying_contract
        ),
        "message": {
            "reportId": report.report_id,
            "platformId": report.platform_id,
            "periodStart": report.period_start,
            "periodEnd": report.period_end,
            "format": int(report.format),
            "contentHash": _bytes32(report.content_hash, "contentHash"),
        },
    }


def signable(typed_data: dict[str, Any]) -> SignableMessage:
    return encode_typed_data(full_message=typed_data)


def digest_of(typed_data: dict[str, Any]) -> bytes:
    """keccak256("\\x19\\x01" || domainSeparator || structHash): what the contract hashes."""
    message = signable(typed_data)
    return keccak(b"\x19" + message.version + message.header + message.body)


def typed_data_digest(typed_data: dict[str, Any]) -> bytes:
    """The digest computed by eth_account's generic encoder (reference for the fast path)."""
    return digest_of(typed_data)


# The digests below hash the two fixed types directly (eth_account's generic encoder is the
# bottleneck when an oracle verifies thousands of reports); tests pin them to encode_typed_data.
_DOMAIN_TYPEHASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_REPORT_TYPEHASH = keccak(text=REPORT_TYPE_STRING)
_DEBIT_TYPEHASH = keccak(text="Debit(uint256 platformId,uint256 amount)")
_USAGE_REPORT_TYPEHASH = keccak(text=USAGE_REPORT_TYPE_STRING)


def _word(value: int, bits: int, what: str) -> bytes:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{what} must fit in uint{bits}, got {value}")
    return value.to_bytes(32, "big")


@lru_cache(maxsize=64)
def domain_separator(name: str, version: str, chain_id: int, verifying_contract: str) -> bytes:
    address = bytes(HexBytes(verifying_contract))
    if len(address) != 20:
        raise ValueError(f"verifyingContract must be a 20-byte address, got {verifying_contract!r}")
    return keccak(
        _DOMAIN_TYPEHASH
        + keccak(text=name)
        + keccak(text=version)
        + _word(chain_id, 256, "chainId")
        + address.rjust(32, b"\0")
    )


def settlement_report_struct_hash(report: SettlementReport) -> bytes:
    debit_hashes = b"".join(
        keccak(
            _DEBIT_TYPEHASH
            + _word(d.platform_id, 256, "platformId")
            + _word(d.amount, 256, "amount")
        )
        for d in report.debits
    )
    return keccak(
        _REPORT_TYPEHASH
        + _word(report.epoch, 64, "epoch")
        + _word(report.config_version, 32, "configVersion")
        + _bytes32(report.root, "root")
        + _bytes32(report.data_hash, "dataHash")
        + keccak(debit_hashes)
    )


def usage_report_struct_hash(report: UsageReport) -> bytes:
    return keccak(
        _USAGE_REPORT_TYPEHASH
        + keccak(text=report.report_id)
        + _word(report.platform_id, 256, "platformId")
        + _word(report.period_start, 64, "periodStart")
        + _word(report.period_end, 64, "periodEnd")
        + _word(int(report.format), 8, "format")
        + _bytes32(report.content_hash, "contentHash")
    )


def settlement_report_digest(
    report: SettlementReport, *, chain_id: int, verifying_contract: str
) -> bytes:
    separator = domain_separator(
        SETTLEMENT_DOMAIN_NAME, SETTLEMENT_DOMAIN_VERSION, chain_id, verifying_contract
    )
    return keccak(b"\x19\x01" + separator + settlement_report_struct_hash(report))


def usage_report_digest(report: UsageReport, *, chain_id: int, verifying_contract: str) -> bytes:
    separator = domain_separator(
        USAGE_REPORT_DOMAIN_NAME, USAGE_REPORT_DOMAIN_VERSION, chain_id, verifying_contract
    )
    return keccak(b"\x19\x01" + separator + usage_report_struct_hash(report))


def sign_digest(private_key: str | bytes, digest: bytes) -> bytes:
    """A 65-byte r || s || v signature (v = 27/28, low s) over a 32-byte digest."""
    signature = _KEYS.PrivateKey(bytes(HexBytes(private_key))).sign_msg_hash(digest)
    r, s, v = int(signature.r), int(signature.s), int(signature.v)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v + 27])


def recover_digest_signer(digest: bytes, signature: bytes | str) -> str:
    """The checksummed address that signed `digest`; rejects malformed and high-s signatures."""
    raw = bytes(HexBytes(signature))
    if len(raw) != 65:
        raise SignatureError(f"signature must be 65 bytes, got {len(raw)}")
    r = int.from_bytes(raw[:32], "big")
    s = int.from_bytes(raw[32:64], "big")
    v = raw[64]
    if v in (27, 28):
        v -= 27
    if v not in (0, 1):
        raise SignatureError(f"signature v must be 27/28 or 0/1, got {raw[64]}")
    if s > _SECP256K1_HALF_N:
        raise SignatureError("signature s is in the upper half of the curve order (malleable)")
    try:
        public_key = _KEYS.Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
    except Exception as exc:  # eth_keys raises several types for bad points
        raise SignatureError(f"signature does not recover: {exc}") from exc
    return str(public_key.to_checksum_address())


def sign_settlement_report(
    private_key: str | bytes, report: SettlementReport, *, chain_id: int, verifying_contract: str
) -> bytes:
    digest = settlement_report_digest(
        report, chain_id=chain_id, verifying_contract=verifying_contract
    )
    return sign_digest(private_key, digest)


def recover_settlement_report_signer(
    report: SettlementReport, signature: bytes | str, *, chain_id: int, verifying_contract: str
) -> str:
    digest = settlement_report_digest(
        report, chain_id=chain_id, verifying_contract=verifying_contract
    )
    return recover_digest_signer(digest, signature)


def sign_usage_report(
    private_key: str | bytes, report: UsageReport, *, chain_id: int, verifying_contract: str
) -> bytes:
    digest = usage_report_digest(report, chain_id=chain_id, verifying_contract=verifying_contract)
    return sign_digest(private_key, digest)


def recover_usage_report_signer(
    report: UsageReport, signature: bytes | str, *, chain_id: int, verifying_contract: str
) -> str:
    digest = usage_report_digest(report, chain_id=chain_id, verifying_contract=verifying_contract)
    return recover_digest_signer(digest, signature)


def order_signatures(digest: bytes, signatures: Iterable[bytes | str]) -> list[bytes]:
    """Signatures sorted by recovered signer ascending, as UsageSettlement.post requires.

    Raises SignatureError on duplicates (the same signer twice)."""
    by_signer: dict[int, bytes] = {}
    for signature in signatures:
        signer = int(recover_digest_signer(digest, signature), 16)
        if signer in by_signer:
            raise SignatureError(f"two signatures from {hex(signer)}")
        by_signer[signer] = bytes(HexBytes(signature))
    return [by_signer[key] for key in sorted(by_signer)]


def sign_settlement_report_multi(
    private_keys: Sequence[str | bytes],
    report: SettlementReport,
    *,
    chain_id: int,
    verifying_contract: str,
) -> list[bytes]:
    """Sign with several keys and return the signatures ordered by signer address."""
    digest = settlement_report_digest(
        report, chain_id=chain_id, verifying_contract=verifying_contract
    )
    return order_signatures(digest, (sign_digest(key, digest) for key in private_keys))


def verify_with_account(typed_data: dict[str, Any], signature: bytes) -> str:
    """Recover with eth_account (the reference path); used in tests to cross-check."""
    recovered: str = Account.recover_message(signable(typed_data), signature=signature)
    return recovered
