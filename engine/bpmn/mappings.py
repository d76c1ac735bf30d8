"""Camunda variable mappings, read and checked at deploy: `camunda:inputOutput` on tasks and embedded
subprocesses, `camunda:in`/`camunda:out` on call activities. Each value becomes a safe Python expression (or a
variable to copy); the worker runs them (engine.workflow.mappings)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine import expressions
from engine.bpmn.model import SourceModel
from engine.bpmn.xml import NS, local, owner_id

MAPPED_KINDS = frozenset({"userTask", "manualTask", "task", "scriptTask", "businessRuleTask", "subProcess"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Mappings:
    """An element's parameters, in document order: inputs are the element's own variables while it runs (they
    hide case variables of the same name and are gone after it); outputs set case variables when it ends."""

    inputs: tuple[tuple[str, str], ...] = ()
    outputs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CallMappings:
    """A call activity's camunda:in/out: (target, source variable or None, expression or None) each way;
    `variables="all"` copies every variable. With any mapping, only what is mapped crosses, as in Camunda."""

    ins: tuple[tuple[str, str | None, str | None], ...] = ()
    outs: tuple[tuple[str, str | None, str | None], ...] = ()
    in_all: bool = False
    out_all: bool = False


def _crossing(model: SourceModel, file: str, node: Any, owner: str) -> tuple[str, str | None, str | None] | None:
    what = f"camunda:{local(node.tag)}"
    if node.get("businessKey") is not None:
        model.problem(f"{what} businessKey: a case has no business key to pass; remove it", file, node,
                      element_id=owner, rule="MAPPING", severity="warning")
        return None
    target = node.get("target") or ""
    if not _IDENTIFIER.match(target) or target.startswith("_"):
        model.problem(f"{what}: target '{target}' must be a variable name", file, node, element_id=owner,
                      rule="MAPPING")
        return None
    source, expression = node.get("source"), node.get("sourceExpression")
    if source is not None:
        if not _IDENTIFIER.match(source):
            model.problem(f"{what}: source '{source}' must be a variable name", file, node, element_id=owner,
                          rule="MAPPING")
            return None
        return target, source, None
    try:
        python = expressions.translate_condition(expression or "")
    except expressions.ExpressionError as exc:
        model.problem(f"{what} sourceExpression: {exc}", file, node, element_id=owner, rule="EXPRESSION")
        return None
    problem = expressions.check(python) if python else "it needs source, sourceExpression or variables=\"all\""
    if problem:
        model.problem(f"{what} sourceExpression: {problem}", file, node, element_id=owner, rule="EXPRESSION")
        return None
    return target, None, python


def _call_mappings(model: SourceModel, file: str, call: Any) -> CallMappings | None:
    owner = call.get("id") or ""
    ins = call.xpath("./bpmn:extensionElements/camunda:in", namespaces=NS)
    outs = call.xpath("./bpmn:extensionElements/camunda:out", namespaces=NS)
    if not ins and not outs:
        return None
    mapped_in = [_crossing(model, file, n, owner) for n in ins if n.get("variables") != "all"]
    mapped_out = [_crossing(model, file, n, owner) for n in outs if n.get("variables") != "all"]
    return CallMappings(ins=tuple(m for m in mapped_in if m), outs=tuple(m for m in mapped_out if m),
                        in_all=any(n.get("variables") == "all" for n in ins),
                        out_all=any(n.get("variables") == "all" for n in outs))


def _parameter(model: SourceModel, file: str, node: Any, owner: str) -> tuple[str, str] | None:
    name = node.get("name") or ""
    if not _IDENTIFIER.match(name) or name.startswith("_"):
        model.problem(f"{local(node.tag)} '{name}': the name must be a variable name like 'served_on'", file, node,
                      element_id=owner, rule="MAPPING")
        return None
    if len(node):
        model.problem(f"{local(node.tag)} '{name}': only text or ${{...}} values are supported, not "
                      f"<{local(node[0].tag)}>; compute the value in a script task", file, node, element_id=owner,
                      rule="MAPPING")
        return None
    text = (node.text or "").strip()
    if not text.startswith(("${", "#{")):
        return name, repr(text) if text else "None"  # a literal: Camunda keeps it as text
    try:
        python = expressions.translate_condition(text)
    except expressions.ExpressionError as exc:
        model.problem(f"{local(node.tag)} '{name}': {exc}", file, node, element_id=owner, rule="EXPRESSION")
        return None
    problem = expressions.check(python)
    if problem:
        model.problem(f"{local(node.tag)} '{name}': {problem}", file, node, element_id=owner, rule="EXPRESSION")
        return None
    return name, python


def read_mappings(model: SourceModel, file: str, root: Any) -> dict[str, Mappings | CallMappings]:
    """Every element's camunda:inputOutput and call activity's camunda:in/out; kinds they cannot run on are
    refused by name."""
    found: dict[str, Mappings | CallMappings] = {}
    for call in root.xpath("//bpmn:callActivity", namespaces=NS):
        crossing = _call_mappings(model, file, call)
        if crossing is not None:
            found[call.get("id") or ""] = crossing
    for block in root.xpath("//bpmn:extensionElements/camunda:inputOutput", namespaces=NS):
        element = block.getparent().getparent()  # (a connector's own mapping goes with its service task)
        owner = element.get("id") or owner_id(block) or ""
        if local(element.tag) not in MAPPED_KINDS:
            model.problem(f"camunda:inputOutput on a <{local(element.tag)}> is not supported (only on tasks and "
                          "embedded subprocesses): the element sees all of the case's data; remove the mapping",
                          file, block, element_id=owner, rule="UNSUPPORTED")
            continue
        inputs = [_parameter(model, file, p, owner) for p in block.xpath("./camunda:inputParameter", namespaces=NS)]
        outputs = [_parameter(model, file, p, owner) for p in block.xpath("./camunda:outputParameter", namespaces=NS)]
        found[owner] = Mappings(tuple(i for i in inputs if i), tuple(o for o in outputs if o))
    return found
