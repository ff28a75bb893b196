"""Recomputes epochs from their published data files alone (and, optionally, the chain).

This is the short script docs/settlement-data-file.md describes, written so that it needs
nothing from the oracle: no store, no oracle module, only the files (format v4; zstd, or gzip
for files written before zstd), keccak, zstandard and, with ``--rpc``, read-only calls to the
chain. Give it the files of epochs 1..N in order (each file names the dataHash of the previous
confirmed one). For every file it checks:

- the file's keccak256 chain (previousDataHash) and, with --rpc, the RootPosted root and dataHash;
- every class amount = floor(units * rate / 1e12) of its (platform, rate card) cumulative units,
  and with --rpc that every rate card equals the chain's ratesAt(platformId, rateFrom) at the
  pinned block;
- every platform's debit = the growth of its amounts + what it carried (header `carried`), and
  every carry = that platform's last earlier debit; with --rpc, exactly the earlier debits the
  chain held back (DebitHeldBack) and not paid since, none left out of a debit;
- every track amount = the sum of its token's class amounts;
- every credit = floor(amount * prod(shares) / 1e6^depth) along its path, the paths of a
  track covering its split exactly (their shares multiply out to 1), depth <= 4, and with
  --rpc every recipient list against the split's recipientsRoot() at the pinned block;
- every leaf the file lists (the ones the epoch changed or appended) = the account's sum of
  credits over all tracks (latest record of each track), every account whose sum moved listed,
  an existing leaf at its own position, new ones appended after all existing leaves in
  (account, token) order; and the root rebuilt from all leaves (those of earlier files kept).

It keeps every (track, token)'s credits and every leaf in memory: fine for files of tests and
demos; a catalog of millions of tracks wants the same algorithm on a database.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import zstandard
from sha3 import keccak_256

SHARE_SCALE = 10**6
UNIT_RATE_DIVISOR = 10**12
MAX_DEPTH = 4
FORMAT = "ai-music-royalties/settlement-epoch/v4"


class VerificationError(Exception):
    pass


def keccak(data: bytes) -> bytes:
    return bytes(keccak_256(data).digest())


def file_hash(path: Path) -> str:
    hasher = keccak_256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return "0x" + str(hasher.hexdigest())


def leaf_hash(account: str, token: str, amount: int) -> bytes:
    encoded = (
        bytes(12) + bytes.fromhex(account[2:]) + bytes(12) + bytes.fromhex(token[2:])
    ) + amount.to_bytes(32, "big")
    return keccak(keccak(encoded))


def pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b if a < b else b + a)


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """Neighbours paired in order, an odd last node carried up (the file's treeRule)."""
    if not leaves:
        return bytes(32)
    level = list(leaves)
    while len(level) > 1:
        nxt = [pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def recipients_root(recipients: Sequence[tuple[str, int]]) -> bytes:
    """TrackSplit's recipientsRoot: (account, share) leaves in list order, paired in order."""
    level = [
        keccak(keccak(bytes(12) + bytes.fromhex(a[2:]) + int(s).to_bytes(32, "big")))
        for a, s in recipients
    ]
    while len(level) > 1:
        nxt = [pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


@dataclass
class State:
    """What the files so far say: per key (units, amount), per (track, token) credits, per
    (account, token) the sum of its credits, and the leaves by position."""

    units: dict[tuple[int, int, int, int], tuple[int, int]] = field(default_factory=dict)
    credits: dict[tuple[int, str], dict[str, int]] = field(default_factory=dict)
    sums: dict[tuple[str, str], int] = field(default_factory=dict)
    positions: dict[tuple[str, str], int] = field(default_factory=dict)
    leaves: list[tuple[str, str, int]] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)
    lists: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    epoch: int = 0
    data_hash: str = "0x" + "00" * 32
    debited: dict[int, int] = field(default_factory=dict)
    """Per platform, its last debit in the files so far (a carry is always a whole debit)."""
    carry: dict[int, int] | None = None
    """With --rpc: per platform, the debit the chain held back and no later debit paid."""


class Chain:
    """Read-only calls the checks need (web3 imported only when --rpc is given)."""

    def __init__(self, rpc_url: str) -> None:
        from web3 import Web3

        self.w3 = Web3(Web3.HTTPProvider(rpc_url))
        self.Web3 = Web3

    def recipients_root(self, split: str, block: int) -> str:
        data = self.w3.eth.call(
            {
                "to": self.Web3.to_checksum_address(split),
                "data": self.Web3.keccak(text="recipientsRoot()")[:4],
            },
            block_identifier=block,
        )
        return "0x" + bytes(data).hex()

    def platform(
        self, settlement: str, platform_id: int, block: int, rate_from: int
    ) -> tuple[str, list[int]]:
        """(token, the rate card in force at `rate_from`) at `block`."""
        words = self._words(settlement, "platform(uint256)", [platform_id], block)
        # PlatformInfo is static: payer, token, rates[6], escrow.
        token = "0x" + words[1].to_bytes(20, "big").hex()
        return token, self._words(
            settlement, "ratesAt(uint256,uint256)", [platform_id, rate_from], block
        )

    def held_back(self, settlement: str, epoch: int) -> dict[int, int]:
        """Per platform, the debit the chain held back at epoch `epoch`'s post (DebitHeldBack)."""
        logs = self._epoch_logs(settlement, "DebitHeldBack(uint64,uint256,uint256,uint256)", epoch)
        return {
            int.from_bytes(bytes(log["topics"][2]), "big"): int.from_bytes(
                bytes(log["data"])[:32], "big"
            )
            for log in logs
        }

    def _epoch_logs(self, settlement: str, event: str, epoch: int) -> list[Any]:
        """The settlement's logs of `event` whose first indexed argument is `epoch`."""
        topic = self.Web3.keccak(text=event)
        return list(
            self.w3.eth.get_logs(
                {
                    "address": self.Web3.to_checksum_address(settlement),
                    "fromBlock": 0,
                    "toBlock": "latest",
                    "topics": ["0x" + topic.hex(), "0x" + epoch.to_bytes(32, "big").hex()],
                }
            )
        )

    def _words(self, to: str, signature: str, args: list[int], block: int) -> list[int]:
        selector = self.Web3.keccak(text=signature)[:4]
        data = self.w3.eth.call(
            {
                "to": self.Web3.to_checksum_address(to),
                "data": selector + b"".join(a.to_bytes(32, "big") for a in args),
            },
            block_identifier=block,
        )
        return [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data), 32)]

    def root_posted(self, settlement: str, epoch: int) -> tuple[str, str] | None:
        logs = self._epoch_logs(settlement, "RootPosted(uint64,bytes32,bytes32,uint64)", epoch)
        if not logs:
            return None
        data = bytes(logs[-1]["data"])
        return "0x" + data[:32].hex(), "0x" + data[32:64].hex()


