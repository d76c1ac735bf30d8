"""Reads BPMN/DMN sources with lxml: finds what is wrong (with file and line), translates Camunda syntax,
and extracts what the engine needs besides the executable spec (forms, lanes, stages, messages)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from lxml import etree

from engine import decisions, expressions
from engine.decisions import Decision
from engine.domain import LANE_ROLES, STAGE_PROPERTY, Problem, Stage
from engine.forms import FIELD_TYPES, FormField, coerce

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}

SUPPORTED = frozenset({
    "startEvent", "endEvent", "userTask", "task", "manualTask", "scriptTask", "businessRuleTask",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "subProcess", "callActivity",
    "sequenceFlow", "laneSet", "textAnnotation", "association", "dataObject", "dataObjectReference",
    "dataStoreReference", "extensionElements", "documentation", "ioSpecification", "property",
    "group", "category",
})
FLOW_NODES = SUPPORTED - {"sequenceFlow", "laneSet", "textAnnotation", "association", "dataObject",
                          "dataObjectReference", "dataStoreReference", "extensionElements", "documentation",
                          "ioSpecification", "property", "group", "category"}
# What a subprocess element says about itself, written among its body by Camunda Modeler: its own sequence
# flow references and loop markers. They are the subprocess's attributes, not elements of its body.
SUBPROCESS_OWN = frozenset({"incoming", "outgoing", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
                            "dataInputAssociation", "dataOutputAssociation"})
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_STAGES = {stage.value for stage in Stage}


@dataclass
class ElementInfo:
    """What Dueflow keeps of one BPMN flow element."""

    id: str
    kind: str
    name: str
    file: str
    line: int | None
    lane: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    event: str | None = None  # "timer" or "message" for catch events, from the XML (the engine may rewrite them)
    message: str | None = None
    attached_to: str | None = None  # the host task of a boundary event
    outgoing: list[str] = field(default_factory=list)  # targets of its sequence flows

    @property
    def stage(self) -> str | None:
        return self.properties.get(STAGE_PROPERTY)

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass
class SourceModel:
    """The parsed, translated sources of one procedure and the problems found in them."""

    key: str | None = None
    name: str = ""
    bpmn: list[tuple[str, etree._Element]] = field(default_factory=list)
    dmn: list[tuple[str, etree._Element]] = field(default_factory=list)
    elements: dict[str, ElementInfo] = field(default_factory=dict)
    forms: dict[str, list[FormField]] = field(default_factory=dict)
    messages: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    decision_tables: dict[str, Decision] = field(default_factory=dict)  # engine.decisions, cells as Python
    process_properties: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, message: str, file: str, node=None, element_id: str | None = None, rule: str = "invalid"):
        line = getattr(node, "sourceline", None)
        if element_id is None and node is not None:
            element_id = node.get("id")
        self.problems.append(Problem(message=message, file=file, line=line, element_id=element_id, rule=rule))


def local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


DOCTYPE_REFUSED = ("a DOCTYPE (DTD or entity declarations) is not allowed in BPMN or DMN: entities can read "
                   "files of the server or expand without bound; write the text itself")


def doctype_problem(name: str, data: bytes) -> Problem | None:
    """BPMN and DMN never need a DTD: a file declaring one is refused before it is parsed (internal and external
    entities, billion laughs), so the XSD validator never meets an entity reference."""
    found = min((at for at in (data.find(b"<!DOCTYPE"), data.find(b"<!ENTITY")) if at >= 0), default=-1)
    if found < 0:
        return None
    return Problem(message=DOCTYPE_REFUSED, file=name, line=data.count(b"\n", 0, found) + 1, rule="XML_DOCTYPE")


def read_xml(files: Mapping[str, bytes]) -> SourceModel:
    """Parse every file; sort them into BPMN and DMN; report malformed XML with its line."""
    model = SourceModel()
    if not files:
        model.problems.append(Problem(message="no files were given", rule="invalid"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False, huge_tree=False,
                             load_dtd=False)
    for name, data in files.items():
        refused = doctype_problem(name, data)
        if refused is not None:
            model.problems.append(refused)
            continue
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno if hasattr(exc, "lineno") else None
            model.problems.append(Problem(message=f"malformed XML: {exc.msg}", file=name, line=line,
                                          rule="XML_SYNTAX"))
            continue
        if root.getroottree().docinfo.doctype or root.getroottree().docinfo.internalDTD is not None:
            model.problems.append(Problem(message=DOCTYPE_REFUSED, file=name, line=1, rule="XML_DOCTYPE"))
            continue
        namespace = etree.QName(root).namespace
        if namespace == BPMN_NS:
            model.bpmn.append((name, root))
        elif namespace in DMN_NAMESPACES:
            model.dmn.append((name, root))
        else:
            model.problems.append(Problem(message=f"not a BPMN 2.0 or DMN file (root element {root.tag})",
                                          file=name, line=root.sourceline, rule="invalid"))
    if files and not model.bpmn and not model.problems:
        model.problems.append(Problem(message="no BPMN file among the files", rule="invalid"))
    return model


def properties_of(node) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in
            node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS)}


def inspect(model: SourceModel) -> SourceModel:
    """Check and translate every BPMN/DMN file of the model in place (after XSD validation)."""
    for file, root in model.dmn:
        _inspect_dmn(model, file, root)
    model.problems.extend(decisions.check_graph(model.decision_tables))
    for file, root in model.bpmn:
        _inspect_bpmn(model, file, root)
    check_called_processes(model)
    if model.key is None and model.bpmn:
        file, root = model.bpmn[0]
        model.problem("no executable process (isExecutable=\"true\") in the BPMN files", file, root)
    return model


def _inspect_bpmn(model: SourceModel, file: str, root) -> None:
    messages = {m.get("id"): m.get("name") or m.get("id") for m in root.xpath(".//bpmn:message", namespaces=NS)}
    model.messages.update(messages.values())
    for process in root.xpath("./bpmn:process", namespaces=NS):
        if model.key is None and process.get("isExecutable", "false") == "true":
            model.key, model.name = process.get("id"), process.get("name") or process.get("id")
            model.process_properties = properties_of(process)
        lanes = {}
        for lane in process.xpath(".//bpmn:lane", namespaces=NS):
            role = _lane_role(lane.get("name") or lane.get("id") or "")
            if role not in {r.value for r in LANE_ROLES}:
                model.problem(f"lane '{lane.get('name')}' names no role; name it one of: "
                              f"{', '.join(sorted(r.value for r in LANE_ROLES))}", file, lane, rule="LANE_ROLE")
            for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
                lanes[(ref.text or "").strip()] = role
        _inspect_container(model, file, process, lanes, messages)
    _inspect_hidden_code(model, file, root)


# Places procedure code can hide besides scripts, conditions, timers and DMN cells: each is Python (or a
# Camunda `${...}`) the engine evaluates, so each is checked against the safe language at deploy.
_HIDDEN_CODE = ("//bpmn:loopCardinality | //bpmn:completionCondition | //bpmn:conditionalEventDefinition/bpmn:condition"
                " | //camunda:inputParameter | //camunda:outputParameter | //*[local-name()='messagePayload']"
                " | //*[local-name()='expression' and parent::*[local-name()='correlationProperty'"
                " or local-name()='messageEventDefinition']]")


def _inspect_hidden_code(model: SourceModel, file: str, root) -> None:
    for node in root.xpath(_HIDDEN_CODE, namespaces=NS):
        text = (node.text or "").strip()
        owner = next((a.get("id") for a in node.iterancestors() if a.get("id")), None)
        literal = local(node.tag) in ("inputParameter", "outputParameter") and not text.startswith("${")
        if text and len(node) == 0 and not literal:
            try:
                python = expressions.translate_condition(text)
            except expressions.ExpressionError as exc:
                model.problem(str(exc), file, node, element_id=owner, rule="EXPRESSION")
                continue
            problem = expressions.check(python)
            if problem:
                model.problem(f"{local(node.tag)}: {problem}", file, node, element_id=owner, rule="EXPRESSION")
    for mapping in root.xpath("//camunda:in[@sourceExpression] | //camunda:out[@sourceExpression]", namespaces=NS):
        owner = next((a.get("id") for a in mapping.iterancestors() if a.get("id")), None)
        try:
            problem = expressions.check(expressions.translate_condition(mapping.get("sourceExpression")))
        except expressions.ExpressionError as exc:
            problem = str(exc)
        if problem:
            model.problem(f"sourceExpression: {problem}", file, mapping, element_id=owner, rule="EXPRESSION")


def _lane_role(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _inspect_container(model, file, container, lanes, messages) -> None:
    ids = {node.get("id") for node in container if node.get("id")}
    own = SUBPROCESS_OWN if local(container.tag) == "subProcess" else frozenset()
    for node in container:
        kind = local(node.tag)
        if not kind or kind in own:
            continue
        if kind not in SUPPORTED:
            model.problem(f"element <{kind}> is not supported by Dueflow", file, node,
                          element_id=node.get("id") or container.get("id"), rule="UNSUPPORTED")
            continue
        node_id = node.get("id")
        if kind == "sequenceFlow":
            for end in ("sourceRef", "targetRef"):
                if node.get(end) not in ids:
                    model.problem(f"flow '{node_id}' has {end} '{node.get(end)}', which is no element of "
                                  f"'{container.get('id')}'", file, node, rule="MISSING_ELEMENT")
            for cond in node.xpath("./bpmn:conditionExpression", namespaces=NS):
                _translate(model, file, cond, node_id, expressions.translate_condition, "condition")
            continue
        if kind not in FLOW_NODES:
            continue
        info = ElementInfo(id=node_id, kind=kind, name=node.get("name") or "", file=file,
                           line=node.sourceline, lane=lanes.get(node_id), properties=properties_of(node),
                           attached_to=node.get("attachedToRef"))
        model.elements[node_id] = info
        if info.stage is not None and info.stage not in _STAGES:
            model.problem(f"stage '{info.stage}' is not one of: {', '.join(sorted(_STAGES))}", file, node,
                          rule="UNKNOWN_STAGE")
        for timer in node.xpath("./bpmn:timerEventDefinition/*", namespaces=NS):
            info.event = "timer"
            _translate(model, file, timer, node_id, expressions.translate_timer, "timer")
        for ref in node.xpath("./bpmn:messageEventDefinition", namespaces=NS):
            info.event, info.message = "message", messages.get(ref.get("messageRef"))
            if ref.get("messageRef") and ref.get("messageRef") not in messages:
                model.problem(f"message '{ref.get('messageRef')}' is not declared", file, node,
                              rule="MISSING_ELEMENT")
        if kind == "scriptTask":
            _inspect_script(model, file, node)
        elif kind == "userTask":
            model.forms[node_id] = _read_form(model, file, node)
        elif kind == "businessRuleTask":
            ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef")
            if not ref:
                model.problem("business rule task has no camunda:decisionRef", file, node)
            elif ref not in model.decisions:
                model.problem(f"decision '{ref}' is in no DMN file of this procedure", file, node,
                              rule="MISSING_ELEMENT")
        elif kind == "subProcess":
            if node.get("triggeredByEvent") == "true":
                _inspect_event_subprocess(model, file, node, container)
            _inspect_container(model, file, node, lanes, messages)
        elif kind == "callActivity":
            _inspect_call(model, file, node)
        _inspect_loop(model, file, node)
    for flow in container:
        if local(flow.tag) == "sequenceFlow" and flow.get("sourceRef") in model.elements:
            model.elements[flow.get("sourceRef")].outgoing.append(flow.get("targetRef"))


def _inspect_call(model, file, node) -> None:
    """A call activity names a process deployed with it; Camunda's variable mappings are not supported."""
    if not node.get("calledElement"):
        model.problem("call activity has no calledElement (the id of the process it calls)", file, node)
    mappings = node.xpath("./bpmn:extensionElements/camunda:in | ./bpmn:extensionElements/camunda:out",
                          namespaces=NS)
    if mappings:
        model.problem("camunda:in/camunda:out variable mappings are not supported: the called process sees all of "
                      "the case's data and all of its data comes back (docs/stages.md, Subprocesses)", file,
                      mappings[0], element_id=node.get("id"), rule="UNSUPPORTED")


