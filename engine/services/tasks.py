"""Use cases on user tasks: the worklist, one task with its form, and completing a task."""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from engine import forms, values
from engine.domain import (Actor, CaseNotOpenError, CaseStatus, DueflowError, InvalidDataError, RightsGateError,
                           SeparationOfDutiesError, StaleCaseError, TaskAlreadyCompletedError, TaskNotFoundError,
                           TaskNotReadyError, TaskState)
from engine.domain import EventType
from engine.services import access, gates, incidents, issuing, steps
from engine.services.runtime import Runtime
from engine.services.views import CaseView, TaskView
from engine.store import queries


def ready_tasks(rt: Runtime, *, actor: Actor, case_id: int | None = None, all_roles: bool = False,
                after: str | None = None, limit: int = 200) -> list[TaskView]:
    """The actor's worklist: READY tasks of their lane(s) in the departments they may see, soonest due first;
    `after` is the cursor of the last task of the previous page (next_cursor())."""
    role = access.role_of(actor)
    roles = None if all_roles or role in access.ALL_DEPARTMENTS else [role.value]
    with rt.store.transaction(write=False) as session:
        rows = queries.worklist(session, roles=roles, departments=access.departments_visible(actor), case_id=case_id,
                                after=_position(after) if after else None, limit=limit)
        described: dict[tuple[int, str], dict[str, Any]] = {}  # a page holds few distinct tasks: look each up once
        for row in rows:
            key = (row.procedure_version_id, row.element_id)
            if key not in described:
                described[key] = _described(rt, session, *key)
        return [TaskView.listed(row, **described[row.procedure_version_id, row.element_id]) for row in rows]


