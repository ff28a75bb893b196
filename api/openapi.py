"""Shared OpenAPI pieces: the error body schema and per-route error responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, unknown or expired credentials",
    403: "Authenticated but not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Payload too large",
    422: "Invalid input, or the contract rejected it (code chain_revert)",
    429: "Rate limited",
    503: "Chain or configuration unavailable",
}


class ErrorBody(BaseModel):
    code: str = Field(examples=["validation_failed"])
    message: str = Field(examples=["body.shares: shares must sum to 1000000"])
    details: dict[str, Any] = Field(default_factory=dict)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    chosen = sorted({*statuses, 422})
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS.get(s, "Error")} for s in chosen}
