"""The oracle's exceptions: one root, `OracleError`, with a subclass per domain."""

from __future__ import annotations

from dataclasses import dataclass


class OracleError(Exception):
    """Root of every error the oracle raises on purpose."""


class ConfigurationError(OracleError):
    """Settings or deployment information are missing or inconsistent."""


class StoreError(OracleError):
    """The store could not be read or written, or holds something impossible."""


class CatalogError(OracleError):
    """A platform or track is unknown, or a catalog entry is invalid."""


class UnknownPlatformError(CatalogError):
    """No platform with this id is registered."""


class QuarantineError(OracleError):
    """A quarantine entry does not exist or was already decided."""


class EpochError(OracleError):
    """Base for the epoch part (aggregation, Merkle data, signing, posting)."""


@dataclass(frozen=True)
class ValidationIssue:
    """One thing wrong with a report, located as precisely as the format allows."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: field {self.field!r}: {self.message}"


class ReportRejectedError(OracleError):
    """A report failed validation; nothing in it was counted.

    `issues` holds at most the first `len(issues)` problems; `total_issues` counts them all.
    """

    def __init__(self, issues: list[ValidationIssue], total_issues: int | None = None) -> None:
        self.issues = issues
        self.total_issues = total_issues if total_issues is not None else len(issues)
        super().__init__(self._describe())

    @classmethod
    def single(cls, file: str, field: str, message: str) -> ReportRejectedError:
        """A rejection for one fault that has no line."""
        return cls([ValidationIssue(file, None, field, message)])

    def _describe(self) -> str:
        lines = [f"report rejected with {self.total_issues} error(s):"]
        lines += [f"  {issue}" for issue in self.issues]
        more = self.total_issues - len(self.issues)
        if more > 0:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


class DuplicateMessageError(ReportRejectedError):
    """A DDEX DSR MessageId was reused by the same sender with different content."""
