"""Camunda's JUEL (`${...}` and `#{...}`) translated into the procedure language: a small parser that
builds the Python text, or says exactly why an expression has no safe equivalent. Pure: no checking of
the result (engine.expressions does that), no evaluation."""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

# A variable the Python subset cannot name (a keyword, a refused builtin, a leading '_') is read from the
# case's data by its name: the script environment gives every expression `execution`, a copy of the data.
DATA = "execution"
_UNNAMEABLE = frozenset({
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars",
    "breakpoint", "memoryview", "object", "super", "classmethod", "staticmethod", "exit", "quit", "type",
    "help", "input", "print", "id", "dir", "iter", "next", "aiter", "anext", "property", "bytearray", "bytes",
    "True", "False", "None", DATA,
})


class JuelError(ValueError):
    """Why a JUEL expression cannot be translated."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,?:+\-*/%])
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
""", re.X)
_WORDS = {"and": "&&", "or": "||", "not": "!", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
          "ge": ">=", "div": "/", "mod": "%"}
# Python precedence of what we emit: higher binds tighter.
_IF, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _NEG, _POSTFIX, _ATOM = range(1, 11)
_BINARY = {"||": (_OR, "or"), "&&": (_AND, "and"), "==": (_CMP, "=="), "!=": (_CMP, "!="), "<": (_CMP, "<"),
           ">": (_CMP, ">"), "<=": (_CMP, "<="), ">=": (_CMP, ">="), "+": (_ADD, "+"), "-": (_ADD, "-"),
           "*": (_MUL, "*"), "/": (_MUL, "/"), "%": (_MUL, "%")}
_LEVELS = [["||"], ["&&"], ["==", "!="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]]


@dataclass(frozen=True)
class _Py:
    text: str
    prec: int

    def at(self, prec: int) -> str:
        """The text, parenthesised when it binds looser than `prec` asks."""
        return self.text if self.prec >= prec else f"({self.text})"


