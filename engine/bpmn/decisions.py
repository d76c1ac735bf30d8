"""DMN decisions as Camunda Modeler writes them, read into plain tables whose cells are Python of the procedure
language: FEEL cells translated (engine.feel), Dueflow's older Python cells kept, anything else refused
with the file, line, decision, rule and column. Several decisions per file and requirement graphs
(requiredDecision) are read and checked here; engine.workflow.dmn evaluates them in the sandbox."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from engine import expressions, feel
from engine.domain import Problem

HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
CAMUNDA_NS = "http://camunda.org/schema/1.0/dmn"
# Functions the sandbox registers for procedure code (engine.calendar.BPMN_HELPERS; a test keeps them equal):
# an output cell may call them without making them inputs.
HELPER_NAMES = ("working_days_after", "calendar_days_after")


@dataclass(frozen=True)
class InputColumn:
    id: str
    label: str
    expression: str  # Python


@dataclass(frozen=True)
class OutputColumn:
    id: str
    name: str
    label: str
    priorities: tuple[Any, ...] = ()  # outputValues, highest priority first (PRIORITY, OUTPUT ORDER)


@dataclass(frozen=True)
class Rule:
    id: str
    tests: tuple[str | None, ...]  # Python over `dmninputexpr`; None matches anything
    outputs: tuple[str | None, ...]  # Python; None gives null


@dataclass
class Decision:
    id: str
    name: str
    file: str
    line: int | None
    hit_policy: str = "UNIQUE"
    aggregation: str | None = None
    inputs: list[InputColumn] = field(default_factory=list)
    outputs: list[OutputColumn] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)  # variables the input expressions read
    # per output entry: where, its text, line, the names it reads, and why it is not FEEL (a Python cell)
    output_reads: list[tuple[str, str, int | None, frozenset[str], str | None]] = field(default_factory=list)

    @property
    def single_result(self) -> bool:
        """Whether the hit policy gives at most one row (else a list of rows, unless aggregated)."""
        return self.hit_policy in ("UNIQUE", "FIRST", "PRIORITY", "ANY") or self.aggregation is not None


class _Reader:
    def __init__(self, file: str, root):
        self.file, self.root = file, root
        self.ns = {"dmn": etree.QName(root).namespace}
        self.problems: list[Problem] = []
        self.language = (root.get("expressionLanguage") or "").lower()
        self.feel_error: str | None = None

    def problem(self, decision: str, where: str, message: str, node) -> None:
        self.problems.append(Problem(message=f"decision '{decision}'{where}: {message}", file=self.file,
                                     line=getattr(node, "sourceline", None), element_id=decision,
                                     rule="DMN"))

    def read(self) -> list[Decision]:
        decisions = []
        for node in self.root.findall("dmn:decision", self.ns):
            decision = Decision(id=node.get("id") or "", name=node.get("name") or node.get("id") or "",
                                file=self.file, line=node.sourceline)
            decision.required = [(ref.get("href") or "").lstrip("#") for ref in
                                 node.findall("dmn:informationRequirement/dmn:requiredDecision", self.ns)]
            table = node.find("dmn:decisionTable", self.ns)
            if table is None:
                kind = next((etree.QName(c).localname for c in node if isinstance(c.tag, str)
                             and etree.QName(c).localname not in ("description", "informationRequirement",
                                                                  "authorityRequirement", "extensionElements",
                                                                  "knowledgeRequirement", "variable", "question",
                                                                  "allowedAnswers")), None)
                self.problem(decision.id, "", f"only decision tables are supported, not "
                             f"{'a ' + kind if kind else 'an empty decision'}", node)
                continue
            self.read_table(decision, table)
            decisions.append(decision)
        return decisions

    def read_table(self, decision: Decision, table) -> None:
        policy = (table.get("hitPolicy") or "UNIQUE").upper().replace("_", " ")
        if policy not in HIT_POLICIES:
            self.problem(decision.id, "", f"hit policy '{policy}' is not one of {', '.join(HIT_POLICIES)}", table)
        decision.hit_policy = policy
        aggregation = table.get("aggregation")
        if aggregation:
            aggregation = aggregation.upper()
            if policy != "COLLECT" or aggregation not in AGGREGATIONS:
                self.problem(decision.id, "", f"aggregation '{aggregation}' needs hit policy COLLECT and one of "
                             f"{', '.join(AGGREGATIONS)}", table)
            decision.aggregation = aggregation
        variables = []
        for column in table.findall("dmn:input", self.ns):
            label = column.get("label") or column.get("id") or ""
            expression = column.find("dmn:inputExpression", self.ns)
            text = (expression.findtext("dmn:text", namespaces=self.ns) if expression is not None else None) or ""
            where = f", input '{label}'"
            python, names = self.cell(decision.id, where, text, expression if expression is not None else column,
                                      self.language_of(expression), "expression")
            decision.reads |= names
            variable = column.get(f"{{{CAMUNDA_NS}}}inputVariable") or "cellInput"
            decision.reads.add(variable)
            variables.append(variable)
            decision.inputs.append(InputColumn(id=column.get("id") or "", label=label, expression=python or "None"))
        for column in table.findall("dmn:output", self.ns):
            name = column.get("name") or column.get("id") or ""
            decision.outputs.append(OutputColumn(id=column.get("id") or "", name=name,
                                                 label=column.get("label") or name,
                                                 priorities=self.priorities(decision, column)))
        if decision.aggregation and len(decision.outputs) != 1:
            self.problem(decision.id, "", f"aggregation {decision.aggregation} needs exactly one output column, "
                         f"not {len(decision.outputs)}", table)
        if policy in ("PRIORITY", "OUTPUT ORDER") and not any(o.priorities for o in decision.outputs):
            self.problem(decision.id, "", f"hit policy {policy} ranks rules by their outputs' values: list them "
                         "in order in an output's outputValues", table)
        for rule in table.findall("dmn:rule", self.ns):
            self.read_rule(decision, rule, variables)

    def read_rule(self, decision: Decision, rule, variables: list[str]) -> None:
        rule_id = rule.get("id") or ""
        entries = rule.findall("dmn:inputEntry", self.ns)
        results = rule.findall("dmn:outputEntry", self.ns)
        if len(entries) != len(decision.inputs) or len(results) != len(decision.outputs):
            self.problem(decision.id, f", rule '{rule_id}'", f"has {len(entries)} input and {len(results)} output "
                         f"entries for {len(decision.inputs)} inputs and {len(decision.outputs)} outputs", rule)
            return
        tests: list[str | None] = []
        for column, variable, entry in zip(decision.inputs, variables, entries):
            text = (entry.findtext("dmn:text", namespaces=self.ns) or "").strip()
            where = f", rule '{rule_id}', input '{column.label}'"
            tests.append(self.test(decision.id, where, text, entry, variable))
        outputs: list[str | None] = []
        for output, entry in zip(decision.outputs, results):
            text = (entry.findtext("dmn:text", namespaces=self.ns) or "").strip()
            where = f", rule '{rule_id}', output '{output.name}'"
            if not text:
                outputs.append(None)
                continue
            python, names = self.cell(decision.id, where, text, entry, self.language_of(entry), "output entry")
            outputs.append(python)
            decision.output_reads.append((where, text, entry.sourceline, names, self.feel_error))
        decision.rules.append(Rule(id=rule_id, tests=tuple(tests), outputs=tuple(outputs)))

    def language_of(self, node) -> str:
        own = (node.get("expressionLanguage") or "").lower() if node is not None else ""
        return own or self.language

    def cell(self, decision: str, where: str, text: str, node, language: str, what: str
             ) -> tuple[str | None, frozenset[str]]:
        """An expression cell: FEEL (the DMN default), else a Python cell of Dueflow's older tables."""
        if not text.strip():
            self.problem(decision, where, f"the {what} is empty", node)
            return None, frozenset()
        if text.strip().startswith(("${", "#{")) or "juel" in language:
            try:
                python = expressions.translate_juel(text)
            except expressions.ExpressionError as exc:
                self.problem(decision, where, str(exc), node)
                return None, frozenset()
            return python, _python_names(python)
        self.feel_error = None
        if "python" not in language:
            try:
                translated = feel.expression(text)
                return self.checked(decision, where, translated.python, node), translated.names
            except feel.FeelError as exc:
                self.feel_error = str(exc)
        return self.python_cell(decision, where, text.strip(), node, self.feel_error), _python_names(text)

    def test(self, decision: str, where: str, text: str, node, variable: str) -> str | None:
        language = self.language_of(node)
        if text in ("", "-"):
            return None
        feel_error = None
        if "python" not in language:
            try:
                translated = feel.unary_tests(text, variable)
                return self.checked(decision, where, translated.python if translated else "True", node)
            except feel.FeelError as exc:
                feel_error = str(exc)
        # Dueflow's older Python cells: `?` stands for the input, else an operator or a value to compare with
        if "?" in text:
            python = text.replace("?", feel.INPUT)
        elif expressions.check(text) is None:
            python = f"{feel.INPUT} == ({text})"
        else:
            python = f"{feel.INPUT} {text}"
        return self.python_cell(decision, where, python, node, feel_error, shown=text)

    def python_cell(self, decision: str, where: str, python: str, node, feel_error: str | None,
                    shown: str | None = None) -> str | None:
        """A cell that was not FEEL, as Python: refused with why it is not FEEL, or why it is unsafe."""
        problem = expressions.check(python)
        if problem is None:
            return python
        if feel_error is None or problem.startswith("unsafe"):
            self.problem(decision, where, problem, node)
        else:
            self.problem(decision, where, f"cannot translate {shown or python!r}: {feel_error} (read as FEEL; "
                         "nor is it a Python cell)", node)
        return None

    def checked(self, decision: str, where: str, python: str, node) -> str | None:
        problem = expressions.check(python)
        if problem:
            self.problem(decision, where, problem, node)
            return None
        return python

    def priorities(self, decision: Decision, column) -> tuple[Any, ...]:
        text = column.findtext("dmn:outputValues/dmn:text", namespaces=self.ns)
        if not text or not text.strip():
            return ()
        try:
            literals = feel.literals(text)
        except feel.FeelError as exc:
            self.problem(decision.id, f", output '{column.get('name')}'", f"outputValues '{text.strip()}' must be "
                         f"a list of literals, like \"high\",\"medium\",\"low\": {exc}", column)
            return ()
        return tuple(literals)