def _inspect_event_subprocess(model, file, node, parent) -> None:
    """What SpiffWorkflow 3.2 runs of an event subprocess: non-interrupting ones, and message starts only
    directly in a process (it never interrupts the process, and routes messages to the process's own)."""
    for start in node.xpath("./bpmn:startEvent", namespaces=NS):
        if start.get("isInterrupting", "true") != "false":
            model.problem("an interrupting event subprocess would not stop the rest of the case here: make its "
                          "start event non-interrupting, or put an interrupting boundary event on a subprocess",
                          file, start, element_id=node.get("id"), rule="UNSUPPORTED")
        if start.xpath("./bpmn:messageEventDefinition", namespaces=NS) and local(parent.tag) != "process":
            model.problem("an event subprocess started by a message must stand directly in a process, not inside "
                          "a subprocess", file, start, element_id=node.get("id"), rule="UNSUPPORTED")


def check_called_processes(model: SourceModel) -> None:
    """Every call activity calls a process in the files of this deploy (after all files were read), and the
    procedure is the executable process that none of them calls, whatever the order of the files."""
    processes = {p.get("id"): p for _, root in model.bpmn for p in root.xpath("./bpmn:process", namespaces=NS)}
    called = set()
    for file, root in model.bpmn:
        for node in root.xpath(".//bpmn:callActivity[@calledElement]", namespaces=NS):
            called.add(node.get("calledElement"))
            if node.get("calledElement") not in processes:
                model.problem(f"call activity calls process '{node.get('calledElement')}', which is in none of "
                              "the files deployed with it", file, node, rule="MISSING_ELEMENT")
    if model.key in called:
        main = next((p for key, p in processes.items()
                     if key not in called and p.get("isExecutable", "false") == "true"), None)
        if main is not None:
            model.key, model.name = main.get("id"), main.get("name") or main.get("id")
            model.process_properties = properties_of(main)