def _lines(path: Path) -> Iterable[bytes]:
    """The file's lines: one zstd frame (refused when cut short or corrupt), or gzip (files
    written before zstd), told apart by the first bytes."""
    with open(path, "rb") as raw:
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            with gzip.open(raw, "rb") as handle:
                yield from handle
            return
        raw.seek(0)
        frame, rest = zstandard.ZstdDecompressor().decompressobj(), b""
        while chunk := raw.read(1 << 20):
            if frame.eof:
                raise VerificationError(f"{path}: bytes after the end of the zstd frame")
            try:
                *lines, rest = (rest + frame.decompress(chunk)).split(b"\n")
            except zstandard.ZstdError as exc:
                raise VerificationError(f"{path}: corrupt zstd data ({exc})") from exc
            if frame.eof and frame.unused_data:
                raise VerificationError(f"{path}: bytes after the end of the zstd frame")
            for line in lines:
                yield line + b"\n"
        if not frame.eof:
            raise VerificationError(f"{path}: the zstd frame is cut short (a truncated file)")
        if rest:
            yield rest


def _records(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    number = 0
    try:
        for number, line in enumerate(_lines(path), start=1):
            yield number, json.loads(line)
    except json.JSONDecodeError as exc:
        raise _fail(path, number, f"not JSON: {exc}") from exc
    except (EOFError, gzip.BadGzipFile) as exc:
        raise VerificationError(f"{path}: unreadable after line {number}: {exc}") from exc


def _fail(path: Path, line: int, message: str) -> VerificationError:
    return VerificationError(f"{path}: line {line}: {message}")


def _check_credits(
    path: Path, line: int, record: dict[str, Any], lists: dict[str, list[tuple[str, int]]]
) -> dict[str, int]:
    amount = int(record["amount"])
    found: dict[str, int] = {}
    credits = record["credits"]
    if record["recipients"] is None:
        if len(credits) != 1 or credits[0]["via"] or credits[0]["account"] != record["split"]:
            raise _fail(path, line, "an unflattened track must credit its split alone")
        if int(credits[0]["amount"]) != amount:
            raise _fail(path, line, f"split-as-account credit {credits[0]['amount']} != {amount}")
        return {record["split"]: amount}
    covered = Fraction(0)
    seen: set[tuple[str, ...]] = set()
    for credit in credits:
        via = credit["via"]
        if not via or via[0] != record["split"] or len(via) > MAX_DEPTH:
            raise _fail(path, line, f"bad path {via} for track {record['trackId']}")
        chain = [*via, credit["account"]]
        if tuple(chain) in seen:
            raise _fail(path, line, f"path {chain} listed twice")
        seen.add(tuple(chain))
        product = 1
        for parent, child in zip(chain, chain[1:], strict=False):
            listed = lists.get(parent)
            if listed is None:
                raise _fail(path, line, f"no recipient list for split {parent}")
            shares = dict(listed)
            if child not in shares:
                raise _fail(path, line, f"{child} is not a recipient of {parent}")
            product *= shares[child]
        depth = len(via)
        expected = amount * product // SHARE_SCALE**depth
        if int(credit["amount"]) != expected:
            raise _fail(path, line, f"credit {credit['amount']} on {chain} should be {expected}")
        covered += Fraction(product, SHARE_SCALE**depth)
        found[credit["account"]] = found.get(credit["account"], 0) + expected
    if covered != 1:
        raise _fail(path, line, f"track {record['trackId']}'s paths cover {covered}, not 1")
    dust = amount - sum(found.values())
    if not 0 <= dust < len(credits):
        raise _fail(path, line, f"dust {dust} outside [0, {len(credits)})")
    return found


def _check_carried(path: Path, line: int, header: dict[str, Any], state: State) -> dict[int, int]:
    """The header's `carried`, checked against the earlier files (and the chain's hold-backs)."""
    carried = {int(c["platformId"]): int(c["amount"]) for c in header.get("carried", [])}
    for platform_id, amount in carried.items():
        owed = (state.debited if state.carry is None else state.carry).get(platform_id)
        if amount != owed:
            what = "last debit" if state.carry is None else "debit the chain held back"
            raise _fail(
                path, line, f"platform {platform_id} carries {amount}, its earlier {what} is {owed}"
            )
    stated = {int(d["platformId"]) for d in header["debits"]}
    for platform_id, owed in (state.carry or {}).items():
        if platform_id in stated and platform_id not in carried:
            raise _fail(
                path,
                line,
                f"platform {platform_id} is debited without the {owed} the chain held back before",
            )
    return dict(carried)


def _note_debits(
    path: Path, header: dict[str, Any], stated: dict[int, int], state: State, chain: Chain | None
) -> None:
    """After a file: each platform's last debit and, with the chain, what it carries next (a
    held-back debit whole, since it includes what it carried; a debit taken carries nothing)."""
    if chain is not None:
        held = chain.held_back(header["settlement"], int(header["epoch"]))
        for platform_id, amount in held.items():
            if stated.get(platform_id) != amount:
                raise VerificationError(
                    f"{path}: the chain held back {amount} of platform {platform_id}, "
                    f"the header debits {stated.get(platform_id)}"
                )
        carry = state.carry if state.carry is not None else {}
        for platform_id, amount in stated.items():
            if platform_id in held:
                carry[platform_id] = amount
            else:
                carry.pop(platform_id, None)
        state.carry = carry
    state.debited.update(stated)


def _apply_credits(
    state: State, touched: dict[tuple[int, str], dict[str, int]]
) -> dict[tuple[str, str], int]:
    """Takes this file's track credits into the state; the leaves they move, with new amounts."""
    moved: set[tuple[str, str]] = set()
    for (track, token), per_account in touched.items():
        old = state.credits.get((track, token), {})
        for account in set(old) | set(per_account):
            change = per_account.get(account, 0) - old.get(account, 0)
            if change:
                key = (account, token)
                state.sums[key] = state.sums.get(key, 0) + change
                moved.add(key)
        state.credits[(track, token)] = per_account
    expected: dict[tuple[str, str], int] = {}
    for key in sorted(moved):
        amount = state.sums[key]
        position = state.positions.get(key)
        current = state.leaves[position][2] if position is not None else 0
        if amount != current and (amount > 0 or position is not None):
            expected[key] = amount
    return expected


def verify_file(path: Path, state: State, chain: Chain | None = None) -> dict[str, Any]:
    """Checks one file against the state of the files before it; updates the state."""
    records = iter(_records(path))
    line, header = next(records)
    if header.get("kind") != "header" or header.get("format") != FORMAT:
        raise _fail(path, line, f"not a {FORMAT} header")
    epoch, block = int(header["epoch"]), int(header["blockNumber"])
    if int(header["previousEpoch"]) != state.epoch or header["previousDataHash"] != state.data_hash:
        raise _fail(
            path,
            line,
            f"previous epoch {header['previousEpoch']} / {header['previousDataHash']} does not "
            f"follow the files given (epoch {state.epoch} / {state.data_hash})",
        )
    rates = {
        (int(c["platformId"]), int(c["rateFrom"])): [int(r) for r in c["rates"]]
        for c in header["rateCards"]
    }
    token_of = {int(c["platformId"]): str(c["token"]) for c in header["rateCards"]}
    if chain is not None:
        for (platform_id, rate_from), card in rates.items():
            token, chain_rates = chain.platform(header["settlement"], platform_id, block, rate_from)
            if (token.lower(), chain_rates) != (token_of[platform_id], card):
                raise _fail(
                    path, line, f"platform {platform_id}'s card from {rate_from} differs on chain"
                )
    debits = _check_carried(path, line, header, state)
    touched: dict[tuple[int, str], dict[str, int]] = {}
    moved_leaves: dict[tuple[str, str], int] | None = None
    leaf_lines = 0
    appended: list[tuple[str, str]] = []
    for line, record in records:
        kind = record.get("kind")
        if kind == "split":
            listed = [(str(a), int(s)) for a, s in record["recipients"]]
            state.lists[record["split"]] = listed
            if chain is not None:
                root = chain.recipients_root(record["split"], block)
                if root != "0x" + recipients_root(listed).hex():
                    raise _fail(path, line, f"split {record['split']}'s list is not on chain")
        elif kind == "track":
            track_id, token = int(record["trackId"]), str(record["token"])
            total = 0
            for usage in record["usage"]:
                platform_id, rate_from = int(usage["platformId"]), int(usage["rateFrom"])
                if token_of.get(platform_id) != token:
                    raise _fail(path, line, f"platform {platform_id} does not pay in {token}")
                if (platform_id, rate_from) not in rates:
                    raise _fail(path, line, f"platform {platform_id} has no card from {rate_from}")
                for usage_class, (units_text, amount_text) in enumerate(
                    zip(usage["units"], usage["amounts"], strict=True)
                ):
                    units, amount = int(units_text), int(amount_text)
                    key = (track_id, platform_id, usage_class, rate_from)
                    old_units, old_amount = state.units.get(key, (0, 0))
                    rate = rates[(platform_id, rate_from)][usage_class]
                    if units < old_units:
                        raise _fail(path, line, f"{key}: cumulative units went down")
                    expected = (
                        old_amount
                        + units * rate // UNIT_RATE_DIVISOR
                        - old_units * rate // UNIT_RATE_DIVISOR
                        if units > old_units
                        else old_amount
                    )
                    if amount != expected:
                        raise _fail(path, line, f"{key}: amount {amount}, rule gives {expected}")
                    debits[platform_id] = debits.get(platform_id, 0) + amount - old_amount
                    state.units[key] = (units, amount)
                    total += amount
            if total != int(record["amount"]):
                raise _fail(path, line, f"track amount {record['amount']} != classes sum {total}")
            if record["recipients"] is not None:
                listed = [(str(a), int(s)) for a, s in record["recipients"]]
                state.lists[record["split"]] = listed
                if chain is not None:
                    root = chain.recipients_root(record["split"], block)
                    if root != "0x" + recipients_root(listed).hex():
                        raise _fail(path, line, f"split {record['split']}'s list is not on chain")
            touched[(track_id, token)] = _check_credits(path, line, record, state.lists)
        elif kind == "leaf":
            if moved_leaves is None:
                moved_leaves = _apply_credits(state, touched)
            account, token, amount = record["account"], record["token"], int(record["amount"])
            leaf_key, position = (account, token), int(record["position"])
            if leaf_key not in moved_leaves:
                raise _fail(
                    path, line, f"leaf {account} {token} did not change, or is listed twice"
                )
            if amount != moved_leaves.pop(leaf_key):
                raise _fail(
                    path,
                    line,
                    f"leaf {account} {token} is {amount}, the credits give {state.sums[leaf_key]}",
                )
            known = state.positions.get(leaf_key)
            if known is None:
                if position != len(state.leaves) or (appended and leaf_key <= appended[-1]):
                    raise _fail(
                        path,
                        line,
                        f"new leaf {account} {token} at {position}: new leaves are appended at "
                        f"{len(state.leaves)} on, in (account, token) order",
                    )
                appended.append(leaf_key)
                state.positions[leaf_key] = position
                state.leaves.append((account, token, amount))
                state.hashes.append(leaf_hash(account, token, amount))
            elif known != position:
                raise _fail(path, line, f"leaf {account} {token} is at {known}, not {position}")
            else:
                state.leaves[position] = (account, token, amount)
                state.hashes[position] = leaf_hash(account, token, amount)
            leaf_lines += 1
        else:
            raise _fail(path, line, f"unknown record kind {kind!r}")
    if moved_leaves is None:
        moved_leaves = _apply_credits(state, touched)
    if moved_leaves:
        missing = sorted(moved_leaves)[0]
        raise VerificationError(f"{path}: no leaf for {missing}, whose credits moved")
    if len(state.leaves) != int(header["leafCount"]):
        raise VerificationError(
            f"{path}: {len(state.leaves)} leaves, the header says {header['leafCount']}"
        )
    root = "0x" + tree_root(state.hashes).hex()
    if root != header["root"]:
        raise VerificationError(f"{path}: leaves give root {root}, header says {header['root']}")
    stated = {int(d["platformId"]): int(d["amount"]) for d in header["debits"]}
    if {p: d for p, d in debits.items() if d > 0} != stated:
        raise VerificationError(f"{path}: debits {debits} differ from the header's {stated}")
    data_hash = file_hash(path)
    if chain is not None:
        posted = chain.root_posted(header["settlement"], epoch)
        if posted != (header["root"], data_hash):
            raise VerificationError(f"{path}: the chain posted {posted} for epoch {epoch}")
    _note_debits(path, header, stated, state, chain)
    state.epoch, state.data_hash = epoch, data_hash
    return {
        "epoch": epoch,
        "root": root,
        "dataHash": data_hash,
        "leaves": len(state.leaves),
        "changedLeaves": leaf_lines,
        "tracks": len(touched),
        "debits": {str(p): str(d) for p, d in sorted(stated.items())},
    }


def verify_files(paths: Sequence[Path], rpc_url: str | None = None) -> list[dict[str, Any]]:
    """Checks files of consecutive confirmed epochs, the first one being epoch 1's."""
    chain = Chain(rpc_url) if rpc_url else None
    state = State(carry=None if chain is None else {})
    return [verify_file(path, state, chain) for path in paths]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="+", type=Path, help="data files of epochs 1..N in order")
    parser.add_argument("--rpc", default=None, help="JSON-RPC URL for the on-chain checks")
    args = parser.parse_args(argv)
    try:
        results = verify_files(args.files, args.rpc)
    except VerificationError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    for result in results:
        print(json.dumps(result, sort_keys=True))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
