"""DSRF file names and the signed manifest of a multi-file report.

File name (DSRF Part 1, clause 9.1):
``DSR_<Sender>_<Recipient>_<ServiceDescription>_<Period>_<Territory>_<x>of<y>_<Created>.tsv``
with an optional ``.gz``. A report split over several files must name every file that way, and
x/y must equal the file's HEAD FileNumber/NumberOfFiles.

Manifest (the content a multi-file report's signature covers): UTF-8 text, ``dsrf-set/1`` on the
first line, then one line per file in FileNumber order: ``<FileNumber> TAB <file name> TAB
<0x keccak-256 of the file's bytes as sent>``, each line ending in LF. contentHash =
keccak-256 of those bytes. A one-file report signs the keccak of the file itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from Crypto.Hash import keccak

MANIFEST_MAGIC = "dsrf-set/1"
MANIFEST_SUFFIX = ".dsrset"
_NAME = re.compile(
    r"^DSR_([A-Za-z0-9-]+)_([A-Za-z0-9-]+)_([^_]+)_([^_]+)_([A-Za-z0-9-]+)_"
    r"([0-9]{1,9})of([0-9]{1,9})_([0-9]{8}T[0-9]{6})\.(tsv|txt)(\.gz)?$"
)


@dataclass(frozen=True)
class DsrFileName:
    sender: str
    recipient: str
    service: str
    period: str
    territory: str
    file_number: int
    number_of_files: int


def parse_file_name(name: str) -> DsrFileName | None:
    match = _NAME.match(Path(name).name)
    if match is None:
        return None
    return DsrFileName(
        match.group(1),
        match.group(2),
        match.group(3),
        match.group(4),
        match.group(5),
        int(match.group(6)),
        int(match.group(7)),
    )


def name_problem(
    name: str, file_number: int | None, number_of_files: int | None, sender: str | None
) -> str | None:
    """Why `name` breaks the convention for this file, or None. Only sets must follow it."""
    parsed = parse_file_name(name)
    in_set = (number_of_files or 1) > 1
    if parsed is None:
        if in_set or Path(name).name.startswith("DSR_"):
            return (
                f"{Path(name).name!r} is not a DSRF file name "
                "(DSR_<Sender>_<Recipient>_<Service>_<Period>_<Territory>_<x>of<y>_<Created>.tsv)"
            )
        return None
    if (parsed.file_number, parsed.number_of_files) != (file_number, number_of_files):
        return (
            f"the name says file {parsed.file_number} of {parsed.number_of_files}, HEAD says "
            f"{file_number} of {number_of_files}"
        )
    if sender and parsed.sender.startswith("PADPIDA") and parsed.sender != sender:
        return f"the name's sender {parsed.sender} is not HEAD's SenderPartyId {sender}"
    return None


def keccak_hex(data: bytes) -> str:
    return "0x" + keccak.new(digest_bits=256, data=data).hexdigest()


def manifest_bytes(entries: Sequence[tuple[int, str, str]]) -> bytes:
    """(FileNumber, file name, 0x keccak) per file -> the signed manifest."""
    lines = [MANIFEST_MAGIC]
    for number, name, digest in sorted(entries):
        if "\t" in name or "\n" in name:
            raise ValueError(f"file name {name!r} has a tab or newline")
        lines.append(f"{number}\t{Path(name).name}\t{digest.lower()}")
    return ("\n".join(lines) + "\n").encode()


def file_keccak(path: Path) -> str:
    hasher = keccak.new(digest_bits=256)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return "0x" + hasher.hexdigest()


def set_content_hash(paths: Sequence[Path], file_numbers: Sequence[int]) -> str:
    """What a platform signs for a multi-file report (helper for senders and tests)."""
    entries = [(n, p.name, file_keccak(p)) for n, p in zip(file_numbers, paths, strict=True)]
    return keccak_hex(manifest_bytes(entries))


def read_manifest(path: Path) -> list[tuple[int, str, str]] | None:
    """The manifest's entries, or None when `path` is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    if not lines or lines[0] != MANIFEST_MAGIC:
        return None
    entries = []
    for line in lines[1:]:
        number, name, digest = line.split("\t")
        entries.append((int(number), name, digest))
    return entries
