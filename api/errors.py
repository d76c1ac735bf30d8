"""Every failure leaves as `{"error": {"code", "message", "details"}}`; a domain error's class sets the status."""
from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.encoding import TotalJSONResponse as JSONResponse
from engine.domain import (ConflictError, DueflowError, ForbiddenError, InvalidDataError, NotFoundError,
                           ProcedureInvalidError, RightsGateError, UnsafeExpressionError, WorkflowError)
from engine.store import is_lock_timeout

log = logging.getLogger("dueflow.api")

# Checked in order, so a subclass listed earlier wins over its base.
STATUS_BY_CLASS: list[tuple[type[DueflowError], int]] = [
    # A rights gate is the case not being ready for the step (e.g. the statement period still runs), not a
    # question of who asks: 409 like any other step the case's state refuses.
    (RightsGateError, 409),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ForbiddenError, 403),
    (InvalidDataError, 422),
    (ProcedureInvalidError, 422),
    (UnsafeExpressionError, 422),
    (WorkflowError, 422),
]
# Errors defined outside engine.domain (services and api modules), by their stable code.
STATUS_BY_CODE = {"not_authenticated": 401, "invalid_credentials": 401, "invalid_access_code": 401,
                  "too_many_attempts": 429, "payload_too_large": 413, "invalid_policy": 422}
HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
              422: "invalid_request", 429: "too_many_attempts"}


def status_of(error: DueflowError) -> int:
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    for cls, status in STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 400


def error_response(status: int, code: str, message: str, details: list[Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or []}},
                        status_code=status, headers=headers)


def _headers_for(error: DueflowError, status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status == 429:
        return {"Retry-After": str(getattr(error, "retry_after", 1))}
    return None


async def _dueflow_error(_request: Request, error: DueflowError) -> JSONResponse:
    status = status_of(error)
    return error_response(status, error.code, error.message, error.details, _headers_for(error, status))


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    details = [{"field": ".".join(str(part) for part in e.get("loc", ())), "message": e.get("msg", "invalid")}
               for e in error.errors()]
    fields = ", ".join(d["field"] for d in details)
    return error_response(422, "invalid_request", f"the request is not valid: {fields}", details)


async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
    if isinstance(error.__cause__, RecursionError):  # FastAPI's "error parsing the body": JSON nested too deep
        return error_response(422, "invalid_request", "the request body is nested too deep to read",
                              [{"field": "body", "message": "is nested too deep"}])
    code = HTTP_CODES.get(error.status_code, "http_error")
    return error_response(error.status_code, code, str(error.detail), [], getattr(error, "headers", None))


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    if is_lock_timeout(error):
        return error_response(503, "busy", "the database is busy; try again", [], {"Retry-After": "1"})
    log.exception("unexpected error", exc_info=error)
    return error_response(500, "internal_error", "something went wrong on our side; it was logged")


def install(app: FastAPI) -> None:
    # ignored: Starlette calls a handler only with the class it was registered for; its stub types every
    # handler as taking any Exception
    app.add_exception_handler(DueflowError, _dueflow_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


EVIDENCE_UPLOADS = re.compile(r"^(/api)?/cases/[0-9]+/(documents|evidence)$")


class BodyLimit:
    """ASGI middleware: a request body larger than the limit is refused with 413 before anything parses it.
    Evidence uploads (a video) may be as large as the evidence limit; they stream to disk, not into memory."""

    def __init__(self, app, max_bytes: int, evidence_bytes: int = 0):
        self.app, self.default_bytes, self.evidence_bytes = app, max_bytes, max(evidence_bytes, max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload = scope.get("method") == "POST" and EVIDENCE_UPLOADS.match(scope.get("path", ""))
        return await self._limited(self.evidence_bytes if upload else self.default_bytes, scope, receive, send)

    async def _limited(self, max_bytes: int, scope, receive, send):
        declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return await self._refuse(max_bytes, scope, receive, send)
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    # an HTTPException passes through FastAPI's body parsing untouched: 413, not 400
                    raise StarletteHTTPException(413, f"the request is larger than {max_bytes} bytes")
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse(self, max_bytes: int, scope, receive, send):
        response = error_response(413, "payload_too_large", f"the request is larger than {max_bytes} bytes", [])
        await response(scope, receive, send)
