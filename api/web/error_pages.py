"""Errors that reach a browser outside the pages' own routes (an unknown address, a malformed request, a crash)
become an HTML page in the reader's language; the JSON API (under /api) keeps its JSON shape unless the
caller asks for HTML (a person who opened an /api link in the browser)."""
from __future__ import annotations

import inspect
import logging
from http import HTTPStatus
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response

from api.errors import HTTP_CODES, status_of
from api.web import pages
from engine.domain import DueflowError
from engine.store import is_lock_timeout

log = logging.getLogger("dueflow.web")
Handler = Callable[[Request, Any], Awaitable[Response]]


def _under_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def wants_html(request: Request) -> bool:
    """A browser reading a page: any path but /api unless it asks for JSON; under /api only when it asks for HTML."""
    accept = request.headers.get("accept", "").lstrip()
    if _under_api(request):
        return accept.startswith("text/html")
    return not accept.startswith("application/json")


def _described(error: Exception) -> tuple[DueflowError, int]:
    """The code, message and status an error page shows for any exception."""
    if isinstance(error, DueflowError):
        return error, 403 if error.code == "csrf_failed" else status_of(error)
    if isinstance(error, RequestValidationError):
        fields = ", ".join(".".join(str(part) for part in e.get("loc", ())) for e in error.errors())
        described = DueflowError(f"the request is not valid: {fields}")
        described.code = "invalid_request"
        return described, 422
    if isinstance(error, StarletteHTTPException):
        # Starlette's own detail only repeats the status ("Not Found"): the page's title says it better
        detail = str(error.detail)
        phrase = HTTPStatus(error.status_code).phrase if error.status_code in HTTPStatus._value2member_map_ else ""
        described = DueflowError("" if detail == phrase else detail)
        described.code = HTTP_CODES.get(error.status_code, "http_error")
        return described, error.status_code
    if is_lock_timeout(error):
        described = DueflowError("the database is busy; try again")
        described.code = "busy"
        return described, 503
    described = DueflowError("")  # the page explains; the internals stay in the log
    described.code = "internal_error"
    return described, 500


def html_page(request: Request, error: Exception) -> Response:
    described, status = _described(error)
    if status == 500:
        log.exception("unexpected error", exc_info=error)
    if isinstance(error, DueflowError) and error.code == "not_authenticated" and not _under_api(request):
        return pages.error_page(request, error)  # back to the sign-in page, as on every page
    try:
        return pages.failure_page(request, described, status)
    except Exception:  # noqa: BLE001 - the error page itself failed: still a page with a title and a language
        log.exception("the error page could not be rendered")
        return pages.secure(HTMLResponse(
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error {status} · Dueflow</title>'
            f'</head><body><main><h1>Error {status}</h1><p><a href="/">Dueflow</a></p></main></body></html>',
            status_code=status))


def _either(api_handler: Callable[[Request, Any], Response | Awaitable[Response]]) -> Handler:
    async def handle(request: Request, error: Any) -> Response:
        if wants_html(request):
            return html_page(request, error)
        answer = api_handler(request, error)
        return await answer if inspect.isawaitable(answer) else answer
    return handle


def install(app: FastAPI) -> None:
    """Wrap the JSON handlers api.errors installed, so a browser gets a page and the API its JSON."""
    for kind in (DueflowError, RequestValidationError, StarletteHTTPException, Exception):
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            app.exception_handlers[kind] = _either(handler)
