"""Maps the oracle's domain errors onto API errors (status and code)."""

from __future__ import annotations

from api.errors import ApiError, Conflict, NotFound, StoreBusy, ValidationFailed
from oracle.errors import (
    CatalogError,
    DuplicateMessageError,
    OracleError,
    QuarantineError,
    ReportRejectedError,
    UnknownPlatformError,
)
from oracle.intake.ingest import StaleVersionError
from oracle.store.write_lock import WriteContentionError


def api_error_from_oracle(exc: Exception) -> ApiError:
    if isinstance(exc, DuplicateMessageError):
        first = str(exc.issues[0]) if exc.issues else "MessageId reused"
        return Conflict(f"report refused: {first}", {"issues": _issues(exc)})
    if isinstance(exc, StaleVersionError):
        return Conflict(str(exc))
    if isinstance(exc, WriteContentionError):
        return StoreBusy(f"the store is busy, retry shortly: {exc}")
    if isinstance(exc, ReportRejectedError):
        first = str(exc.issues[0]) if exc.issues else "report rejected"
        return ValidationFailed(
            f"report rejected: {first}",
            {"issues": _issues(exc), "total_issues": exc.total_issues},
        )
    if isinstance(exc, UnknownPlatformError):
        return NotFound(str(exc))
    if isinstance(exc, CatalogError | QuarantineError):
        return ValidationFailed(str(exc))
    assert isinstance(exc, OracleError)
    return ApiError(f"oracle error: {exc}")


def _issues(exc: ReportRejectedError) -> list[dict[str, object]]:
    return [
        {"file": i.file, "line": i.line, "field": i.field, "message": i.message} for i in exc.issues
    ]
