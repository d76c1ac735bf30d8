"""External tasks in the engine: service and send tasks WAIT (READY, like a user task) until a worker
completes them or reports a BPMN error; receive tasks wait for their message like a catch event.

SpiffWorkflow's own ServiceTask runs at once through `script_engine.call_service`, inside the step and so
inside the sandbox, which may open no socket: Dueflow never calls out from a step. The worker fetches the
task over HTTP instead (engine.services.external_tasks), as Camunda 7's external tasks work."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import ReceiveTaskParser
from SpiffWorkflow.bpmn.specs.defaults import ReceiveTask
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import BpmnSpecMixin, UserTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEventDefinitionParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.util.task import TaskState

from engine.domain import WorkflowError


class ExternalTask(UserTaskMixin, BpmnSpecMixin):
    """A service or send task: `manual`, so do_engine_steps leaves it READY for a worker."""


class _CamundaReceiveTaskParser(CamundaEventDefinitionParser, ReceiveTaskParser):
    """A receive task whose message is Camunda's message definition, the one deliver() sends."""

    def create_task(self):
        return ReceiveTaskParser.create_task(self)


class DueflowParser(CamundaParser):
    """CamundaParser that makes service and send tasks external tasks and reads receive tasks' messages."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (CamundaTaskParser, ExternalTask),
        full_tag("sendTask"): (CamundaTaskParser, ExternalTask),
        full_tag("receiveTask"): (_CamundaReceiveTaskParser, ReceiveTask),
    }


def is_external(task) -> bool:
    return isinstance(task.task_spec, ExternalTask)


def ready_external(task, task_id: str) -> Any:
    """The task if it is a READY external task, else a WorkflowError saying what it is."""
    if task is None or not is_external(task):
        raise WorkflowError(f"task {task_id} is no external task of this case")
    if task.state != TaskState.READY:
        raise WorkflowError(f"external task {task_id} is not waiting (it is "
                            f"{TaskState.get_name(task.state).lower()})")
    return task


def error_boundary(task, code: str):
    """The waiting error boundary event on the task that catches `code` (one naming the code first, then one
    catching every error), or None: an uncaught BPMN error becomes an incident."""
    siblings = task.parent.children if task.parent is not None else []
    catchers = [t for t in siblings if t is not task and t.state == TaskState.WAITING
                and isinstance(t.task_spec, BoundaryEvent)
                and isinstance(t.task_spec.event_definition, ErrorEventDefinition)]
    named = [t for t in catchers if t.task_spec.event_definition.code == code]
    return (named or [t for t in catchers if t.task_spec.event_definition.code in (None, "")] or [None])[0]


def throw_error(boundary, code: str, message: str, variables: dict[str, Any]) -> None:
    """Let the boundary event catch the worker's error: its path runs on the next engine steps; an
    interrupting one withdraws the task. The error's code and message become case data, as Camunda's
    `camunda:errorCodeVariable` / `errorMessageVariable` would."""
    definition = boundary.task_spec.event_definition
    payload = dict(variables)
    payload.update({"error_code": code, "error_message": message})
    event = BpmnEvent(ErrorEventDefinition(definition.name, code=code), payload=payload)
    boundary.task_spec.catch(boundary, event)
    boundary.task_spec._update(boundary)
