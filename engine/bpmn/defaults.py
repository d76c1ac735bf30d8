"""No consequential defaults: a form field whose value decides the case's path (a gateway condition or a
decision table input) starts empty, so the officer chooses; a default there would close or lighten a case by
not choosing. Each such default is a CONSEQUENTIAL_DEFAULT warning."""
from __future__ import annotations

import re
from typing import Any

from engine.bpmn.xml import NS
from engine.domain import Problem

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def deciding_variables(model: Any) -> set[str]:
    """Names read by the procedure's gateway conditions and decision table inputs."""
    names: set[str] = set()
    for decision in model.decision_tables.values():
        names |= set(decision.reads)
    for _file, root in model.bpmn:
        for condition in root.xpath("//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NS):
            names |= set(_NAME.findall(condition.text or ""))
    return names


def check_consequential_defaults(model: Any) -> None:
    deciding = deciding_variables(model)
    for element_id, fields in model.forms.items():
        info = model.elements.get(element_id)
        for f in fields:
            if f.default not in (None, "") and f.id in deciding and not f.readonly:
                model.problems.append(Problem(
                    message=f"form field '{f.id}' decides the case's path and has the default '{f.default}': "
                            "leave it empty so the officer chooses",
                    file=info.file if info else None, line=info.line if info else None, element_id=element_id,
                    rule="CONSEQUENTIAL_DEFAULT", severity="warning"))
