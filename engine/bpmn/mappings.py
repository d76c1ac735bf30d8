"""Camunda input/output mappings (`camunda:inputOutput`) on tasks and embedded subprocesses, read and checked
at deploy: each parameter becomes (variable, safe Python expression); the worker runs them (engine.workflow)."""
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


def read_mappings(model: SourceModel, file: str, root: Any) -> dict[str, Mappings]:
    """Every element's camunda:inputOutput; kinds it cannot run on are refused by name."""
    found: dict[str, Mappings] = {}
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