def next_cursor(page: list[TaskView], limit: int) -> str | None:
    """The cursor that continues a full page of the worklist (None when the page was the last)."""
    if len(page) < limit:
        return None
    last = page[-1]
    raw = json.dumps([last.due_at, last.created_at, last.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(cursor: str) -> tuple[datetime | None, datetime, str]:
    try:
        due, created, task_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (datetime.fromisoformat(due) if due else None), datetime.fromisoformat(created), str(task_id)
    except (ValueError, TypeError):
        raise InvalidDataError.for_fields({"after": "is not a worklist cursor (take it from the previous page)"}) \
            from None


def _described(rt: Runtime, session: Any, version_id: int, element_id: str) -> dict[str, Any]:
    """The task's name in every language its procedure translates it into, and the documents it issues (parsed
    versions are cached)."""
    procedure, _ = rt.procedure_by_version_id(session, version_id)
    info = procedure.elements.get(element_id)
    return {"names": info.names if info is not None else {}, "documents": issuing.task_documents_of(info)}


def get_task(rt: Runtime, *, task_id: str, actor: Actor) -> TaskView:
    with rt.store.transaction(write=False) as session:
        task = queries.task(session, task_id)
        if task is None:
            raise TaskNotFoundError(f"no task {task_id}")
        case = queries.case(session, task.case_id)
        if case is None:  # the foreign key forbids it; say so rather than fail on None
            raise TaskNotFoundError(f"no task {task_id}")
        access.require_task_readable(session, actor, task, case)
        access.require_case_visible(actor, task.department)
        procedure, _ = rt.procedure_by_version_id(session, case.procedure_version_id)
        info = procedure.elements.get(task.element_id)
        return TaskView.of(task, case, [f.as_dict() for f in procedure.form(task.element_id)],
                           names=info.names if info is not None else {}, documents=issuing.task_documents_of(info))


MAX_ATTEMPTS = 3


def complete_task(rt: Runtime, *, task_id: str, data: dict[str, Any], actor: Actor,
                  expected_version: int | None = None) -> CaseView:
    """Complete a READY task with validated form data and run the case to its next wait; all or nothing.

    Due timers fire first, so a deadline that passed wins over a late click; that outcome is saved even
    though the click is refused. The step is computed from a snapshot and written in a short transaction
    only if the case row still has the version read (optimistic: no lock is held while the engine runs);
    if someone changed the case meanwhile it is computed again, and a second click then finds the task done."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return _complete_once(rt, task_id, data, actor, expected_version)
        except StaleCaseError:
            if expected_version is not None or attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _complete_once(rt: Runtime, task_id: str, data: dict[str, Any], actor: Actor,
                   expected_version: int | None) -> CaseView:
    refusal: DueflowError | None = None
    now = rt.now()
    with rt.store.transaction(write=False) as session:
        found = queries.task_with_case(session, task_id)
        if found is None:
            raise TaskNotFoundError(f"no task {task_id}")
        task, case = found
        access.require_task_readable(session, actor, task, case)
        step = steps.load(rt, session, task.case_id, case)
        access.require_task_role(actor, task.role, task.department)
        if step.case.status != CaseStatus.OPEN.value:
            raise CaseNotOpenError(f"case {step.case.case_no} is {step.case.status}; its tasks wait")
        if expected_version is not None and expected_version != step.case.row_version:
            raise StaleCaseError(f"case {step.case.case_no} changed since you loaded it "
                                 f"(now version {step.case.row_version})")
        due = step.case.next_due_at is not None and step.case.next_due_at <= now
        changes = step.run.step(now) if due else []  # a deadline that passed wins over this click
        # a finished task may have been pruned from the engine's tree: its row still says what happened
        state = step.run.task_state(task_id) or (task.state if task.state != TaskState.READY.value else None)
        if state == "completed":
            raise TaskAlreadyCompletedError(f"task '{task.name}' was already completed")
        if state != "ready":
            refusal = TaskNotReadyError(_why_not_ready(task.name, state))
        if refusal is None:
            form = step.procedure.form(task.element_id)
            values.check_json_value(data or {}, path="")
            cleaned = forms.validate(form, data or {}) if form else _free_data(data)
            values.check_json_value(cleaned, path="")
            handover = steps.handover_of(step.case, cleaned, actor)
            try:
                facts = gates.check_task(session, step, task.element_id, cleaned, actor, now)
            except (RightsGateError, SeparationOfDutiesError) as gate:
                # the refusal itself is part of the record: audit it, keep the case as it was
                refusal = gate
                steps.record(session, step, EventType.STEP_REFUSED, actor, now, task.element_id, code=gate.code,
                             reason=gate.message, task_id=task_id)
                steps.save(session, step, changes, actor=actor, now=now, write=False)
            else:
                issue = issuing.plan_task_documents(rt, step, element_id=task.element_id, data=cleaned,
                                                    actor=actor, now=now)
                try:
                    done = step.run.complete(task_id, cleaned, now)
                except incidents.STEP_FAILURES as failure:
                    # nothing of the failed step is kept; its failure is audited and waits as an incident
                    refusal = failure
                    incidents.record_failure(session, step, failure, actor=actor, now=now,
                                             element_id=task.element_id,
                                             action={"kind": "complete", "task_id": task_id, "data": cleaned})
                    steps.save(session, step, changes, actor=actor, now=now, write=False)
                else:
                    for event_type, payload in facts:
                        steps.record(session, step, event_type, actor, now, task.element_id, **payload)
                    steps.save(session, step, changes + done, actor=actor, now=now, task_data=cleaned,
                               handover=handover, write=False)
                    if issue is not None:  # the documents the task issues, after its events, in its write
                        step.deferred.append(issue)
        elif changes:
            steps.save(session, step, changes, actor=actor, now=now, write=False)
        else:
            raise refusal
    with rt.store.transaction() as session:
        steps.write_prepared(session, step)
        view = steps.case_view(session, step)
    if refusal is not None:
        raise refusal
    return view


def _why_not_ready(name: str, state: str | None) -> str:
    if state == "cancelled":
        return f"task '{name}' can no longer be completed: its deadline passed and the procedure moved on"
    return f"task '{name}' is not ready (it is {state or 'unknown'})"


def _free_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """A task without a declared form takes no data: nothing undeclared enters the case."""
    if data:
        raise InvalidDataError.for_fields({name: "is not a field of this form" for name in data})
    return {}

