"""Parsing procedures: XML and XSD problems with their lines, Dueflow's own checks and translations
(engine.procedure_source), then SpiffWorkflow's CamundaParser on the translated trees."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import procedure_source
from engine.domain import ProcedureInvalidError, Problem
from engine.forms import FormField
from engine.procedure_source import ElementInfo, SourceModel
from engine.workflow.dmn import DueflowParser


@dataclass
class Procedure:
    """A parsed, checked procedure version: the executable spec plus forms, lanes, stages and messages."""

    key: str
    name: str
    sha256: str
    spec: Any
    subprocess_specs: dict
    source: SourceModel
    files: dict[str, bytes] = field(default_factory=dict)  # the sources, for the sandbox processes

    @property
    def elements(self) -> dict[str, ElementInfo]:
        return self.source.elements

    def form(self, element_id: str) -> list[FormField]:
        return self.source.forms.get(element_id, [])


def sources_sha256(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _schema(path: str) -> etree.XMLSchema | None:
    try:
        return etree.XMLSchema(etree.parse(path))
    except etree.XMLSchemaParseError:  # SpiffWorkflow's DMN 1.2 schema does not load: such files go unvalidated
        return None


def load_schemas() -> None:
    """Read every schema a deploy may validate against now: the sandbox cannot open files once locked down."""
    for path in (XSD_PATH, *DMN_SCHEMAS.values()):
        _schema(path)


def _xsd_problems(model: SourceModel) -> list[Problem]:
    problems = []
    pairs = [(f, r, XSD_PATH) for f, r in model.bpmn]
    pairs += [(f, r, DMN_SCHEMAS.get(etree.QName(r).namespace)) for f, r in model.dmn]
    for file, root, xsd in pairs:
        if xsd is None:
            continue
        schema = _schema(xsd)
        if schema is not None and not schema.validate(root):
            for error in schema.error_log:
                problems.append(Problem(message=f"not valid BPMN/DMN: {error.message}", file=file,
                                        line=error.line, rule="XSD"))
    return problems


def parse_procedure(files: Mapping[str, bytes]) -> Procedure:
    """Parse and check BPMN+DMN files; raise ProcedureInvalidError listing every problem found."""
    model = procedure_source.read_xml(files)
    if not model.problems:
        model.problems.extend(_xsd_problems(model))
    if not model.problems:
        procedure_source.inspect(model)
    if model.problems:
        raise ProcedureInvalidError(model.problems)
    parser = DueflowParser(model.decision_tables)  # DMN: read and translated by engine.decisions
    try:
        for file, root in model.bpmn:
            parser.add_bpmn_xml(root, filename=file)
        spec = parser.get_spec(model.key)
        subprocess_specs = parser.get_subprocess_specs(model.key)
    except ValidationException as exc:
        element = model.elements.get(exc.id)
        line = exc.line_number or (element.line if element else None)
        raise ProcedureInvalidError([Problem(message=str(exc).split("\n")[0], file=exc.file_name or None,
                                             line=line or None, element_id=exc.id or None)]) from None
    except SpiffWorkflowException as exc:
        raise ProcedureInvalidError([Problem(message=str(exc).split("\n")[0])]) from None
    return Procedure(key=model.key, name=model.name, sha256=sources_sha256(files), spec=spec,
                     subprocess_specs=subprocess_specs, source=model, files=dict(files))
