"""The expression language of procedures: a checked subset of Python, plus translation of Camunda syntax.

Defence in depth (docs/security.md, "Sandbox"):
1. an allowlist of syntax (no imports, definitions, async, while, try ...), of names and of attribute names,
   with limits on length and nesting, checked at deploy for every place procedure code can hide;
2. RestrictedPython compiles what passed, so every attribute, item, iteration and in-place operation goes
   through the guards below at run time; the attribute guard admits only the allowlisted methods of plain
   values (str, numbers, dict, list, set, tuple, dates);
3. engine.workflow.sandbox runs every step of procedure code in a separate, locked-down process with CPU,
   memory and wall-clock budgets, so even an escape cannot touch the server, its database or its secrets.
"""
from __future__ import annotations

import ast
import operator
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType
from typing import Any, Callable

from RestrictedPython import compile_restricted
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from engine import juel

# Builtins a procedure may call; nothing that reaches the interpreter, files, or object internals.
_BUILTIN_NAMES = ("abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "int", "len", "list",
                  "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip")
SAFE_BUILTINS: dict[str, object] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in _BUILTIN_NAMES
}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None})

# Names refused by name, so the author learns at deploy time, not from a NameError months later.
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars",
    "breakpoint", "memoryview", "object", "super", "classmethod", "staticmethod", "exit", "quit", "type",
    "help", "input", "print", "id", "dir", "iter", "next", "aiter", "anext", "property", "bytearray", "bytes",
})

# The only attributes procedure code may read: methods and fields of plain values. Anything else (frames,
# code, generators, coroutines, tracebacks, functions, modules, types, format strings) is refused.
ALLOWED_ATTRIBUTES = frozenset({
    # str
    "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "join", "replace",
    "startswith", "endswith", "find", "rfind", "index", "count", "isdigit", "isnumeric", "isdecimal",
    "isalpha", "isalnum", "isspace", "islower", "isupper", "title", "capitalize", "casefold", "zfill",
    "center", "ljust", "rjust", "partition", "rpartition", "removeprefix", "removesuffix",
    # dict, list, set
    "get", "keys", "values", "items", "copy", "update", "setdefault", "pop", "popitem", "append", "extend",
    "insert", "remove", "sort", "reverse", "clear", "add", "discard", "union", "intersection", "difference",
    "symmetric_difference", "issubset", "issuperset", "isdisjoint",
    # numbers
    "real", "imag", "is_integer", "bit_length", "conjugate",
    # dates and periods
    "year", "month", "day", "hour", "minute", "second", "microsecond", "weekday", "isoweekday", "isoformat",
    "date", "time", "days", "seconds", "total_seconds", "strftime", "timestamp", "astimezone",
})
_VALUE_TYPES = (str, int, float, bool, dict, list, set, frozenset, tuple, date, datetime, time, timedelta,
                Decimal, type(None))

_ALLOWED_NODES: tuple[type, ...] = (
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.For, ast.If, ast.Pass, ast.Break,
    ast.Continue, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Dict, ast.Set, ast.ListComp, ast.SetComp,
    ast.DictComp, ast.GeneratorExp, ast.Compare, ast.Call, ast.Constant, ast.Attribute, ast.Subscript,
    ast.Starred, ast.Name, ast.List, ast.Tuple, ast.Slice, ast.JoinedStr, ast.FormattedValue, ast.Load,
    ast.Store, ast.comprehension, ast.keyword, ast.boolop, ast.operator, ast.unaryop, ast.cmpop,
)
_REFUSALS: dict[type, str] = {
    ast.Import: "imports are not allowed", ast.ImportFrom: "imports are not allowed",
    ast.Lambda: "lambda is not allowed", ast.While: "while loops are not allowed (a script must finish)",
    ast.FunctionDef: "defining functions is not allowed", ast.AsyncFunctionDef: "async code is not allowed",
    ast.ClassDef: "defining classes is not allowed", ast.Try: "try blocks are not allowed",
    ast.With: "with blocks are not allowed", ast.AsyncWith: "async code is not allowed",
    ast.AsyncFor: "async code is not allowed", ast.Await: "async code is not allowed",
    ast.Yield: "yield is not allowed", ast.YieldFrom: "yield is not allowed", ast.Raise: "raise is not allowed",
    ast.Delete: "del is not allowed", ast.Global: "global is not allowed", ast.Nonlocal: "nonlocal is not allowed",
    ast.NamedExpr: "the walrus operator is not allowed", ast.Assert: "assert is not allowed",
}
MAX_SOURCE = {"eval": 10_000, "exec": 50_000}  # characters
MAX_DEPTH = 60  # nesting of the syntax tree
MAX_NODES = 5_000


class ExpressionError(ValueError):
    """An expression that is broken or breaks the safety rules; `str()` is a plain message."""


