"""Parsing procedures: XML and XSD problems with their lines, Dueflow's own checks and translations
(engine.bpmn), then SpiffWorkflow's CamundaParser on the translated trees."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import bpmn
from engine.bpmn import ElementInfo, SourceModel
from engine.domain import ProcedureInvalidError, Problem
from engine.forms import FormField
from engine.workflow.dmn import DueflowParser
from engine.workflow.mappings import attach_mappings


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


def preload_schemas() -> None:
    """Read every BPMN and DMN schema now (the sandbox can open no file once it is locked down)."""
    bpmn.preload_schemas([XSD_PATH, *DMN_SCHEMAS.values()])


def parse_procedure(files: Mapping[str, bytes]) -> Procedure:
    """Parse and check BPMN+DMN files; raise ProcedureInvalidError listing every problem found."""
    model = bpmn.read_xml(files)
    if not model.errors:
        model.problems.extend(bpmn.schema_problems(model, XSD_PATH, DMN_SCHEMAS))
    if not model.errors:
        bpmn.inspect(model)
    if model.errors:
        raise ProcedureInvalidError(model.errors)
    if model.key is None:  # DMN files alone: inspect() only names a missing process when BPMN files came
        raise ProcedureInvalidError([Problem(message="no BPMN file with an executable process was given")])
    parser = DueflowParser(model.decision_tables)  # DMN: read and translated by engine.bpmn.decisions
    try:
        for file, root in model.bpmn:
            parser.add_bpmn_xml(root, filename=file)
        spec = parser.get_spec(model.key)
        subprocess_specs = parser.get_subprocess_specs(model.key)
        attach_mappings([spec, *subprocess_specs.values()], model.mappings)
    except ValidationException as exc:
        element = model.elements.get(exc.id)
        line = exc.line_number or (element.line if element else None)
        raise ProcedureInvalidError([Problem(message=str(exc).split("\n")[0], file=exc.file_name or None,
                                             line=line or None, element_id=exc.id or None)]) from None
    except SpiffWorkflowException as exc:
        raise ProcedureInvalidError([Problem(message=str(exc).split("\n")[0])]) from None
    return Procedure(key=model.key, name=model.name, sha256=sources_sha256(files), spec=spec,
                     subprocess_specs=subprocess_specs, source=model, files=dict(files))
