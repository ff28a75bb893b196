"""Reading report uploads: size caps enforced on the byte stream, before anything is parsed.

The upload routes declare no body parameter, so FastAPI runs their authentication dependency
first and never reads the body itself; these helpers then read it under a cap.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, BinaryIO

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from api.errors import PayloadTooLarge, ValidationFailed
from oracle.intake.json_report import LongDigits, load_json

CHUNK = 1024 * 1024
#: Multipart framing allowed on top of a file cap (boundaries, part headers, the signature part).
MULTIPART_ALLOWANCE = 1024 * 1024
SIGNATURE_PATTERN = re.compile(r"0x[0-9a-fA-F]{130}")


def too_large(what: str, max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"{what}: larger than the {max_bytes} byte limit", {"max_bytes": max_bytes}
    )


def check_declared_length(request: Request, max_bytes: int, what: str, allowance: int = 0) -> None:
    """413 at once when Content-Length already says the body is over the cap (plus `allowance`
    bytes of multipart framing; the message names the cap itself)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 19:
        raise ValidationFailed("content-length: not a byte count")
    if int(declared) > max_bytes + allowance:
        raise too_large(what, max_bytes)


def capped_receive(
    receive: Callable[[], Awaitable[Message]], max_bytes: int, what: str, allowance: int = 0
) -> Callable[[], Awaitable[Message]]:
    """A receive channel that fails with 413 once more than `max_bytes` + `allowance` bytes of
    body arrived."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes + allowance:
                raise too_large(what, max_bytes)
        return message

    return wrapped


async def spool_body(request: Request, directory: Path, suffix: str, max_bytes: int) -> Path:
    """Streams the raw request body to a temporary file, refusing it past `max_bytes`."""
    check_declared_length(request, max_bytes, "body")
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=directory)
    written = 0
    try:
        with os.fdopen(handle, "wb") as target:
            async for chunk in request.stream():
                written += len(chunk)
                if written > max_bytes:
                    raise too_large("body", max_bytes)
                target.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


async def read_upload_form(request: Request, max_bytes: int) -> tuple[UploadFile, str]:
    """The `file` and `signature` parts of a multipart upload, read under the size cap."""
    check_declared_length(request, max_bytes, "file", allowance=MULTIPART_ALLOWANCE)
    capped = Request(
        request.scope,
        capped_receive(request.receive, max_bytes, "file", allowance=MULTIPART_ALLOWANCE),
    )
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ValidationFailed(
            "file: the upload must be multipart/form-data with a 'file' and a 'signature' part",
            {"field": "file"},
        )
    try:
        form = await capped.form(max_files=1, max_fields=4)
    except PayloadTooLarge:
        raise
    except Exception as exc:  # Starlette raises its own types on malformed multipart bodies
        problem = f"file: malformed multipart body ({exc})"
        raise ValidationFailed(problem, {"field": "file"}) from exc
    upload = form.get("file")
    signature = form.get("signature")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("file: the 'file' part (the report) is missing", {"field": "file"})
    if not isinstance(signature, str) or not signature:
        raise ValidationFailed(
            "signature: the 'signature' part (EIP-712 UsageReport signature) is missing",
            {"field": "signature"},
        )
    if not SIGNATURE_PATTERN.fullmatch(signature):
        raise ValidationFailed(
            "signature: must be 0x followed by 130 hex digits (a 65-byte signature)",
            {"field": "signature"},
        )
    return upload, signature


def spool(source: BinaryIO, directory: Path, suffix: str, max_bytes: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=directory)
    written = 0
    try:
        with os.fdopen(handle, "wb") as target:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise too_large("file", max_bytes)
                target.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def spool_bytes(content: bytes, directory: Path, suffix: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=directory)
    with os.fdopen(handle, "wb") as target:
        target.write(content)
    return Path(name)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", {"field": field})


def _non_negative(doc: dict[str, Any], key: str, required: bool) -> None:
    value = doc.get(key)
    if value is None:
        if required:
            raise _fail(key, "required field is missing")
        return
    if isinstance(value, LongDigits):
        raise _fail(key, f"must be at most 19 digits, got {len(value)} digits")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, f"must be a non-negative integer, got a {type(value).__name__}")
    if not 0 <= value < 2**63:
        raise _fail(key, f"must be between 0 and 2^63 - 1, got {value}")


def check_json_report(path: Path) -> str:
    """Checks the envelope of a JSON report (lines are the oracle's to check); returns report_id.

    Raises 422 naming the field, before the report is recorded anywhere.
    """
    try:
        with path.open("r", encoding="utf-8-sig") as handle:
            doc = load_json(handle)
    except RecursionError:
        raise _fail("body", "the JSON document is nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise _fail("body", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise _fail("body", f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _fail("body", f"must be a JSON object, got a {type(doc).__name__}")
    report_id = doc.get("report_id")
    if report_id is None:
        raise _fail("report_id", "required field is missing")
    if not isinstance(report_id, str) or not 1 <= len(report_id) <= 200:
        raise _fail("report_id", "must be a string of 1-200 characters")
    _non_negative(doc, "period_start", True)
    _non_negative(doc, "period_end", True)
    _non_negative(doc, "platform_id", False)
    _non_negative(doc, "chain_id", False)
    lines = doc.get("lines")
    if lines is None:
        raise _fail("lines", "required field is missing")
    if not isinstance(lines, list):
        raise _fail("lines", f"must be a list, got a {type(lines).__name__}")
    if len(lines) > 1_000_000:
        raise _fail("lines", f"at most 1000000 lines in a JSON report, got {len(lines)}")
    signature = doc.get("signature")
    if signature is not None and (
        not isinstance(signature, str) or not SIGNATURE_PATTERN.fullmatch(signature)
    ):
        raise _fail("signature", "must be 0x followed by 130 hex digits (a 65-byte signature)")
    return report_id
