"""Column helpers shared by the API's tables."""

from __future__ import annotations

from datetime import UTC, datetime

# uint256 amounts are stored as decimal strings: SQLite's NUMERIC loses precision above 2**63.
UINT256_DIGITS = 78


def utc_now() -> datetime:
    return datetime.now(UTC)
