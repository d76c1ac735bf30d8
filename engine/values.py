"""The one check of data a case may store: what JSON can carry and both databases can hold, within bounds.

Case data, task completion data, message payloads and party statements pass here before anything is written,
and so does the data a step of the engine produced: a value that slipped in would otherwise make every later
read of the case fail. Refused: NaN and the infinities (JSON has no such numbers), lone surrogates (not
encodable as UTF-8), NUL characters (PostgreSQL text cannot hold them), nesting deeper than MAX_DEPTH,
integers outside a signed 64-bit range, strings longer than MAX_TEXT characters, keys that are not text."""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.domain import InvalidDataError

MAX_DEPTH = 32  # objects and lists inside each other; a case's own data is two or three deep
MAX_INTEGER = 2**63 - 1  # what a BIGINT, a JavaScript client's BigInt and every JSON library agree on
MIN_INTEGER = -(2**63)
MAX_TEXT = 100_000  # characters in one string; a party's statement is at most 20,000
MAX_PROBLEMS = 20  # a refusal names at most this many fields
# Values the workflow serializer stores as text of its own (a script may compute a date or a period).
_PLAIN = (datetime, date, time, timedelta, UUID)


def check_json_value(value: Any, path: str = "data", *, max_depth: int = MAX_DEPTH) -> None:
    """Raise InvalidDataError naming each field (`data.party.name`, `data.items[2]`) whose value cannot be
    stored and read back; return None when the whole value is fine."""
    problems = json_value_problems(value, path, max_depth=max_depth)
    if problems:
        raise InvalidDataError.for_fields(problems)


def json_value_problems(value: Any, path: str = "data", *, max_depth: int = MAX_DEPTH) -> dict[str, str]:
    """{field path: what is wrong with it}, empty when the value is fine (at most MAX_PROBLEMS entries)."""
    problems: dict[str, str] = {}
    # an explicit stack, not recursion: a value nested 100,000 deep must be refused, not crash the check
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        item, where, depth = stack.pop()
        if isinstance(item, (dict, list, tuple, set, frozenset)):
            if depth >= max_depth:
                problems[where] = f"is nested more than {max_depth} levels deep"
                continue
            if isinstance(item, dict):
                for key, inner in item.items():
                    if not isinstance(key, str):
                        problems[_join(where, str(key))] = "a key must be text"
                        continue
                    wrong = _text_problem(key)
                    if wrong:
                        problems[_join(where, _printable(key))] = "the name " + wrong
                        continue
                    stack.append((inner, _join(where, _printable(key)), depth + 1))
            else:
                stack.extend((inner, f"{where}[{number}]", depth + 1) for number, inner in enumerate(item))
            continue
        wrong = _scalar_problem(item)
        if wrong:
            problems[where] = wrong
    return problems


def _scalar_problem(item: Any) -> str | None:
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, str):
        return _text_problem(item)
    if isinstance(item, int):
        if not MIN_INTEGER <= item <= MAX_INTEGER:
            return "is a whole number outside -2**63 .. 2**63-1"
        return None
    if isinstance(item, float):
        return None if math.isfinite(item) else "is not a number JSON can carry (NaN or infinity)"
    if isinstance(item, Decimal):
        return None if item.is_finite() else "is not a number JSON can carry (NaN or infinity)"
    if isinstance(item, _PLAIN):
        return None
    return f"is a {type(item).__name__}, not a JSON value"


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not a character UTF-8 can carry)"
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _printable(key: str) -> str:
    """A bad key's name, shown with its unencodable characters escaped so the error itself can be sent."""
    return key[:64].encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
