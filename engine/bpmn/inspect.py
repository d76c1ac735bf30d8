"""Checks and translates the BPMN/DMN of one procedure in place: every element kind Dueflow runs, with its
own check from a dispatch table (kind -> function); everything else refused or listed with file and line."""
from __future__ import annotations

from typing import Any, Callable

from engine import expressions
from engine.bpmn import decisions, refusals
from engine.bpmn.dmn import inspect_dmn
from engine.bpmn.external import EXTERNAL_KINDS, inspect_external
from engine.bpmn.forms import read_form
from engine.bpmn.lanes import Assignment, lane_assignments, task_assignment
from engine.bpmn.mappings import read_mappings
from engine.bpmn.defaults import check_consequential_defaults
from engine.bpmn.time_limits import check_time_limits
from engine.bpmn.translations import check_party_guidance, check_translations
from engine.bpmn.model import FLOW_NODE_KINDS, SUBPROCESS_OWN, SUPPORTED, ElementInfo, SourceModel
from engine.bpmn.xml import CAMUNDA_NS, NS, local, owner_id, properties_of
from engine.domain import Stage

_STAGES = {stage.value for stage in Stage}
Check = Callable[[SourceModel, str, Any, Any], None]  # (model, file, element, its container)


def inspect(model: SourceModel) -> SourceModel:
    """Check and translate every BPMN/DMN file of the model in place (after XSD validation)."""
    for file, root in model.dmn:
        inspect_dmn(model, file, root)
    model.problems.extend(decisions.check_graph(model.decision_tables))
    for file, root in model.bpmn:
        _inspect_bpmn(model, file, root)
    check_called_processes(model)
    refusals.check_pools(model)
    check_translations(model)
    check_party_guidance(model)
    check_consequential_defaults(model)
    check_time_limits(model)
    if model.key is None and model.bpmn:
        file, root = model.bpmn[0]
        model.problem("no executable process (isExecutable=\"true\") in the BPMN files", file, root)
    model.start_event = _start_event(model)
    return model


def _processes(model: SourceModel) -> dict[str, Any]:
    return {p.get("id"): p for _, root in model.bpmn for p in root.xpath("./bpmn:process", namespaces=NS)}


def _start_event(model: SourceModel) -> str | None:
    process = _processes(model).get(model.key or "")
    starts = [] if process is None else process.xpath("./bpmn:startEvent", namespaces=NS)
    plain = [s for s in starts if not s.xpath("./*[contains(local-name(), 'EventDefinition')]")]
    return (plain or starts)[0].get("id") if (plain or starts) else None


def _inspect_bpmn(model: SourceModel, file: str, root: Any) -> None:
    messages = {m.get("id"): m.get("name") or m.get("id") for m in root.xpath(".//bpmn:message", namespaces=NS)}
    model.messages.update(messages.values())
    for process in root.xpath("./bpmn:process", namespaces=NS):
        if model.key is None and process.get("isExecutable", "false") == "true":
            model.key, model.name = process.get("id"), process.get("name") or process.get("id")
            model.process_properties = properties_of(process)
        lanes = lane_assignments(model, file, process, model.lane_roles)
        _inspect_container(model, file, process, lanes, messages, None)
    _inspect_hidden_code(model, file, root)
    model.mappings.update(read_mappings(model, file, root))
    for check in refusals.FILE_CHECKS:
        check(model, file, root)


# Places procedure code can hide besides scripts, conditions, timers and DMN cells: each is Python (or a
# Camunda `${...}`) the engine evaluates, so each is checked against the safe language at deploy.
_HIDDEN_CODE = ("//bpmn:loopCardinality | //bpmn:completionCondition | //bpmn:conditionalEventDefinition/bpmn:condition"
                " | //*[local-name()='messagePayload']"
                " | //*[local-name()='expression' and parent::*[local-name()='correlationProperty'"
                " or local-name()='messageEventDefinition']]")


def _inspect_hidden_code(model: SourceModel, file: str, root: Any) -> None:
    for node in root.xpath(_HIDDEN_CODE, namespaces=NS):
        text = (node.text or "").strip()
        if text and len(node) == 0:
            try:
                python = expressions.translate_condition(text)
            except expressions.ExpressionError as exc:
                model.problem(str(exc), file, node, element_id=owner_id(node), rule="EXPRESSION")
                continue
            problem = expressions.check(python)
            if problem:
                model.problem(f"{local(node.tag)}: {problem}", file, node, element_id=owner_id(node),
                              rule="EXPRESSION")


def _inspect_container(model: SourceModel, file: str, container: Any, lanes: dict[str, tuple[str, Assignment]],
                       messages: dict[str, str], parent: ElementInfo | None) -> None:
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
        if kind == "sequenceFlow":
            _inspect_flow(model, file, node, ids, container)
        if kind not in FLOW_NODE_KINDS:
            continue
        info = _element(model, file, node, lanes, parent)
        model.elements[info.id] = info
        for timer in node.xpath("./bpmn:timerEventDefinition/*", namespaces=NS):
            info.event = "timer"
            _translate(model, file, timer, info.id, expressions.translate_timer, "timer")
        for ref in node.xpath("./bpmn:messageEventDefinition", namespaces=NS):
            info.event, info.message = "message", messages.get(ref.get("messageRef"))
            if ref.get("messageRef") and ref.get("messageRef") not in messages:
                model.problem(f"message '{ref.get('messageRef')}' is not declared", file, node,
                              rule="MISSING_ELEMENT")
        if kind in EXTERNAL_KINDS:
            inspect_external(model, file, node, info, messages)
        check = ELEMENT_CHECKS.get(kind)
        if check is not None:
            check(model, file, node, container)
        if kind == "subProcess":
            _inspect_container(model, file, node, lanes, messages, info)
        _inspect_loop(model, file, node)
    for flow in container:
        if local(flow.tag) == "sequenceFlow" and flow.get("sourceRef") in model.elements:
            model.elements[flow.get("sourceRef")].outgoing.append(flow.get("targetRef"))


