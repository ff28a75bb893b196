"""The API's exceptions. Each carries its HTTP status and a stable machine-readable code."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Root of every error the API answers with; rendered as {code, message, details}."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class BadRequest(ApiError):
    status_code = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"


class ValidationFailed(ApiError):
    status_code = 422
    code = "validation_failed"


class ChainRevert(ApiError):
    """A contract call reverted; `details` names the contract, its custom error and arguments."""

    status_code = 422
    code = "chain_revert"


class RateLimited(ApiError):
    status_code = 429
    code = "rate_limited"


class ChainUnavailable(ApiError):
    status_code = 503
    code = "chain_unavailable"


class ServiceMisconfigured(ApiError):
    status_code = 503
    code = "service_misconfigured"


class StoreBusy(ApiError):
    """Writers queued past their deadline; the request changed nothing and can be sent again."""

    status_code = 503
    code = "store_busy"
