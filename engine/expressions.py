"""The expression language of procedures: a safe subset of Python, plus translation of Camunda Modeler syntax.

Every script, gateway condition, timer expression and DMN cell passes `check()` at deploy time and again
(from a cache) every time it is evaluated, so nothing outside the subset ever runs.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache

# Builtins a procedure may call; nothing that reaches the interpreter, files, or object internals.
SAFE_BUILTINS: dict[str, object] = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "int", "len", "list",
        "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
    )
}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None})

# Names that are dangerous even though they are not builtins here: refuse them by name so the
# author learns at deploy time, not from a NameError months later.
FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "breakpoint", "memoryview", "object", "super", "classmethod", "staticmethod", "exit", "quit",
})
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "gi_frame", "f_globals", "f_locals",
                                  "cr_frame", "tb_frame", "func_globals"})
FORBIDDEN_NODES: dict[type, str] = {
    ast.Import: "imports are not allowed",
    ast.ImportFrom: "imports are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.Global: "global is not allowed",
    ast.Nonlocal: "nonlocal is not allowed",
    ast.While: "while loops are not allowed (a script must finish)",
    ast.FunctionDef: "defining functions is not allowed",
    ast.AsyncFunctionDef: "defining functions is not allowed",
    ast.ClassDef: "defining classes is not allowed",
    ast.Try: "try blocks are not allowed",
    ast.With: "with blocks are not allowed",
    ast.Raise: "raise is not allowed",
    ast.Delete: "del is not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


class ExpressionError(ValueError):
    """An expression that is broken or breaks the safety rules; `str()` is a plain message."""


def _refusal(node: ast.AST) -> str | None:
    for node_type, why in FORBIDDEN_NODES.items():
        if isinstance(node, node_type):
            return why
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            return f"the name '{node.id}' starts with '_'"
        if node.id in FORBIDDEN_NAMES:
            return f"'{node.id}' is not allowed"
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            return f"the attribute '{node.attr}' starts with '_'"
        if node.attr in FORBIDDEN_ATTRIBUTES:
            return f"the attribute '{node.attr}' is not allowed"
    if isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
        return f"the keyword '{node.arg}' starts with '_'"
    if isinstance(node, (ast.Constant,)) and isinstance(node.value, str) and "__" in node.value:
        return "strings containing '__' are not allowed"
    return None


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str = "eval"):
    """Parse, check and compile an expression (mode 'eval') or script ('exec'); raise ExpressionError."""
    text = source.strip() if mode == "eval" else source
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg} in {source.strip()!r}") from None
    for node in ast.walk(tree):
        why = _refusal(node)
        if why:
            raise ExpressionError(f"unsafe expression {source.strip()!r}: {why}")
    return compile(tree, "<procedure>", mode)


def check(source: str, mode: str = "eval") -> str | None:
    """Return a plain message saying what is wrong with the expression, or None when it is fine."""
    try:
        compile_checked(source, mode)
    except ExpressionError as exc:
        return str(exc)
    return None


def safe_eval(source: str, scope: dict) -> object:
    return eval(compile_checked(source, "eval"), {**scope, "__builtins__": SAFE_BUILTINS})


# ---- Camunda Modeler syntax -----------------------------------------------------------------------

_ISO_DURATION = r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_ISO_DATETIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_ISO_TIMER = re.compile(
    rf"^(?:{_ISO_DURATION}|{_ISO_DATETIME}|R\d*/(?:{_ISO_DATETIME}/)?{_ISO_DURATION}|"
    rf"R\d*/{_ISO_DURATION}/{_ISO_DATETIME})$"
)
_JUEL = re.compile(r"^\s*\$\{(.*)\}\s*$", re.S)

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<op>==|!=|<=|>=|&&|\|\||<|>|!|\(|\))
  | (?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)
""", re.X)
_WORD_OPS = {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">",
             "le": "<=", "ge": ">=", "true": "True", "false": "False", "null": "None"}
_SYMBOL_OPS = {"&&": "and", "||": "or", "!": "not"}


def translate_timer(text: str) -> str:
    """Quote an ISO 8601 literal written without quotes (as Camunda Modeler saves it); keep Python as is."""
    stripped = text.strip()
    if _ISO_TIMER.match(stripped):
        return repr(stripped)
    if _JUEL.match(stripped):
        return translate_juel(stripped)
    return stripped


def translate_juel(text: str) -> str:
    """Translate a Camunda `${...}` condition into the Python subset, or raise ExpressionError."""
    match = _JUEL.match(text)
    if not match:
        return text.strip()
    body, out, pos = match.group(1), [], 0
    while pos < len(body):
        token = _TOKEN.match(body, pos)
        if not token:
            raise ExpressionError(f"cannot translate {text.strip()!r}: unexpected {body[pos:pos + 10]!r}")
        pos = token.end()
        kind, value = token.lastgroup, token.group()
        if kind == "ws":
            continue
        if kind == "op":
            if value == "(" and out and out[-1] not in _WORD_OPS.values() and _is_operand(out[-1]):
                raise ExpressionError(f"cannot translate {text.strip()!r}: calls are not part of the "
                                      "translatable subset; write the condition in Python instead")
            out.append(_SYMBOL_OPS.get(value, value))
        elif kind == "name":
            if value in _WORD_OPS:
                out.append(_WORD_OPS[value])
            elif "." in value:
                head, *rest = value.split(".")
                out.append(head + "".join(f"[{part!r}]" for part in rest))
            else:
                out.append(value)
        else:
            out.append(value)
    if not out:
        raise ExpressionError(f"cannot translate {text.strip()!r}: it is empty")
    python = " ".join(out).replace("( ", "(").replace(" )", ")")
    problem = check(python)
    if problem:
        raise ExpressionError(f"cannot translate {text.strip()!r}: {problem}")
    return python


def _is_operand(token: str) -> bool:
    return token[-1:].isalnum() or token[-1:] in ("_", "]", ")", "'", '"')


def translate_condition(text: str) -> str:
    """A gateway condition as Python: `${...}` translated, plain Python kept."""
    return translate_juel(text) if _JUEL.match(text) else text.strip()