def _refusal(node: ast.AST) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        return _REFUSALS.get(type(node), f"{type(node).__name__} is not part of the procedure language")
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            return f"the name '{node.id}' starts with '_'"
        if node.id in FORBIDDEN_NAMES:
            return f"'{node.id}' is not allowed"
    elif isinstance(node, ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            return f"assigning to the attribute '{node.attr}' is not allowed"
        if node.attr not in ALLOWED_ATTRIBUTES:
            return f"the attribute '{node.attr}' is not allowed"
    elif isinstance(node, ast.comprehension) and node.is_async:
        return "async code is not allowed"
    elif isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
        return f"the keyword '{node.arg}' starts with '_'"
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "__" in node.value:
        return "strings containing '__' are not allowed"
    elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        return "bytes are not allowed"
    return None


def _walk_bounded(tree: ast.AST):
    """ast.walk with the depth and size limits, iteratively (a deep tree must not exhaust the C stack)."""
    stack, count = [(tree, 0)], 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep")
        if count > MAX_NODES:
            raise ExpressionError(f"longer than {MAX_NODES} terms; split it into steps")
        yield node, depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str = "eval") -> CodeType:
    """Parse, check and compile an expression (mode 'eval') or script ('exec'); raise ExpressionError."""
    text = source.strip() if mode == "eval" else source
    shown = _shown(source)
    if len(text) > MAX_SOURCE[mode]:
        raise ExpressionError(f"unsafe expression {shown}: longer than {MAX_SOURCE[mode]} characters")
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg} in {shown}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"unsafe expression {shown}: nested too deeply") from None
    refusals: list[tuple[int, int, int, str]] = []
    try:
        for node, depth in _walk_bounded(tree):
            why = _refusal(node)
            if why:
                refusals.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), -depth, why))
    except ExpressionError as exc:
        raise ExpressionError(f"unsafe expression {shown}: {exc}") from None
    if refusals:  # every reason, in the order they stand in the source
        reasons = list(dict.fromkeys(why for *_, why in sorted(refusals)))
        raise ExpressionError(f"unsafe expression {shown}: {'; '.join(reasons)}")
    try:
        # ignored: ast.parse(mode=mode) made the matching Module/Expression, and mode is 'eval' or 'exec'
        # (MAX_SOURCE[mode] above raised KeyError for any other); the stubs cannot follow that
        result = compile_restricted(tree, filename="<procedure>", mode=mode)  # type: ignore[arg-type]
    except SyntaxError as exc:  # RestrictedPython's own refusals
        raise ExpressionError(f"unsafe expression {shown}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"unsafe expression {shown}: nested too deeply") from None
    if isinstance(result, CodeType):
        return result
    raise ExpressionError(f"unsafe expression {shown}: refused by the restricted compiler")


def _shown(source: str) -> str:
    text = source.strip()
    return repr(text if len(text) <= 120 else text[:117] + "...")


def check(source: str, mode: str = "eval") -> str | None:
    """Return a plain message saying what is wrong with the expression, or None when it is fine."""
    try:
        compile_checked(source, mode)
    except ExpressionError as exc:
        return str(exc)
    return None


# ---- run-time guards: what the compiled code calls for every attribute, item, loop and assignment ----

class GuardError(ExpressionError):
    """Procedure code reached for something outside the language at run time."""


def _guarded_getattr(obj: object, name: str, default: object = None) -> object:
    if name not in ALLOWED_ATTRIBUTES or not isinstance(obj, _VALUE_TYPES):
        raise GuardError(f"the attribute '{name}' of a {type(obj).__name__} is not allowed")
    return getattr(obj, name)


def _guarded_write(obj: object) -> object:
    if isinstance(obj, (dict, list, set)):
        return obj
    raise GuardError(f"a {type(obj).__name__} cannot be changed")


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "|=": operator.ior,
    "&=": operator.iand, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
}


def _guarded_inplace(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def _guarded_apply(function: Callable, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


GUARDS: dict[str, object] = {
    "_getattr_": _guarded_getattr, "_write_": _guarded_write, "_getitem_": _guarded_getitem,
    "_getiter_": iter, "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence, "_inplacevar_": _guarded_inplace, "_apply_": _guarded_apply,
}


def scope(*layers: dict) -> dict:
    """The globals of one evaluation: the layers given (helpers, data), then the guards and safe builtins."""
    merged: dict = {}
    for layer in layers:
        merged.update(layer)
    merged.update(GUARDS)
    merged["__builtins__"] = SAFE_BUILTINS
    return merged


def safe_eval(source: str, variables: dict) -> object:
    return eval(compile_checked(source, "eval"), scope(variables))


# ---- Camunda Modeler syntax -----------------------------------------------------------------------

_ISO_DURATION = r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_ISO_TIMER = re.compile(
    rf"^(?:{_ISO_DURATION}|{_ISO_DATETIME}|R\d*/(?:{_ISO_DATETIME}/)?{_ISO_DURATION}|"
    rf"R\d*/{_ISO_DURATION}/{_ISO_DATETIME})$"
)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
_JUEL_INSIDE = re.compile(r"[$#]\{")


def translate_timer(text: str) -> str:
    """Quote an ISO 8601 literal written without quotes (as Camunda Modeler saves it); keep Python as is."""
    stripped = text.strip()
    if _ISO_TIMER.match(stripped):
        return repr(stripped)
    if _JUEL.match(stripped):
        return translate_juel(stripped)
    return stripped


def translate_juel(text: str) -> str:
    """Translate a Camunda `${...}` or `#{...}` expression into the Python subset, or raise ExpressionError
    saying why it cannot be translated (engine.juel); plain Python is returned as it is."""
    match = _JUEL.match(text)
    if not match:
        return text.strip()
    try:
        python = juel.translate(match.group(1))
    except juel.JuelError as exc:
        raise ExpressionError(f"cannot translate {_shown(text)}: {exc}") from None
    problem = check(python)
    if problem:
        raise ExpressionError(f"cannot translate {_shown(text)}: {problem}")
    return python


def translate_condition(text: str) -> str:
    """A gateway condition as Python: `${...}` translated, plain Python kept."""
    if _JUEL.match(text):
        return translate_juel(text)
    if _JUEL_INSIDE.search(text) and check(text) is not None:
        raise ExpressionError(f"cannot translate {_shown(text)}: text around a ${{...}} expression (a composite "
                              "expression) has no equivalent here; write one expression")
    return text.strip()
