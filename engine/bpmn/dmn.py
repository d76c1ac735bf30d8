"""DMN decision tables: every cell checked against the safe expression language at deploy, and the tables in
readable form for publication."""
from __future__ import annotations

from typing import Any, Mapping

from engine.bpmn import decisions
from engine.bpmn.model import SourceModel
from engine.bpmn.source import read_xml
from engine.bpmn.xml import namespace


def _ns(root: Any) -> dict[str, str]:
    return {"dmn": namespace(root) or ""}


def inspect_dmn(model: SourceModel, file: str, root: Any) -> None:
    """Record the file's decisions, read and checked by engine.bpmn.decisions (FEEL translated, hit policies,
    required decisions, output names); a decision id twice in one procedure is a problem."""
    found, problems = decisions.read_decisions(file, root)
    model.problems.extend(problems)
    for decision in found:
        if decision.id in model.decision_tables:
            model.problem(f"decision '{decision.id}' is also in {model.decision_tables[decision.id].file}", file,
                          root, element_id=decision.id, rule="DMN")
        model.decisions.add(decision.id)
        model.decision_tables[decision.id] = decision


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
