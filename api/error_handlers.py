"""Renders every failure as one JSON shape: {"code", "message", "details"}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import ApiError, ChainRevert, ChainUnavailable
from api.oracle_errors import api_error_from_oracle
from chain_client.errors import ContractRevert, RpcError
from oracle.errors import OracleError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": jsonable_encoder(details or {})}


def chain_revert_from(exc: ContractRevert) -> ChainRevert:
    contract = exc.contract or "contract"
    name = exc.error_name or "revert without reason"
    return ChainRevert(
        f"{contract} reverted with {name}",
        {
            "contract": exc.contract,
            "error": exc.error_name,
            "args": [_jsonable_arg(a) for a in exc.args],
            "tx_hash": exc.tx_hash,
        },
    )


def _jsonable_arg(value: Any) -> Any:
    # uint256 arguments exceed JSON's safe integers; bytes become hex.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable_arg(v) for v in value]
    return str(value)


def _render(exc: ApiError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers
    )


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    if exc.status_code >= 500:
        log.error("api error %s: %s", exc.code, exc.message)
    return _render(exc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_path(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "request", "message": "invalid"}
    message = f"{first['field']}: {first['message']}"
    return JSONResponse(error_body("validation_failed", message, {"errors": errors}), 422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _contract_revert(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ContractRevert)
    return _render(chain_revert_from(exc))


async def _rpc_error(_: Request, exc: Exception) -> JSONResponse:
    return _render(ChainUnavailable(f"the chain node did not answer: {exc}"))


async def _oracle_error(_: Request, exc: Exception) -> JSONResponse:
    return _render(api_error_from_oracle(exc))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ContractRevert, _contract_revert)
    app.add_exception_handler(RpcError, _rpc_error)
    app.add_exception_handler(OracleError, _oracle_error)
    app.add_exception_handler(Exception, _unexpected)