def _python_names(python: str) -> frozenset[str]:
    try:
        tree = ast.parse(python.strip(), mode="eval")
    except SyntaxError:
        return frozenset()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(expressions.SAFE_BUILTINS)
    if "execution" in names:
        names.discard("execution")
        names |= {n.slice.value for n in ast.walk(tree) if isinstance(n, ast.Subscript)
                  and isinstance(n.value, ast.Name) and n.value.id == "execution"
                  and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str)}
    return frozenset(names)


def read_decisions(file: str, root) -> tuple[list[Decision], list[Problem]]:
    """Every decision of one DMN file, with the problems found in it."""
    reader = _Reader(file, root)
    return reader.read(), reader.problems


def check_graph(decisions: dict[str, Decision]) -> list[Problem]:
    """Across every DMN file of a deploy: required decisions exist and form no cycle, and every output
    entry reads only what its decision knows (its inputs' variables and its required decisions' outputs)."""
    problems = []

    def problem(decision: Decision, message: str, line: int | None = None) -> None:
        problems.append(Problem(message=f"decision '{decision.id}'{message}", file=decision.file,
                                line=line or decision.line, element_id=decision.id, rule="DMN"))

    for decision in decisions.values():
        for ref in decision.required:
            if ref not in decisions:
                problem(decision, f": it requires decision '{ref}', which is in no DMN file of this procedure")
        if _cycle(decisions, decision.id):
            problem(decision, ": its required decisions lead back to it")
        known = set(decision.reads)
        for ref in decision.required:
            if ref in decisions:
                known |= {o.name for o in decisions[ref].outputs}
        for where, text, line, names, feel_error in decision.output_reads:
            unknown = sorted(names - known - set(HELPER_NAMES))
            if unknown:
                hint = (f" (a string is written in double quotes: \"{text}\")" if text.isidentifier() else
                        f" (read as FEEL: {feel_error})" if feel_error else "")
                problem(decision, f"{where}: '{text}' reads {', '.join(repr(n) for n in unknown)}, which is none "
                        f"of this decision's inputs ({', '.join(sorted(known)) or 'none'}){hint}", line)
    return problems


def _cycle(decisions: dict[str, Decision], start: str) -> bool:
    seen: set[str] = set()
    stack = list(decisions[start].required)
    while stack:
        ref = stack.pop()
        if ref == start:
            return True
        if ref in seen or ref not in decisions:
            continue
        seen.add(ref)
        stack.extend(decisions[ref].required)
    return False
