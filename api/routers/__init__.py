"""HTTP routers: each translates a request into one engine.services call and its result back into JSON."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response

from api.encoding import json_bytes
from api.schemas import ErrorBody

# Path parameters bounded to what the database columns hold, so an absurd id is a 422, never a 500.
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the case's id")]
TaskId = Annotated[str, Path(pattern=r"^[0-9A-Fa-f-]{1,36}$", description="the task's id (a UUID)")]


def as_json(view: Any, status: int = 200) -> Response:
    """A service's result as the response body, skipping a second validation by the response model (which
    documents the shape in OpenAPI): the service built it, so it is already right. Dataclasses are encoded
    field by field as json meets them, without the deep copy of dataclasses.asdict (7x faster here). The
    encoder is total (api.encoding): a stored value JSON cannot carry is sent cleaned, never a 500."""
    return Response(json_bytes(view, default=_plain), status_code=status, media_type="application/json")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error responses an operation can give, all in the one error shape."""
    return {status: {"model": ErrorBody} for status in statuses}