def _inspect_loop(model, file, node) -> None:
    """Multi-instance cardinality and completion conditions are Python run by the script engine: check them."""
    for expression in node.xpath("./bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality | "
                                 "./bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition",
                                 namespaces=NS):
        what = "loop cardinality" if local(expression.tag) == "loopCardinality" else "completion condition"
        _translate(model, file, expression, node.get("id"), expressions.translate_condition, what)


def _translate(model, file, node, element_id, translate, what) -> None:
    source = (node.text or "").strip()
    if not source:
        model.problem(f"empty {what} expression", file, node, element_id=element_id, rule="EXPRESSION")
        return
    try:
        python = translate(source)
    except expressions.ExpressionError as exc:
        model.problem(str(exc), file, node, element_id=element_id, rule="EXPRESSION")
        return
    problem = expressions.check(python)
    if problem:
        model.problem(f"{what}: {problem}", file, node, element_id=element_id, rule="EXPRESSION")
        return
    node.text = python


def _inspect_script(model, file, node) -> None:
    script_format = (node.get("scriptFormat") or "python").lower()
    if script_format not in ("python", "py", "text/x-python"):
        model.problem(f"script format '{script_format}' is not supported; write Python", file, node,
                      rule="UNSUPPORTED")
        return
    for script in node.xpath("./bpmn:script", namespaces=NS):
        problem = expressions.check(script.text or "", "exec")
        if problem:
            model.problem(f"script: {problem}", file, node, rule="EXPRESSION")


