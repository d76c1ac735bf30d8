"""Total JSON encoding for every response: a value that slipped into the database (NaN, a lone surrogate, a
number too long to print) is sent in a readable form instead of turning every read of its case into a 500.

The fast path is the plain encoder; only a value it refuses is cleaned: NaN and the infinities become null,
unencodable characters are escaped as text (`\\ud800`), a number too long to print becomes null, and nesting
deeper than MAX_DEPTH is cut off. Nothing here changes what is stored."""
from __future__ import annotations

import json
import math
from typing import Any, Callable

from fastapi.responses import JSONResponse

MAX_DEPTH = 200
_MAX_INT_BITS = 13_000  # about 3,900 decimal digits: below the interpreter's 4,300-digit printing limit


def json_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """UTF-8 JSON of `value`; never raises for data (see the module's docstring)."""
    try:
        return json.dumps(value, default=default, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
    except (ValueError, UnicodeEncodeError, RecursionError, TypeError):
        cleaned = _clean(value, default, 0)
        return json.dumps(cleaned, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _clean(value: Any, default: Callable[[Any], Any] | None, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return None
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_INT_BITS else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(str(key)): _clean(item, default, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item, default, depth + 1) for item in value]
    if default is not None:
        try:
            return _clean(default(value), default, depth + 1)
        except (TypeError, ValueError):
            pass
    return _text(str(value))


def _text(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class TotalJSONResponse(JSONResponse):
    """FastAPI's JSONResponse with the total encoder: the default response class of the app and of errors."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)
