"""Moving a case's workflow onto another version of its procedure: the task tree is rebuilt on the new spec
task by task (same task ids, data and timer instants), its predictions are redone, and nothing of the
procedure's code runs, so the move can be previewed and is exact. SpiffWorkflow has no instance migration
of its own that keeps waiting timers; this one refuses, naming the element, whatever it cannot carry over."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from SpiffWorkflow.util.task import TaskState

from engine.workflow.parsing import Procedure
from engine.workflow.pruning import prune
from engine.workflow.running import CaseRun

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_PREDICTED = TaskState.FUTURE | TaskState.PREDICTED_MASK  # not reached yet: redone on the target


@dataclass
class Rebuilt:
    """The outcome of moving one workflow: its new state and position, or why it cannot move."""

    state: str | None = None
    ready: list[str] = field(default_factory=list)  # element ids of READY user tasks on the target
    timers: dict[str, str] = field(default_factory=dict)  # waiting timer element -> due (UTC ISO)
    positions: list[str] = field(default_factory=list)  # every active element (ready, waiting, started)
    moved: dict[str, str] = field(default_factory=dict)  # active element -> its counterpart, where ids differ
    problems: list[str] = field(default_factory=list)


def _target_name(name: str, mapping: dict[str, str]) -> str:
    """The spec name on the target: the mapped element id, keeping SpiffWorkflow's suffix if any."""
    if name in mapping:
        return mapping[name]
    base, dot, suffix = name.partition(".")
    return f"{mapping[base]}.{suffix}" if dot and base in mapping else name


def _kind(spec) -> str:
    return type(spec).__name__


def _move_tree(workflow, new_spec, mapping: dict[str, str], problems: list[str], where: str) -> None:
    """Point every task of one (sub)workflow at its counterpart in `new_spec`, refusing what has none."""
    for task in list(workflow.tasks.values()):
        old = task.task_spec
        name = _target_name(old.name, mapping)
        spec = new_spec.task_specs.get(name)
        element = old.bpmn_id or old.name
        if spec is None:
            if task.has_state(_ACTIVE):
                problems.append(f"{where}the case is at '{element}', which has no counterpart in the target "
                                "version (map it to an element of the target)")
            else:
                problems.append(f"{where}'{element}', on the path the case took to its position, has no counterpart "
                                "in the target version")
            continue
        if _kind(spec) != _kind(old) and task.has_state(_ACTIVE):
            problems.append(f"{where}'{element}' changed kind ({_kind(old)} -> {_kind(spec)}): the case's position "
                            "there cannot be carried over")
            continue
        task.task_spec = spec
    workflow.spec = new_spec


def _drop_predictions(workflow) -> None:
    """Forget the old version's predicted tasks; the new version's are predicted after the move."""
    for task in list(workflow.tasks.values()):
        if task.id in workflow.tasks and task.has_state(_PREDICTED) and task.parent is not None \
                and not task.parent.has_state(_PREDICTED):
            workflow._remove_task(task.id)


def _predict(workflow) -> None:
    for task in list(workflow.tasks.values()):
        if task.has_state(_ACTIVE):
            task.task_spec._predict(task, mask=_PREDICTED | _ACTIVE)


def _subprocess_problems(run: CaseRun, target: Procedure, mapping: dict[str, str]) -> list[str]:
    problems = []
    for sub in run.workflow.subprocesses.values():
        name = _target_name(sub.spec.name, mapping)
        if name not in target.subprocess_specs:
            problems.append(f"the case is inside subprocess '{sub.spec.name}', which the target version does not have")
    return problems


def _shape_problems(run: CaseRun, target: Procedure, mapping: dict[str, str]) -> list[str]:
    """A running subprocess must still be a subprocess on the target, with the same parent task."""
    problems = []
    for task_id, sub in run.workflow.subprocesses.items():
        parent = run.workflow.get_task_from_id(task_id)
        if parent is None or _target_name(sub.spec.name, mapping) not in target.subprocess_specs:
            continue  # a subprocess the target lacks altogether is named once, by _subprocess_problems
        name = _target_name(parent.task_spec.name, mapping)
        spec = target.spec.task_specs.get(name) or next(
            (s.task_specs.get(name) for s in target.subprocess_specs.values() if name in s.task_specs), None)
        if spec is None or _kind(spec) != _kind(parent.task_spec):
            problems.append(f"subprocess '{parent.task_spec.bpmn_id}' changed shape in the target version "
                            "(it is gone or no longer a subprocess)")
    return problems


def rebuild(source: Procedure, target: Procedure, state: str, mapping: dict[str, str] | None = None,
            due: dict[str, datetime] | None = None) -> Rebuilt:
    """Move a saved workflow of `source` onto `target`. `mapping`: old element id -> new (default: same ids);
    `due`: new due instants for waiting timers by element id (else every timer keeps its instant)."""
    mapping, result = dict(mapping or {}), Rebuilt()
    run = CaseRun.load(source, state)
    prune(run.workflow)  # only the finished tasks a later step reads need a counterpart
    result.problems = _subprocess_problems(run, target, mapping) + _shape_problems(run, target, mapping)
    if result.problems:
        return result
    for workflow in [run.workflow, *run.workflow.subprocesses.values()]:
        _drop_predictions(workflow)
    before = {str(t.id): t.task_spec.bpmn_id for t in run._all_tasks() if t.has_state(_ACTIVE) and t.task_spec.bpmn_id}
    _move_tree(run.workflow, target.spec, mapping, result.problems, "")
    for sub in run.workflow.subprocesses.values():
        spec = target.subprocess_specs[_target_name(sub.spec.name, mapping)]
        _move_tree(sub, spec, mapping, result.problems, f"in subprocess '{sub.spec.name}': ")
    if result.problems:
        return result
    run.workflow.subprocess_specs = target.subprocess_specs
    for workflow in [run.workflow, *run.workflow.subprocesses.values()]:
        _predict(workflow)
    for element, instant in (due or {}).items():
        if not _set_due(run, element, instant):
            result.problems.append(f"the plan sets a due time for '{element}', which the case does not wait on "
                                   "after the move")
    if result.problems:
        return result
    moved = CaseRun(target, run.workflow)
    result.state = moved.dump()
    check = CaseRun.load(target, result.state)  # what the next step will read: it must load on the target
    result.ready = [t.element_id for t in check.ready_tasks()]
    result.timers = {element: instant.isoformat() for element, instant in check.waiting_timers()}
    result.positions = sorted({t.task_spec.bpmn_id for t in check._all_tasks()
                               if t.has_state(_ACTIVE) and t.task_spec.bpmn_id})
    after = {str(t.id): t.task_spec.bpmn_id for t in check._all_tasks() if str(t.id) in before}
    result.moved = {before[i]: after[i] for i in before if i in after and after[i] != before[i]}
    return result


def _set_due(run: CaseRun, element: str, instant: datetime) -> bool:
    found = False
    for task in run._all_tasks():
        # a timer behind an event-based gateway waits as the gateway: name either
        names = {task.task_spec.bpmn_id, *(o.bpmn_id for o in task.task_spec.outputs)}
        if task.state == TaskState.WAITING and element in names:
            value = task.internal_data.get("event_value")
            at = instant.astimezone(timezone.utc).isoformat()
            task.internal_data["event_value"] = {**value, "next": at} if isinstance(value, dict) else at
            found = True
    return found
