"""Runs Camunda variable mappings inside the sandbox, each expression through the script engine (the safe
language, within the step's budget): camunda:inputOutput inputs when the element becomes ready and outputs when
it completes; a call activity's camunda:in when the called process starts and camunda:out when it ends."""
from __future__ import annotations

from copy import deepcopy
from typing import Any, Iterable

_SAVED = "dueflow_mapped_inputs"  # internal data: the case values the inputs hid, to put back at the end
_ABSENT = "__absent__"


def _evaluate(task: Any, expression: str) -> Any:
    return task.workflow.script_engine.evaluate(task, expression)


def _apply_inputs(task: Any, inputs: tuple[tuple[str, str], ...]) -> None:
    saved: dict[str, Any] = {}
    for name, expression in inputs:
        value = _evaluate(task, expression)
        saved.setdefault(name, task.data.get(name, _ABSENT))
        task.data[name] = value
    task.internal_data[_SAVED] = saved


def _with_mappings(spec: Any, inputs: tuple[tuple[str, str], ...], outputs: tuple[tuple[str, str], ...]) -> None:
    complete = spec._on_complete_hook
    if hasattr(spec, "copy_data"):  # a subprocess: its body starts from the data copied when it starts
        copy = spec.copy_data

        def copy_with_inputs(task: Any, subworkflow: Any) -> Any:
            _apply_inputs(task, inputs)
            return copy(task, subworkflow)

        spec.copy_data = copy_with_inputs
    else:
        update = spec._update_hook

        def update_with_inputs(task: Any) -> Any:
            ready = update(task)  # inherits the case's data first
            if ready:
                _apply_inputs(task, inputs)
            return ready

        spec._update_hook = update_with_inputs

    def complete_with_outputs(task: Any) -> Any:
        results = [(name, _evaluate(task, expression)) for name, expression in outputs]
        # the inputs were the element's own variables: the case sees its values from before again
        for name, before in task.internal_data.pop(_SAVED, {}).items():
            if before == _ABSENT:
                task.data.pop(name, None)
            else:
                task.data[name] = before
        task.data.update(results)
        return complete(task)

    spec._on_complete_hook = complete_with_outputs


def _crossed(task: Any, data: dict[str, Any], mapped: Iterable[tuple[str, str | None, str | None]]) -> dict:
    return {target: deepcopy(data.get(source)) if source is not None else _evaluate(task, expression or "None")
            for target, source, expression in mapped}


def _with_call_mappings(spec: Any, found: Any) -> None:
    copy, update = spec.copy_data, spec.update_data

    def copy_mapped(task: Any, subworkflow: Any) -> Any:
        copy(task, subworkflow)
        start = subworkflow.get_next_task(spec_name="Start")
        given = deepcopy(task.data) if found.in_all else {}
        given.update(_crossed(task, task.data, found.ins))
        start.data = given

    def update_mapped(task: Any, subworkflow: Any) -> Any:
        kept = deepcopy(task.data)
        update(task, subworkflow)
        returned = subworkflow.last_task.data
        if found.out_all:
            kept.update(deepcopy(returned))
        kept.update(_crossed(subworkflow.last_task, returned, found.outs))
        task.data = kept

    spec.copy_data, spec.update_data = copy_mapped, update_mapped


def attach_mappings(specs: Iterable[Any], mappings: dict[str, Any]) -> None:
    """Give every task spec of the procedure (and of its subprocesses) the mappings of its BPMN element."""
    if not mappings:
        return
    for process in specs:
        for spec in process.task_specs.values():
            found = mappings.get(getattr(spec, "bpmn_id", None) or "")
            if found is None:
                continue
            if hasattr(found, "in_all"):  # a call activity's camunda:in/out
                _with_call_mappings(spec, found)
            elif found.inputs or found.outputs:
                _with_mappings(spec, found.inputs, found.outputs)
