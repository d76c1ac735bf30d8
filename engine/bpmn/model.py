"""What one parse of a procedure's files yields: the trees, the elements Dueflow keeps, forms, lanes, graphs,
and every problem found (with file, line and element)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.domain import STAGE_PROPERTY, Problem
from engine.bpmn.decisions import Decision
from engine.bpmn.time_limits import TIME_LIMIT_PROPERTY, TimeLimit, parse_time_limit
from engine.bpmn.translations import element_names
from engine.forms import FormField

# The element kinds SpiffWorkflow runs here; everything else in a process body is refused by name.
FLOW_NODE_KINDS = frozenset({
    "startEvent", "endEvent", "userTask", "task", "manualTask", "scriptTask", "businessRuleTask",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "subProcess", "callActivity",
    "serviceTask", "sendTask", "receiveTask",  # external tasks a worker completes; a receive task waits for its message
})
# Written in a process body but not flow nodes: read, or knowingly passed over.
ARTIFACT_KINDS = frozenset({
    "sequenceFlow", "laneSet", "textAnnotation", "association", "dataObject", "dataObjectReference",
    "dataStoreReference", "extensionElements", "documentation", "ioSpecification", "property", "group", "category",
})
SUPPORTED = FLOW_NODE_KINDS | ARTIFACT_KINDS
# Every BPMN flow node kind, supported or not: the lint's graph and the diagram layout draw them all.
ALL_FLOW_NODES = FLOW_NODE_KINDS | {"transaction", "adHocSubProcess", "complexGateway"}
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
# What a subprocess element says about itself, written among its body by Camunda Modeler: its own sequence
# flow references and loop markers. They are the subprocess's attributes, not elements of its body.
SUBPROCESS_OWN = frozenset({"incoming", "outgoing", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
                            "dataInputAssociation", "dataOutputAssociation"})


@dataclass
class ElementInfo:
    """What Dueflow keeps of one BPMN flow element."""

    id: str
    kind: str
    name: str
    file: str
    line: int | None
    lane: str | None = None  # the lane's name as drawn
    role: str | None = None  # who does it: from candidateGroups, the deploy's lane mapping, or the lane's name
    properties: dict[str, str] = field(default_factory=dict)
    event: str | None = None  # "timer" or "message" for catch events, from the XML (the engine may rewrite them)
    message: str | None = None
    attached_to: str | None = None  # the host task of a boundary event
    outgoing: list[str] = field(default_factory=list)  # targets of its sequence flows
    topic: str | None = None  # the external-task topic of a service or send task (engine.bpmn.external)

    @property
    def stage(self) -> str | None:
        return self.properties.get(STAGE_PROPERTY)

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def time_limit(self) -> "TimeLimit | None":
        """The statutory time limit declared on the element (engine.bpmn.time_limits), if any."""
        text = self.properties.get(TIME_LIMIT_PROPERTY)
        return parse_time_limit(text) if text else None

    @property
    def names(self) -> dict[str, str]:
        """The element's name per locale, from its `name_<lang>` properties (engine.bpmn.translations)."""
        return element_names(self.properties)


@dataclass
class SourceModel:
    """The parsed, translated sources of one procedure and the problems found in them."""

    key: str | None = None
    name: str = ""
    bpmn: list[tuple[str, Any]] = field(default_factory=list)
    dmn: list[tuple[str, Any]] = field(default_factory=list)
    elements: dict[str, ElementInfo] = field(default_factory=dict)
    forms: dict[str, list[FormField]] = field(default_factory=dict)  # user tasks and start events
    messages: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    decision_tables: dict[str, Decision] = field(default_factory=dict)  # engine.bpmn.decisions, cells as Python
    process_properties: dict[str, str] = field(default_factory=dict)
    lane_roles: dict[str, Any] = field(default_factory=dict)  # lane name -> lanes.Assignment, given with the deploy
    start_event: str | None = None  # the procedure's own start event (its form opens a case)
    mappings: dict[str, Any] = field(default_factory=dict)  # element id -> mappings.Mappings (camunda:inputOutput)
    graphs: list[Any] = field(default_factory=list)  # engine.bpmn.graph.ProcessGraph, read before translation
    problems: list[Problem] = field(default_factory=list)

    @property
    def start_form(self) -> list[FormField]:
        """The fields of the procedure's start event (camunda:formData), checked when a case is opened."""
        return self.forms.get(self.start_event or "", [])

    def problem(self, message: str, file: str | None, node: Any = None, element_id: str | None = None,
                rule: str = "invalid", severity: str = "error") -> None:
        line = getattr(node, "sourceline", None)
        if element_id is None and node is not None:
            element_id = node.get("id")
        self.problems.append(Problem(message=message, file=file, line=line, element_id=element_id, rule=rule,
                                     severity=severity))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]
