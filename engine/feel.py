"""FEEL as Camunda Modeler writes it in DMN tables, translated into the procedure language: unary tests
(input entries: `-`, `"a","b"`, `not(...)`, `< 10`, `[1..20]`, `(250..1000]`) and simple expressions
(input expressions and output entries: literals, names, paths, arithmetic, comparisons, `if then else`,
`date(...)`, `duration(...)`). Pure: it builds Python text and says precisely why it cannot."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from engine import juel

INPUT = "dmninputexpr"  # the name an input entry's Python reads the column's value by
_ISO_DURATION = re.compile(r"^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


class FeelError(ValueError):
    """Why a FEEL text cannot be translated."""


@dataclass(frozen=True)
class Translated:
    """Python text of a FEEL cell and the variables it reads (for the deploy's unknown-name check)."""

    python: str
    names: frozenset[str]


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<op>\.\.|<=|>=|!=|\*\*|[<>=()\[\],+\-*/.?])
  | (?P<name>date\s+and\s+time(?=\s*\()|[A-Za-z_][A-Za-z0-9_]*)
""", re.X)
_IF, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _NEG, _POW, _POSTFIX, _ATOM = range(1, 12)
_COMPARE = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_LITERALS = {"date": (date.fromisoformat, "a date like 2026-03-31"),
             "time": (time.fromisoformat, "a time like 09:30:00"),
             "date and time": (datetime.fromisoformat, "a date and time like 2026-03-31T09:30:00"),
             "duration": (lambda text: _duration(text), "a duration like P7D or PT36H")}


def _duration(text: str) -> str:
    if not _ISO_DURATION.match(text):
        raise ValueError(text)
    return text


@dataclass(frozen=True)
class _Py:
    text: str
    prec: int
    kind: str = "value"  # "literal" for constants (an equality test can use them as they are)

    def at(self, prec: int) -> str:
        return self.text if self.prec >= prec else f"({self.text})"


class _Parser:
    def __init__(self, text: str, question: str | None):
        self.text, self.question = text, question
        self.names: set[str] = set()
        self.uses_input = False
        self.input_variable: str | None = None
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match:
                raise FeelError(f"unexpected {text[pos:pos + 10]!r}"
                                + (" (FEEL strings use double quotes)" if text[pos] == "'" else ""))
            pos = match.end()
            if match.lastgroup != "ws":
                value = match.group()
                self.tokens.append((match.lastgroup or "", re.sub(r"\s+", " ", value)))
        self.pos = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        at = self.pos + ahead
        return self.tokens[at] if at < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            raise FeelError(f"expected {value!r} but found " + (repr(token[1]) if token[0] != "end" else "the end"))
        if token[0] == "end":
            raise FeelError("it ends too early")
        self.pos += 1
        return token

    def at_op(self, *values: str) -> bool:
        kind, value = self.peek()
        return kind == "op" and value in values

    def at_word(self, *values: str) -> bool:
        kind, value = self.peek()
        return kind == "name" and value in values

    # -- expressions --
    def expression(self) -> _Py:
        if self.at_word("if"):
            self.take()
            condition = self.expression()
            self.expect_word("then")
            then = self.expression()
            self.expect_word("else")
            otherwise = self.expression()
            return _Py(f"{then.at(_OR)} if {condition.at(_OR)} else {otherwise.at(_IF)}", _IF)
        return self.disjunction()

    def expect_word(self, word: str) -> None:
        if not self.at_word(word):
            raise FeelError(f"expected '{word}'")
        self.take()

    def disjunction(self) -> _Py:
        left = self.conjunction()
        while self.at_word("or"):
            self.take()
            left = _Py(f"{left.at(_OR)} or {self.conjunction().at(_OR + 1)}", _OR)
        return left

    def conjunction(self) -> _Py:
        left = self.comparison()
        while self.at_word("and"):
            self.take()
            left = _Py(f"{left.at(_AND)} and {self.comparison().at(_AND + 1)}", _AND)
        return left

    def comparison(self) -> _Py:
        left = self.additive()
        if self.at_op(*_COMPARE):
            operator = _COMPARE[self.take()[1]]
            right = self.additive()
            return _Py(f"{left.at(_CMP + 1)} {operator} {right.at(_CMP + 1)}", _CMP)
        return left

    def additive(self) -> _Py:
        left = self.multiplicative()
        while self.at_op("+", "-"):
            operator = self.take()[1]
            left = _Py(f"{left.at(_ADD)} {operator} {self.multiplicative().at(_ADD + 1)}", _ADD)
        return left

    def multiplicative(self) -> _Py:
        left = self.power()
        while self.at_op("*", "/"):
            operator = self.take()[1]
            left = _Py(f"{left.at(_MUL)} {operator} {self.power().at(_MUL + 1)}", _MUL)
        return left

    def power(self) -> _Py:
        base = self.unary()
        if self.at_op("**"):
            self.take()
            return _Py(f"{base.at(_POW + 1)} ** {self.power().at(_NEG)}", _POW)
        return base

    def unary(self) -> _Py:
        if self.at_op("-"):
            self.take()
            operand = self.unary()
            return _Py(f"-{operand.at(_NEG)}", _NEG, operand.kind)
        return self.postfix()

    def postfix(self) -> _Py:
        value = self.primary()
        while self.at_op("."):
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise FeelError(f"expected a name after '.', found {name!r}")
            value = _Py(f"{value.at(_POSTFIX)}[{name!r}]", _POSTFIX)
        return value

    def primary(self) -> _Py:
        kind, value = self.take()
        if kind == "number":
            return _Py(value if not value.startswith(".") else "0" + value, _ATOM, "literal")
        if kind == "string":
            return _Py(repr(_unescape(value)), _ATOM, "literal")
        if kind == "op" and value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "op" and value == "?":
            if self.question is None:
                raise FeelError("'?' (the input value) only stands in an input entry")
            self.uses_input = True
            return _Py(self.question, _ATOM)
        if kind != "name":
            raise FeelError(f"unexpected {value!r}")
        if value in ("true", "false", "null"):
            return _Py({"true": "True", "false": "False", "null": "None"}[value], _ATOM, "literal")
        if self.at_op("("):
            return self.call(value)
        if value in ("and", "or", "then", "else", "if", "not", "in", "between", "instance", "for", "some",
                     "every", "function"):
            raise FeelError(f"'{value}' is not part of the FEEL this table language translates")
        if value == self.input_variable:
            self.uses_input = True
            return _Py(INPUT, _ATOM)
        self.names.add(value)
        return _Py(juel.variable(value), _POSTFIX)

    def call(self, function: str) -> _Py:
        if function not in _LITERALS:
            raise FeelError(f"the function {function}() is not supported; only date(), time(), date and time() "
                            "and duration() literals are")
        self.take("(")
        kind, text = self.take()
        self.take(")")
        parse, shape = _LITERALS[function]
        if kind != "string":
            raise FeelError(f"{function}() takes a string literal, like {function}(\"...\")")
        try:
            parse(_unescape(text))
        except ValueError:
            raise FeelError(f"{function}({text}) is not {shape}") from None
        # dates, times and durations are ISO 8601 strings in a case's data: compare them as such
        return _Py(repr(_unescape(text)), _ATOM, "duration" if function == "duration" else "literal")

    def done(self) -> bool:
        return self.pos == len(self.tokens)

    def finish(self) -> None:
        if not self.done():
            raise FeelError(f"unexpected {self.peek()[1]!r} after a complete expression")

    # -- unary tests --
    def tests(self) -> str:
        if self.at_word("not") and self.peek(1) == ("op", "("):
            self.take()
            self.take("(")
            inner = self.positive_list()
            self.take(")")
            self.finish()
            return f"not ({inner})"
        inner = self.positive_list()
        self.finish()
        return inner

    def positive_list(self) -> str:
        tests = [self.positive()]
        while self.at_op(","):
            self.take()
            tests.append(self.positive())
        return " or ".join(f"({t})" if len(tests) > 1 else t for t in tests)

    def positive(self) -> str:
        v = self.question or INPUT
        if self.at_op("<", "<=", ">", ">="):
            operator = self.take()[1]
            endpoint = self.endpoint()
            return f"{v} is not None and {v} {operator} {endpoint.at(_CMP + 1)}"
        if self.at_op("[", "(", "]") and self._is_interval():
            opening = self.take()[1]
            low = self.endpoint()
            self.take("..")
            high = self.endpoint()
            closing = self.take()[1]
            if closing not in ("]", ")", "["):
                raise FeelError(f"an interval ends with ']', ')' or '[', not {closing!r}")
            left = "<=" if opening == "[" else "<"
            right = "<=" if closing == "]" else "<"
            return f"{v} is not None and {low.at(_CMP + 1)} {left} {v} {right} {high.at(_CMP + 1)}"
        self.uses_input = False
        value = self.expression()
        if self.uses_input:
            return value.text  # a boolean test on the input value itself: `? > 5`, `cellInput != "x"`
        if value.kind == "duration":
            return f"{v} == {value.text}"
        return f"{v} == {value.at(_CMP + 1)}"

    def endpoint(self) -> _Py:
        value = self.additive()
        if value.kind == "duration":
            raise FeelError("comparing durations is not supported; compare a number of days instead")
        return value

    def _is_interval(self) -> bool:
        depth = 0
        for kind, value in self.tokens[self.pos + 1:]:
            if kind == "op" and value in ("(", "["):
                depth += 1
            elif kind == "op" and value in (")", "]"):
                if depth == 0:
                    return False
                depth -= 1
            elif kind == "op" and value == ".." and depth == 0:
                return True
            elif kind == "op" and value == "," and depth == 0:
                return False
        return False


def _unescape(token: str) -> str:
    body = token[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'"}
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 5 else escapes.get(m.group(1),
                                                                                                  m.group(1)), body)


def unary_tests(text: str, input_variable: str | None = None) -> Translated | None:
    """An input entry as a Python test of the column's value (read as `dmninputexpr`, and by the column's
    `camunda:inputVariable`, default `cellInput`); None for `-` or an empty cell (any value)."""
    stripped = text.strip()
    if stripped in ("", "-"):
        return None
    parser = _Parser(stripped, INPUT)
    parser.input_variable = input_variable or "cellInput"
    python = parser.tests()
    return Translated(python, frozenset(parser.names))


def expression(text: str) -> Translated:
    """A FEEL expression (input expression or output entry) as Python."""
    stripped = text.strip()
    if not stripped:
        raise FeelError("it is empty")
    parser = _Parser(stripped, None)
    value = parser.expression()
    parser.finish()
    return Translated(value.text, frozenset(parser.names))


def literals(text: str) -> list[Any]:
    """A comma list of FEEL literals (a column's outputValues) as Python values."""
    parser = _Parser(text.strip(), None)
    values = []
    while True:
        value = parser.unary()
        if value.kind not in ("literal", "duration"):
            raise FeelError(f"{value.text} is not a literal")
        values.append(ast.literal_eval(value.text))
        if parser.done():
            return values
        parser.take(",")