def variable(name: str) -> str:
    """How Python reads the case variable `name`."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _UNNAMEABLE or name.startswith("_") \
            or not name.isidentifier() or "$" in name:
        return f"{DATA}[{name!r}]"
    return name


def _string(token: str) -> str:
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


class _Parser:
    def __init__(self, body: str):
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(body):
            match = _TOKEN.match(body, pos)
            if not match:
                raise JuelError(f"unexpected {body[pos:pos + 10]!r}")
            pos = match.end()
            kind, value = match.lastgroup or "", match.group()
            if kind == "ws":
                continue
            if kind == "name" and value in _WORDS:
                kind, value = "op", _WORDS[value]
            self.tokens.append((kind, value))
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            found = repr(token[1]) if token[0] != "end" else "the end"
            raise JuelError(f"expected {value!r} but found {found}")
        if token[0] == "end":
            raise JuelError("it ends too early")
        self.pos += 1
        return token

    def expression(self) -> _Py:
        condition = self.binary(0)
        if self.peek() == ("op", "?"):
            self.take("?")
            then = self.expression()
            self.take(":")
            otherwise = self.expression()
            return _Py(f"{then.at(_OR)} if {condition.at(_OR)} else {otherwise.at(_IF)}", _IF)
        return condition

    def binary(self, level: int) -> _Py:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in _LEVELS[level]:
            prec, python = _BINARY[self.take()[1]]
            right = self.binary(level + 1)
            # comparisons do not chain in JUEL, and every operator is left-associative
            left = _Py(f"{left.at(prec + (prec == _CMP))} {python} {right.at(prec + 1)}", prec)
        return left

    def unary(self) -> _Py:
        kind, value = self.peek()
        if (kind, value) == ("op", "!"):
            self.take()
            return _Py(f"not {self.unary().at(_NOT)}", _NOT)
        if (kind, value) == ("op", "-"):
            self.take()
            return _Py(f"-{self.unary().at(_NEG)}", _NEG)
        if (kind, value) == ("name", "empty"):
            self.take()
            operand = self.unary().at(_POSTFIX)
            return _Py(f"{operand} is None or {operand} == '' or {operand} == [] or {operand} == {{}}", _OR)
        return self.postfix()

    def postfix(self) -> _Py:
        value = self.primary()
        while True:
            kind, token = self.peek()
            if token == "." and kind == "op":
                self.take()
                name_kind, name = self.take()
                if name_kind != "name":
                    raise JuelError(f"expected a property name after '.', found {name!r}")
                if self.peek() == ("op", "("):
                    value = self.method(value, name, self.arguments())
                else:
                    value = _Py(f"{value.at(_POSTFIX)}[{name!r}]", _POSTFIX)
            elif token == "[" and kind == "op":
                self.take()
                index = self.expression()
                self.take("]")
                value = _Py(f"{value.at(_POSTFIX)}[{index.text}]", _POSTFIX)
            elif token == "(" and kind == "op":
                raise JuelError("calling a function is not part of the translatable subset; write the "
                                "condition in Python instead")
            else:
                return value

    def arguments(self) -> list[_Py]:
        self.take("(")
        args: list[_Py] = []
        while self.peek() != ("op", ")"):
            args.append(self.expression())
            if self.peek() != ("op", ")"):
                self.take(",")
        self.take(")")
        return args

    def method(self, receiver: _Py, name: str, args: list[_Py]) -> _Py:
        if receiver.text == DATA:  # Camunda's execution object
            if name == "getVariable" and len(args) == 1:
                return _Py(f"{DATA}.get({args[0].text})", _POSTFIX)
            if name == "hasVariable" and len(args) == 1:
                return _Py(f"{args[0].at(_CMP + 1)} in {DATA}", _CMP)
            raise JuelError(f"execution.{name}() has no safe equivalent here; read variables with "
                            "execution.getVariable(\"name\")")
        r = receiver.at(_POSTFIX)
        table = {
            ("equals", 1): lambda a: _Py(f"{receiver.at(_CMP + 1)} == {a[0].at(_CMP + 1)}", _CMP),
            ("equalsIgnoreCase", 1): lambda a: _Py(f"{r}.lower() == {a[0].at(_POSTFIX)}.lower()", _CMP),
            ("isEmpty", 0): lambda a: _Py(f"len({receiver.text}) == 0", _CMP),
            ("size", 0): lambda a: _Py(f"len({receiver.text})", _ATOM),
            ("length", 0): lambda a: _Py(f"len({receiver.text})", _ATOM),
            ("contains", 1): lambda a: _Py(f"{a[0].at(_CMP + 1)} in {receiver.at(_CMP + 1)}", _CMP),
            ("containsKey", 1): lambda a: _Py(f"{a[0].at(_CMP + 1)} in {receiver.at(_CMP + 1)}", _CMP),
            ("startsWith", 1): lambda a: _Py(f"{r}.startswith({a[0].text})", _POSTFIX),
            ("endsWith", 1): lambda a: _Py(f"{r}.endswith({a[0].text})", _POSTFIX),
            ("toLowerCase", 0): lambda a: _Py(f"{r}.lower()", _POSTFIX),
            ("toUpperCase", 0): lambda a: _Py(f"{r}.upper()", _POSTFIX),
            ("trim", 0): lambda a: _Py(f"{r}.strip()", _POSTFIX),
            ("toString", 0): lambda a: _Py(f"str({receiver.text})", _ATOM),
        }
        translate = table.get((name, len(args)))
        if translate is None:
            known = ", ".join(sorted({f".{m}()" for m, _ in table}))
            raise JuelError(f"the method .{name}() with {len(args)} argument(s) has no safe equivalent (these "
                            f"do: {known}); write the condition in Python instead")
        return translate(args)

    def primary(self) -> _Py:
        kind, value = self.take()
        if kind == "string":
            return _Py(repr(_string(value)), _ATOM)
        if kind == "number":
            return _Py(value, _ATOM)
        if kind == "name":
            literal = {"true": "True", "false": "False", "null": "None"}.get(value)
            if literal:
                return _Py(literal, _ATOM)
            if value == "execution" and self.peek() == ("op", "."):
                return _Py(DATA, _ATOM)
            if self.peek() == ("op", ":") and self.tokens[self.pos + 1:self.pos + 3][1:] == [("op", "(")]:
                raise JuelError(f"the function prefix '{value}:' is not part of the translatable subset")
            return _Py(variable(value), _POSTFIX if "[" in variable(value) else _ATOM)
        if value == "(":
            inner = self.expression()
            self.take(")")
            return _Py(inner.text, inner.prec)
        if value == "[":
            raise JuelError("list literals are not part of JUEL")
        raise JuelError(f"unexpected {value!r}")


def translate(body: str) -> str:
    """The Python text of a JUEL expression body (what stands between `${` and `}`); raise JuelError."""
    if not body.strip():
        raise JuelError("it is empty")
    parser = _Parser(body)
    result = parser.expression()
    if parser.pos != len(parser.tokens):
        raise JuelError(f"unexpected {parser.peek()[1]!r} after a complete expression")
    return result.text
