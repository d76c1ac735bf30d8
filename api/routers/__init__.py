"""HTTP routers: each translates a request into one engine.services call and its result back into JSON."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import JSONResponse

from api.schemas import ErrorBody

# Path parameters bounded to what the database columns hold, so an absurd id is a 422, never a 500.
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the case's id")]
TaskId = Annotated[str, Path(pattern=r"^[0-9A-Fa-f-]{1,36}$", description="the task's id (a UUID)")]


def as_json(view: Any, status: int = 200) -> JSONResponse:
    """A service's dataclass as the response body, skipping a second validation by the response model
    (which documents the shape in OpenAPI): the service built it, so it is already right."""
    body = view.as_dict() if hasattr(view, "as_dict") else view
    return JSONResponse(body, status_code=status)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error responses an operation can give, all in the one error shape."""
    return {status: {"model": ErrorBody} for status in statuses}

