"""DMN decision tables: every cell checked against the safe expression language at deploy, and the tables in
readable form for publication."""
from __future__ import annotations

from typing import Any, Mapping

from engine import expressions
from engine.bpmn.model import SourceModel
from engine.bpmn.source import read_xml
from engine.bpmn.xml import namespace


def _ns(root: Any) -> dict[str, str]:
    return {"dmn": namespace(root) or ""}


def inspect_dmn(model: SourceModel, file: str, root: Any) -> None:
    """Record the file's decisions and check its input expressions and cells."""
    ns = _ns(root)
    for decision in root.xpath(".//dmn:decision", namespaces=ns):
        model.decisions.add(decision.get("id"))
        table = decision.find("dmn:decisionTable", ns)
        if table is None:
            model.problem("decision has no decision table", file, decision)
            continue
        inputs = [(i.findtext("dmn:inputExpression/dmn:text", namespaces=ns) or "").strip()
                  for i in table.findall("dmn:input", ns)]
        for node, text in zip(table.findall("dmn:input", ns), inputs):
            _check(model, file, node, decision.get("id"), text or "None", "input expression")
        for rule in table.findall("dmn:rule", ns):
            for input_text, entry in zip(inputs, rule.findall("dmn:inputEntry", ns)):
                cell = (entry.findtext("dmn:text", namespaces=ns) or "").strip()
                if cell and cell != "-":
                    _check(model, file, entry, decision.get("id"), _match(input_text, cell), "input entry")
            for entry in rule.findall("dmn:outputEntry", ns):
                cell = (entry.findtext("dmn:text", namespaces=ns) or "").strip()
                if cell:
                    _check(model, file, entry, decision.get("id"), cell, "output entry")


def _match(input_expr: str, cell: str) -> str:
    """Build the expression SpiffWorkflow will evaluate for an input cell (equality unless it has an operator)."""
    if "?" in cell:
        return cell.replace("?", "(dmninputexpr)")
    return f"({input_expr}) == ({cell})" if expressions.check(cell) is None else f"({input_expr}) {cell}"


def _check(model: SourceModel, file: str, node: Any, decision_id: str, text: str, what: str) -> None:
    problem = expressions.check(text)
    if problem:
        cell_id = node.get("id")
        model.problem(f"DMN {what} {cell_id or ''}: {problem} (DMN cells are Python here, not FEEL)", file, node,
                      element_id=decision_id, rule="EXPRESSION")


def discretion_tables(files: Mapping[str, bytes]) -> list[dict]:
    """The DMN decision tables of a procedure in readable form, for publication (PL 34: benchmarks are public)."""
    tables = []
    for file, root in read_xml(files).dmn:
        ns = _ns(root)
        for decision in root.xpath(".//dmn:decision", namespaces=ns):
            table = decision.find("dmn:decisionTable", ns)
            if table is None:
                continue
            text = lambda node: (node.findtext("dmn:text", namespaces=ns) or "").strip() or "-"  # noqa: E731
            tables.append({
                "file": file, "decision": decision.get("id"), "name": decision.get("name") or decision.get("id"),
                "hit_policy": table.get("hitPolicy", "UNIQUE"),
                "inputs": [i.get("label") or (i.findtext("dmn:inputExpression/dmn:text", namespaces=ns) or "")
                           for i in table.findall("dmn:input", ns)],
                "outputs": [o.get("label") or o.get("name") for o in table.findall("dmn:output", ns)],
                "rules": [{"when": [text(e) for e in rule.findall("dmn:inputEntry", ns)],
                           "then": [text(e) for e in rule.findall("dmn:outputEntry", ns)],
                           "note": (rule.findtext("dmn:description", namespaces=ns) or "").strip()}
                          for rule in table.findall("dmn:rule", ns)],
            })
    return tables
