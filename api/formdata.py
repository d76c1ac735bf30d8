"""Reading a submitted form (multipart or urlencoded) so that an oversized field is refused by its name.

Starlette's own reading answers a bare 400 ("Part exceeded maximum size of 1024KB.") that says nothing about
which field; these parsers raise InvalidDataError naming it (422), before any use case runs. read_form keeps
the parsed form on the request, where FastAPI's own Form() parameters and request.form() find it."""
from __future__ import annotations

from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.routing import APIRoute
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from engine.domain import InvalidDataError

MAX_FIELD_BYTES = 1024 * 1024  # one text field; files are not fields (their limits are the use case's)
MAX_FILES = 10
MAX_FIELDS = 200
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class _FieldTooLarge(MultiPartException):
    def __init__(self, field: str):
        super().__init__(f"the field {field} is larger than {MAX_FIELD_BYTES} bytes")
        self.field = field


class _Multipart(MultiPartParser):
    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        try:
            super().on_part_data(data, start, end)
        except MultiPartException:
            raise _FieldTooLarge(self._current_part.field_name[:100]) from None


class _Urlencoded(FormParser):
    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        try:
            super().on_field_data(data, start, end)
        except MultiPartException:
            raise _FieldTooLarge(self._field_name.decode("latin-1")[:100]) from None


async def read_form(request: Request, *, max_files: int = MAX_FILES, max_fields: int = MAX_FIELDS) -> FormData:
    """The request's form, parsed once; an oversized field is InvalidDataError naming it, a malformed body 400."""
    cached = getattr(request, "_form", None)
    if cached is not None:
        return cached
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    parser: MultiPartParser | FormParser
    if content_type == b"multipart/form-data":
        parser = _Multipart(request.headers, request.stream(), max_files=max_files, max_fields=max_fields,
                            max_part_size=MAX_FIELD_BYTES)
    elif content_type == b"application/x-www-form-urlencoded":
        parser = _Urlencoded(request.headers, request.stream(), max_fields=max_fields,
                             max_part_size=MAX_FIELD_BYTES)
    else:
        return await request.form(max_files=max_files, max_fields=max_fields)
    try:
        form = await parser.parse()
    except _FieldTooLarge as exc:
        raise InvalidDataError.for_fields({exc.field: f"is larger than {MAX_FIELD_BYTES // 1024} KiB"}) from None
    except MultiPartException as exc:
        raise HTTPException(400, exc.message) from None
    request._form = form  # where Starlette keeps a parsed form: Form() parameters and request.form() reuse it
    return form


class FormRoute(APIRoute):
    """API routes taking a form: the form is read by read_form before FastAPI binds its Form() parameters."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def reading(request: Request) -> Response:
            if request.headers.get("content-type", "").startswith(FORM_TYPES):
                await read_form(request)
            return await handler(request)
        return reading