def _read_form(model, file, task) -> list[FormField]:
    fields = []
    for xml_field in task.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NS):
        field_id, kind = xml_field.get("id") or "", xml_field.get("type") or "string"
        where = f"form field '{field_id}'"
        if not _IDENTIFIER.match(field_id):
            model.problem(f"{where}: the id must be a name like 'served_on'", file, xml_field, task.get("id"),
                          rule="FORM")
            continue
        if kind not in FIELD_TYPES:
            model.problem(f"{where}: type '{kind}' is not one of {', '.join(FIELD_TYPES)}", file, xml_field,
                          task.get("id"), rule="FORM")
            continue
        constraints = {c.get("name"): c.get("config") or "" for c in
                       xml_field.xpath("./camunda:validation/camunda:constraint", namespaces=NS)}
        options = tuple((v.get("id"), v.get("name") or v.get("id")) for v in
                        xml_field.xpath("./camunda:value", namespaces=NS))
        form_field = FormField(id=field_id, type=kind, label=xml_field.get("label") or field_id,
                               required="required" in constraints, readonly="readonly" in constraints,
                               options=options,
                               constraints={k: v for k, v in constraints.items() if k not in ("required", "readonly")})
        if kind == "enum" and not options:
            model.problem(f"{where}: an enum needs at least one camunda:value", file, xml_field,
                          task.get("id"), rule="FORM")
        default = xml_field.get("defaultValue")
        if default not in (None, ""):
            try:
                default = coerce(form_field, default)
            except ValueError as exc:
                model.problem(f"{where}: default value '{default}' {exc}", file, xml_field, task.get("id"),
                              rule="FORM")
                default = None
            form_field = FormField(**{**form_field.__dict__, "default": default})
        fields.append(form_field)
    return fields


def _inspect_dmn(model: SourceModel, file: str, root) -> None:
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
        ns = {"dmn": etree.QName(root).namespace}
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
