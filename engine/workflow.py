"""The only module that imports SpiffWorkflow: parse procedures, run a case to its next user input in a
restricted script environment, serialize state without the spec, and report what changed. No database."""
from __future__ import annotations

import copy
import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as _BaseMessage
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.util.task import TaskState

from engine import expressions, procedure_source
from engine.domain import (ProcedureInvalidError, Problem, UnsafeExpressionError, WorkflowError)
from engine.forms import FormField
from engine.procedure_source import ElementInfo, SourceModel

# ---- the clock: SpiffWorkflow reads datetime.now() for timers; route it through an injectable clock ----

_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("dueflow_clock", default=None)


class _ClockedDatetime(datetime):
    """datetime whose now() answers from the clock of the current step, so tests move time without sleeping."""

    @classmethod
    def now(cls, tz=None):
        clock = _clock.get()
        if clock is None:
            return datetime.now(tz)
        value = clock()
        return value.astimezone(tz) if tz else value


spiff_timer.datetime = _ClockedDatetime


@contextmanager
def clock_at(now: datetime) -> Iterator[None]:
    token = _clock.set(lambda: now)
    try:
        yield
    finally:
        _clock.reset(token)


# ---- the restricted script environment ------------------------------------------------------------

class SafeEnvironment(TaskDataEnvironment):
    """Evaluates only the checked Python subset, with whitelisted builtins and helper functions."""

    def evaluate(self, expression, context, external_context=None):
        code = _checked(expression, "eval")
        scope = {**self.globals, **(external_context or {}), **context, "__builtins__": expressions.SAFE_BUILTINS}
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = _checked(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = expressions.SAFE_BUILTINS
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def _checked(source: str, mode: str):
    try:
        return expressions.compile_checked(source, mode)
    except expressions.ExpressionError as exc:
        raise UnsafeExpressionError(str(exc)) from None


_helpers: dict[str, Callable] = {}


def register_helper(name: str, function: Callable) -> None:
    """Expose a plain function (e.g. a legal-calendar period) to procedure expressions."""
    _helpers[name] = function
    SCRIPT_ENGINE.environment.globals[name] = function


SCRIPT_ENGINE = PythonScriptEngine(environment=SafeEnvironment({}))


# ---- parsing ---------------------------------------------------------------------------------------

@dataclass
class Procedure:
    """A parsed, checked procedure version: the executable spec plus forms, lanes, stages and messages."""

    key: str
    name: str
    sha256: str
    spec: Any
    subprocess_specs: dict
    source: SourceModel

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
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def _xsd_problems(model: SourceModel) -> list[Problem]:
    problems = []
    pairs = [(f, r, XSD_PATH) for f, r in model.bpmn]
    pairs += [(f, r, DMN_SCHEMAS.get(etree.QName(r).namespace)) for f, r in model.dmn]
    for file, root, xsd in pairs:
        if xsd is None:
            continue
        schema = _schema(xsd)
        if not schema.validate(root):
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
    parser = CamundaParser()
    try:
        for file, root in model.dmn:
            parser.add_dmn_xml(root, filename=file)
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
                     subprocess_specs=subprocess_specs, source=model)


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

    kind: str  # task_completed, timer_fired, message_received, decision_evaluated, task_cancelled, ...
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
        return json.dumps(SERIALIZER.to_dict(self.workflow), separators=(",", ":"), default=str)

    def _set_safe_engine(self) -> None:
        # deserialization restores the unsafe default engine: set ours on every (sub)workflow, every time
        self.workflow.script_engine = SCRIPT_ENGINE
        for subprocess in self.workflow.subprocesses.values():
            subprocess.script_engine = SCRIPT_ENGINE

    # -- reading --
    def _all_tasks(self):
        yield from self.workflow.tasks.values()
        for subprocess in self.workflow.subprocesses.values():
            yield from subprocess.tasks.values()

    def ready_tasks(self) -> list[ReadyTask]:
        return [ReadyTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                          t.task_spec.lane)
                for t in self._all_tasks() if t.state == TaskState.READY and t.task_spec.manual]

    def task_state(self, task_id: str) -> str | None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError):
            return None
        if task is None:
            return None
        return TaskState.get_name(task.state).lower()

    def task_element(self, task_id: str) -> str | None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, TypeError):
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

    def waiting_messages(self) -> set[str]:
        return {d.name for _, definitions in self._waiting_definitions(_BaseMessage) for d in definitions}

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
                changes.append(Change("task_cancelled", spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, str(task.id),
                                      {"_at": task.last_state_change}))
        # in the order they happened; a task withdrawn by a timer is reported after the timer that won
        changes.sort(key=lambda c: (c.payload.pop("_at", 0), c.kind == "task_cancelled"))
        return changes

    def _completed(self, task) -> Change:
        spec = task.task_spec
        kind, payload = "element_completed", {}
        info = self.procedure.elements.get(spec.bpmn_id)
        if spec.manual:
            kind = "task_completed"
        elif info is not None and info.event == "timer" and isinstance(spec, CatchingEvent):
            kind = "timer_fired"
        elif info is not None and info.event == "message" and isinstance(spec, CatchingEvent):
            kind, payload = "message_received", {"message": info.message}
        elif hasattr(spec, "dmnEngine"):
            kind = "decision_evaluated"
            outputs = [o.name for o in spec.dmnEngine.decision_table.outputs]
            payload = {"decision": spec.dmnEngine.decision_table.id if hasattr(spec.dmnEngine.decision_table, "id")
                       else None, "result": {name: task.data.get(name) for name in outputs}}
        elif type(spec).__name__ == "EndEvent":
            kind = "end_reached"
        payload["_at"] = task.last_state_change
        return Change(kind, spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, str(task.id), payload)


Task = Any  # SpiffWorkflow's Task, named only for type hints