def _element(model: SourceModel, file: str, node: Any, lanes: dict[str, tuple[str, Assignment]],
             parent: ElementInfo | None) -> ElementInfo:
    """An element with its lane and role; a task inside a subprocess takes the subprocess's lane, as
    SpiffWorkflow does, unless its own candidate groups name a role."""
    lane, assigned = lanes.get(node.get("id"), (None, None))
    if lane is None and parent is not None:
        lane, assigned = parent.lane, Assignment(parent.role, parent.properties.get("department")) \
            if parent.role else None
    own = task_assignment(model, file, node, model.lane_roles) if local(node.tag) == "userTask" else None
    assigned = own or assigned
    info = ElementInfo(id=node.get("id"), kind=local(node.tag), name=node.get("name") or "", file=file,
                       line=node.sourceline, lane=lane, role=assigned.role if assigned else None,
                       properties=properties_of(node), attached_to=node.get("attachedToRef"))
    if assigned is not None and assigned.department and "department" not in info.properties:
        info.properties["department"] = assigned.department
    if info.stage is not None and info.stage not in _STAGES:
        model.problem(f"stage '{info.stage}' is not one of: {', '.join(sorted(_STAGES))}", file, node,
                      rule="UNKNOWN_STAGE")
    return info


def _inspect_flow(model: SourceModel, file: str, node: Any, ids: set, container: Any) -> None:
    for end in ("sourceRef", "targetRef"):
        if node.get(end) not in ids:
            model.problem(f"flow '{node.get('id')}' has {end} '{node.get(end)}', which is no element of "
                          f"'{container.get('id')}'", file, node, rule="MISSING_ELEMENT")
    for cond in node.xpath("./bpmn:conditionExpression", namespaces=NS):
        _translate(model, file, cond, node.get("id"), expressions.translate_condition, "condition")


def _check_user_task(model: SourceModel, file: str, node: Any, container: Any) -> None:
    model.forms[node.get("id")] = read_form(model, file, node)


def _check_start(model: SourceModel, file: str, node: Any, container: Any) -> None:
    form = read_form(model, file, node)
    if form:
        model.forms[node.get("id")] = form


def _check_business_rule(model: SourceModel, file: str, node: Any, container: Any) -> None:
    ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef")
    if not ref:
        model.problem("business rule task has no camunda:decisionRef", file, node)
    elif ref not in model.decisions:
        model.problem(f"decision '{ref}' is in no DMN file of this procedure", file, node, rule="MISSING_ELEMENT")


def _check_script(model: SourceModel, file: str, node: Any, container: Any) -> None:
    script_format = (node.get("scriptFormat") or "python").lower()
    if script_format not in ("python", "py", "text/x-python"):
        model.problem(f"script format '{script_format}' is not supported: write the script in Python (the safe "
                      "expression language)", file, node, rule="UNSUPPORTED")
        return
    for script in node.xpath("./bpmn:script", namespaces=NS):
        problem = expressions.check(script.text or "", "exec")
        if problem:
            model.problem(f"script: {problem}", file, node, rule="EXPRESSION")


def _check_subprocess(model: SourceModel, file: str, node: Any, container: Any) -> None:
    """What SpiffWorkflow 3.2 runs of an event subprocess: non-interrupting ones, and message starts only
    directly in a process (it never interrupts the process, and routes messages to the process's own)."""
    if node.get("triggeredByEvent") != "true":
        return
    for start in node.xpath("./bpmn:startEvent", namespaces=NS):
        if start.get("isInterrupting", "true") != "false":
            model.problem("an interrupting event subprocess would not stop the rest of the case here: make its "
                          "start event non-interrupting, or put an interrupting boundary event on a subprocess",
                          file, start, element_id=node.get("id"), rule="UNSUPPORTED")
        if start.xpath("./bpmn:messageEventDefinition", namespaces=NS) and local(container.tag) != "process":
            model.problem("an event subprocess started by a message must stand directly in a process, not inside "
                          "a subprocess", file, start, element_id=node.get("id"), rule="UNSUPPORTED")


def _check_call(model: SourceModel, file: str, node: Any, container: Any) -> None:
    """A call activity names a process deployed with it (its camunda:in/out are read with the mappings)."""
    if not node.get("calledElement"):
        model.problem("call activity has no calledElement (the id of the process it calls)", file, node)


# Each element kind's own check; a kind Dueflow learns to run gets its entry here (and in model.FLOW_NODE_KINDS).
ELEMENT_CHECKS: dict[str, Check] = {
    "startEvent": _check_start,
    "userTask": _check_user_task,
    "businessRuleTask": _check_business_rule,
    "scriptTask": _check_script,
    "subProcess": _check_subprocess,
    "callActivity": _check_call,
}


def check_called_processes(model: SourceModel) -> None:
    """Every call activity calls a process in the files of this deploy (after all files were read), and the
    procedure is the executable process that none of them calls, whatever the order of the files."""
    processes = _processes(model)
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


def _inspect_loop(model: SourceModel, file: str, node: Any) -> None:
    """Multi-instance cardinality and completion conditions are Python run by the script engine: check them."""
    for expression in node.xpath("./bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality | "
                                 "./bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition",
                                 namespaces=NS):
        what = "loop cardinality" if local(expression.tag) == "loopCardinality" else "completion condition"
        _translate(model, file, expression, node.get("id"), expressions.translate_condition, what)


def _translate(model: SourceModel, file: str, node: Any, element_id: str, translate: Callable[[str], str],
               what: str) -> None:
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
