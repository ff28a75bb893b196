"""Collecting validation issues: all are counted, the first `cap` are kept."""

from __future__ import annotations

from oracle.errors import ReportRejectedError, ValidationIssue


class IssueCollector:
    def __init__(self, file_name: str, cap: int) -> None:
        self.file_name = file_name
        self.cap = cap
        self.issues: list[ValidationIssue] = []
        self.total = 0

    def add(self, line: int | None, field: str, message: str) -> None:
        self.total += 1
        if len(self.issues) < self.cap:
            self.issues.append(ValidationIssue(self.file_name, line, field, message))

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self) -> ReportRejectedError:
        return ReportRejectedError(list(self.issues), self.total)
