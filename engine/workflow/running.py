"""One case's workflow in memory: start, load and save it without the spec, run it to its next wait in
the restricted environment, deliver messages, and report what changed for the audit trail."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as _BaseMessage
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.util.task import TaskState

from engine.domain import EventType, UnsafeExpressionError, WorkflowError
from engine.workflow import external
from engine.workflow.environment import SCRIPT_ENGINE, clock_at
from engine.workflow.parsing import Procedure
from engine.workflow.pruning import prune



# ---- serialization without the spec ----------------------------------------------------------------

class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Stores a case's tasks and data only; the spec is stored once per procedure version."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = copy.copy(DEFAULT_CONFIG)
_CONFIG[BpmnWorkflow] = _SpecFreeWorkflowConverter
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))


# ---- running a case --------------------------------------------------------------------------------

@dataclass
class Change:
    """Something that happened inside the engine during one step, for the audit trail."""

    kind: str  # an EventType when audited as one (task_completed, timer_fired, ...); element_completed, end_reached
    element_id: str
    name: str
    task_id: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    element_id: str
    name: str
    lane: str | None


class CaseRun:
    """One case's workflow in memory, between load and save."""

    def __init__(self, procedure: Procedure, workflow: BpmnWorkflow):
        self.procedure = procedure
        self.workflow = workflow
        self._set_safe_engine()

    @classmethod
    def start(cls, procedure: Procedure, data: dict[str, Any], now: datetime) -> tuple["CaseRun", list[Change]]:
        run = cls(procedure, BpmnWorkflow(procedure.spec, procedure.subprocess_specs, script_engine=SCRIPT_ENGINE))
        run.workflow.task_tree.data.update(data)
        for task in run.workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return run, run.step(now)

    @classmethod
    def load(cls, procedure: Procedure, state: str) -> "CaseRun":
        dct = json.loads(state)
        dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        workflow = SERIALIZER.from_dict(dct, spec=procedure.spec, subprocess_specs=procedure.subprocess_specs)
        return cls(procedure, workflow)

    def dump(self) -> str:
        prune(self.workflow)  # the stored tree stays bounded however long the case loops
        return json.dumps(SERIALIZER.to_dict(self.workflow), separators=(",", ":"), default=str)

    def _set_safe_engine(self) -> None:
        # Deserialization restores the unsafe default engine: set ours again, every time. Subprocesses and
        # call activities (BpmnSubWorkflow) have no engine of their own: theirs is a read-only property that
        # answers the top workflow's, so setting it here covers them.
        self.workflow.script_engine = SCRIPT_ENGINE

    # -- reading --
    def _all_tasks(self):
        yield from self.workflow.tasks.values()
        for subprocess in self.workflow.subprocesses.values():
            yield from subprocess.tasks.values()

    def ready_tasks(self) -> list[ReadyTask]:
        return [ReadyTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                          t.task_spec.lane)
                for t in self._all_tasks() if t.state == TaskState.READY and t.task_spec.manual
                and not external.is_external(t)]

    def external_tasks(self) -> list[ReadyTask]:
        """READY service and send tasks: they wait for a worker (engine.workflow.external)."""
        return [ReadyTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id, None)
                for t in self._all_tasks() if t.state == TaskState.READY and external.is_external(t)]

    def task_state(self, task_id: str) -> str | None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError, TaskNotFoundException):  # pruned or never ours
            return None
        if task is None:
            return None
        return TaskState.get_name(task.state).lower()

    def task_element(self, task_id: str) -> str | None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError, TaskNotFoundException):  # pruned or never ours
            return None
        return task.task_spec.bpmn_id if task is not None else None

    @property
    def data(self) -> dict[str, Any]:
        return self.workflow.data if self.workflow.completed else self._latest_data()

    def _latest_data(self) -> dict[str, Any]:
        ready = [t for t in self._all_tasks() if t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)]
        source = max(ready, key=lambda t: t.last_state_change) if ready else self.workflow.last_task
        return dict(source.data) if source is not None else {}

    @property
    def completed(self) -> bool:
        return self.workflow.completed

    def _waiting_definitions(self, kind):
        for task in list(self.workflow.event_manager.tasks.values()):
            if task.state != TaskState.WAITING:
                continue
            definition = task.task_spec.event_definition
            inner = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
            if any(isinstance(d, kind) for d in inner):
                yield task, [d for d in inner if isinstance(d, kind)]

    def waiting_timers(self) -> list[tuple[str, datetime]]:
        """(element id, due instant in UTC) of every timer the case waits on (an event gateway's id for its timer)."""
        result = []
        for task, _ in self._waiting_definitions(TimerEventDefinition):
            value = task.internal_data.get("event_value")
            if isinstance(value, dict):
                value = value.get("next")
            try:
                due = TimerEventDefinition.get_datetime(value)
            except (TypeError, ValueError):
                continue  # not computed yet: the next step computes it
            result.append((task.task_spec.bpmn_id, due.astimezone(timezone.utc)))
        return result

    def shift_timers(self, delta) -> None:
        """Move every waiting timer later by `delta`: a suspended case's periods do not run (DOMAIN.md)."""
        for task, _ in self._waiting_definitions(TimerEventDefinition):
            value = task.internal_data.get("event_value")
            if isinstance(value, dict) and value.get("next"):
                moved = TimerEventDefinition.get_datetime(value["next"]) + delta
                task.internal_data["event_value"] = {**value, "next": moved.isoformat()}
            elif isinstance(value, str):
                try:
                    moved = TimerEventDefinition.get_datetime(value) + delta
                except ValueError:
                    continue
                task.internal_data["event_value"] = moved.isoformat()

    def set_timer(self, element_id: str, due: datetime) -> bool:
        """Make the timer waiting at `element_id` (an event gateway's id for its timer) fall due at `due`: a period
        the law starts at a recorded act (service) instead of when the workflow got there. False if none waits."""
        found = False
        for task, _ in self._waiting_definitions(TimerEventDefinition):
            if task.task_spec.bpmn_id != element_id:
                continue
            value = task.internal_data.get("event_value")
            text = due.astimezone(timezone.utc).isoformat()
            task.internal_data["event_value"] = {**value, "next": text} if isinstance(value, dict) else text
            found = True
        return found

    def set_variable(self, name: str, value: Any) -> None:
        """A case variable recorded outside a task (the service date of a document): the tasks under way carry it
        on, so later timer expressions and gateways read it."""
        self.workflow.data[name] = value
        for task in self._all_tasks():
            if task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
                task.data[name] = value

    def waiting_messages(self) -> set[str]:
        waiting = {d.name for _, definitions in self._waiting_definitions(_BaseMessage) for d in definitions}
        return waiting | self._event_subprocess_messages()

    def _event_subprocess_messages(self) -> set[str]:
        """Messages that start an event subprocess of the process: no task waits for them (SpiffWorkflow
        creates the subprocess when the message arrives), but the case accepts them while it runs."""
        if self.workflow.completed:
            return set()
        names: set[str] = set()
        for spec_name in getattr(self.workflow.spec.start, "trigger_specs", ()):
            spec = self.workflow.subprocess_specs.get(spec_name)
            for start in spec.bpmn_start_events if spec is not None else ():
                definition = start.event_definition
                inner = definition.event_definitions if isinstance(definition, MultipleEventDefinition) \
                    else [definition]
                names.update(d.name for d in inner if isinstance(d, _BaseMessage))
        return names

    def view(self) -> dict[str, Any]:
        """What the server needs to know of the state without loading it (engine.workflow.remote)."""
        predicted = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE
        return {
            "ready": [[t.task_id, t.element_id, t.name, t.lane] for t in self.ready_tasks()],
            "external": [[t.task_id, t.element_id, t.name] for t in self.external_tasks()],
            "states": {str(t.id): [TaskState.get_name(t.state).lower(), t.task_spec.bpmn_id]
                       for t in self._all_tasks() if not t.state & predicted and t.task_spec.bpmn_id},
            "data": self.data,
            "completed": self.completed,
            "timers": [[element, due.isoformat()] for element, due in self.waiting_timers()],
            "messages": sorted(self.waiting_messages()),
        }

    # -- acting --
    def _snapshot(self) -> dict:
        return {task.id: task.state for task in self._all_tasks()}

    def _run(self, action: Callable[[], Any], now: datetime) -> list[Change]:
        before = self._snapshot()
        with clock_at(now):
            try:
                action()
                self.workflow.refresh_timers()
                self.workflow.do_engine_steps()
            except UnsafeExpressionError:
                raise
            except SpiffWorkflowException as exc:
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, UnsafeExpressionError):
                    raise cause from None
                if isinstance(cause, MemoryError):
                    raise MemoryError from None
                raise WorkflowError(str(exc).split("\n")[0]) from None
        return self._changes(before)

    def step(self, now: datetime) -> list[Change]:
        """Fire due timers and run engine tasks until the case waits for a person, a message or time."""
        return self._run(lambda: None, now)

    def complete(self, task_id: str, data: dict[str, Any], now: datetime) -> list[Change]:
        task = self.workflow.get_task_from_id(UUID(task_id))

        def run_task():
            task.data.update(data)
            task.run()
        return self._run(run_task, now)

    def complete_external(self, task_id: str, variables: dict[str, Any], now: datetime) -> list[Change]:
        """A worker finished a service or send task: its variables join the case data, the case runs on."""
        task = external.ready_external(self._find(task_id), task_id)

        def run_task():
            task.data.update(variables)
            task.run()
        return self._run(run_task, now)

    def external_error(self, task_id: str, code: str, message: str, variables: dict[str, Any],
                       now: datetime) -> list[Change]:
        """A worker reported a BPMN error: the task's error boundary event catches it, or the step fails."""
        task = external.ready_external(self._find(task_id), task_id)
        boundary = external.error_boundary(task, code)
        if boundary is None:
            raise WorkflowError(f"BPMN error '{code}' of external task '{task.task_spec.bpmn_id}' is caught by no "
                                "error boundary event on the task")
        return self._run(lambda: external.throw_error(boundary, code, message, variables), now)

    def _find(self, task_id: str):
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError, TaskNotFoundException):
            return None

    def deliver(self, name: str, payload: dict[str, Any], now: datetime) -> list[Change]:
        event = BpmnEvent(MessageEventDefinition(name), payload={"payload": payload, "result_var": name})
        return self._run(lambda: self.workflow.send_event(event), now)

    def cancel(self) -> list[Task]:
        return self.workflow.cancel()

    def _changes(self, before: dict) -> list[Change]:
        changes = []
        for task in self._all_tasks():
            spec: TaskSpec = task.task_spec
            previous = before.get(task.id)
            if spec.bpmn_id is None or previous == task.state:
                continue
            if task.state == TaskState.COMPLETED:
                changes.append(self._completed(task))
            elif task.state == TaskState.CANCELLED and previous == TaskState.READY and spec.manual:
                kind = EventType.EXTERNAL_TASK_CANCELLED if external.is_external(task) else EventType.TASK_CANCELLED
                changes.append(Change(kind, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, str(task.id),
                                      {"_at": task.last_state_change}))
        # in the order they happened; a task withdrawn by a timer is reported after the timer that won
        changes.sort(key=lambda c: (c.payload.pop("_at", 0), c.kind.endswith("task_cancelled")))
        return changes

    def _completed(self, task) -> Change:
        spec = task.task_spec
        kind, payload = "element_completed", dict[str, Any]()
        info = self.procedure.elements.get(spec.bpmn_id)
        if external.is_external(task):
            kind = EventType.EXTERNAL_TASK_COMPLETED
        elif spec.manual:
            kind = EventType.TASK_COMPLETED
        elif info is not None and info.event == "timer" and isinstance(spec, CatchingEvent):
            kind = EventType.TIMER_FIRED
        elif info is not None and info.event == "message" and isinstance(spec, CatchingEvent):
            kind, payload = EventType.MESSAGE_RECEIVED, {"message": info.message}
        elif hasattr(spec, "dmnEngine"):
            kind = EventType.DECISION_EVALUATED
            outputs = [o.name for o in spec.dmnEngine.decision_table.outputs]
            payload = {"decision": spec.dmnEngine.decision_table.id if hasattr(spec.dmnEngine.decision_table, "id")
                       else None, "result": {name: task.data.get(name) for name in outputs}}
        elif type(spec).__name__ == "EndEvent":
            kind = "end_reached"
        payload["_at"] = task.last_state_change
        return Change(kind, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, str(task.id), payload)


Task = Any  # SpiffWorkflow's Task, named only for type hints

