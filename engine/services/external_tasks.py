"""External tasks, as Camunda 7 users know them: service and send tasks wait until a worker fetches them by
topic with a lock, then completes them with variables, reports a failure (retries left; none left: an
incident) or a BPMN error an error boundary event catches. Every act is audited on the case's chain.
Locks expire on the runtime clock; an expired task is fetchable again and its old holder may not finish it."""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from engine import values
from engine.domain import (Actor, CaseNotOpenError, CaseStatus, DueflowError, ExternalTaskFailedError,
                           ExternalTaskLockError, ExternalTaskNotFoundError, ForbiddenError, InvalidDataError, Role,
                           StaleCaseError, TaskAlreadyCompletedError, TaskNotReadyError)
from engine.services import access, incidents, steps, users
from engine.services.runtime import Runtime
from engine.store import ExternalTaskRecord, Session, external_tasks, queries

WORKERS = frozenset({Role.WORKER, Role.SYSTEM})
MAX_TASKS = 100
MAX_LOCK_MS = 7 * 24 * 3600 * 1000  # a week: a worker that needs longer extends nothing, it fails and retries
MAX_RETRIES = 1000
MAX_MESSAGE = 2000
MAX_ATTEMPTS = 3
_WORKER_ID = re.compile(r"^[^\x00-\x1f]{1,100}$")
_VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")


@dataclass
class LockedExternalTask:
    """One fetched task, named as Camunda 7's REST API names it so its clients read it unchanged."""

    id: str
    topicName: str
    workerId: str
    lockExpirationTime: str
    activityId: str
    activityName: str
    caseId: int
    businessKey: str | None  # the case number
    processDefinitionKey: str
    retries: int | None
    errorMessage: str | None
    variables: dict[str, Any]


def fetch_and_lock(rt: Runtime, *, actor: Actor, worker_id: str, max_tasks: int, topics: list[tuple[str, int]],
                   variables: dict[str, list[str]] | None = None) -> list[LockedExternalTask]:
    """Lock up to `max_tasks` fetchable tasks of the given topics (name, lock duration in ms) for the worker;
    each lock is audited on its case's chain. A worker names only topics of its account. `variables` limits,
    per topic, the case variables sent (Camunda's `variables`): a worker needs rarely all of a case's data."""
    access.require_role(actor, WORKERS, "fetch external tasks")
    worker_id = _worker_id(worker_id)
    if not 1 <= max_tasks <= MAX_TASKS:
        raise InvalidDataError.for_fields({"maxTasks": f"between 1 and {MAX_TASKS}"})
    if not topics:
        raise InvalidDataError.for_fields({"topics": "name at least one topic to fetch"})
    durations: dict[str, int] = {}
    for name, lock_ms in topics:
        if not 1 <= lock_ms <= MAX_LOCK_MS:
            raise InvalidDataError.for_fields({"lockDuration": f"between 1 and {MAX_LOCK_MS} milliseconds"})
        durations[name] = lock_ms
    allowed = _topics_of(rt, actor)
    refused = sorted(name for name in durations if allowed is not None and name not in allowed)
    if refused:
        raise ForbiddenError(f"worker account '{actor.username}' may not fetch topic '{refused[0]}'")
    now = rt.now()
    locked: list[LockedExternalTask] = []
    with rt.store.transaction() as session:
        rows = external_tasks.fetchable(session, topics=list(durations), now=now, limit=max_tasks)
        for case_id in sorted({row.case_id for row in rows}):  # in case order: two fetches never deadlock
            step = steps.load(rt, session, case_id)
            for row in (r for r in rows if r.case_id == case_id):
                until = now + timedelta(milliseconds=durations[row.topic])
                row.lock_owner, row.lock_expires_at = worker_id, until
                steps.record(session, step, "external_task_locked", actor, now, row.element_id, task_id=row.id,
                             topic=row.topic, worker_id=worker_id, lock_expires_at=until.isoformat())
                wanted = (variables or {}).get(row.topic)
                locked.append(_locked(row, step, worker_id, wanted))
            steps.save(session, step, [], actor=actor, now=now)
    return locked


def complete(rt: Runtime, *, actor: Actor, task_id: str, worker_id: str, variables: dict[str, Any]) -> None:
    """The lock holder finished the task: its variables join the case data and the case runs to its next wait."""
    cleaned = check_variables(variables)

    def act(session: Session, step: steps.Step, row: ExternalTaskRecord, now: datetime) -> list:
        done = step.run.complete_external(task_id, cleaned, now)
        for change in done:
            if change.kind == "external_task_completed" and change.task_id == task_id:
                change.payload.update(worker_id=worker_id, topic=row.topic)
        return done
    _on_locked_task(rt, actor=actor, task_id=task_id, worker_id=worker_id, act=act, data=cleaned)


def bpmn_error(rt: Runtime, *, actor: Actor, task_id: str, worker_id: str, error_code: str,
               error_message: str = "", variables: dict[str, Any] | None = None) -> None:
    """The lock holder reports a business error: the task's error boundary event takes its path; an error no
    boundary event catches becomes an incident (the task waits, not fetchable, until an admin retries it)."""
    code = (error_code or "").strip()
    if not code or len(code) > 200:
        raise InvalidDataError.for_fields({"errorCode": "1-200 characters: the error code the boundary event names"})
    message, cleaned = _message(error_message), check_variables(variables or {})

    def act(session: Session, step: steps.Step, row: ExternalTaskRecord, now: datetime) -> list:
        steps.record(session, step, "bpmn_error_thrown", actor, now, row.element_id, task_id=task_id,
                     worker_id=worker_id, error_code=code, error_message=message)
        return step.run.external_error(task_id, code, message, cleaned, now)
    _on_locked_task(rt, actor=actor, task_id=task_id, worker_id=worker_id, act=act, data=cleaned)


def failure(rt: Runtime, *, actor: Actor, task_id: str, worker_id: str, error_message: str, retries: int,
            retry_timeout_ms: int = 0) -> None:
    """The lock holder could not do the task: with retries left it is fetchable again after the retry timeout;
    with none left an incident opens (audited) and the task waits for an admin."""
    message = _message(error_message)
    if not 0 <= retries <= MAX_RETRIES:
        raise InvalidDataError.for_fields({"retries": f"between 0 and {MAX_RETRIES}"})
    if not 0 <= retry_timeout_ms <= MAX_LOCK_MS:
        raise InvalidDataError.for_fields({"retryTimeout": f"between 0 and {MAX_LOCK_MS} milliseconds"})
    now = rt.now()
    with rt.store.transaction() as session:
        row, step = _held(rt, session, actor, task_id, worker_id, now, lock=True)
        retry_at = now + timedelta(milliseconds=retry_timeout_ms)
        row.retries, row.error_message, row.lock_owner, row.lock_expires_at = retries, message, None, retry_at
        steps.record(session, step, "external_task_failed", actor, now, row.element_id, task_id=task_id,
                     worker_id=worker_id, error_message=message, retries=retries,
                     **({"retry_at": retry_at.isoformat()} if retries else {}))
        if retries == 0:
            incidents.record_failure(session, step, ExternalTaskFailedError(
                f"external task '{row.name}' (topic {row.topic}) failed with no retries left: {message}"),
                actor=actor, now=now, element_id=row.element_id, action={"kind": "external", "task_id": task_id})
        steps.save(session, step, [], actor=actor, now=now)


def release(rt: Runtime, *, task_id: str, actor: Actor) -> None:
    """An admin's retry of an external task's incident: the task is fetchable again with fresh retries."""
    access.require_role(actor, incidents.HANDLERS, "retry external tasks")
    now = rt.now()
    with rt.store.transaction() as session:
        row = external_tasks.external_task(session, task_id, lock=True)
        if row is None or row.state != "ready":
            raise TaskNotReadyError(f"external task {task_id} no longer waits")
        step = steps.load(rt, session, row.case_id)
        row.retries, row.lock_owner, row.lock_expires_at = None, None, None
        steps.record(session, step, "external_task_released", actor, now, row.element_id, task_id=task_id,
                     topic=row.topic)
        steps.save(session, step, [], actor=actor, now=now)


def check_variables(variables: Any) -> dict[str, Any]:
    """Variables a worker sends: plain values, or Camunda's typed form {"value": ..., "type": ...} unwrapped;
    names like the process's own variables (no leading underscore, no Python keyword)."""
    if not isinstance(variables, dict):
        raise InvalidDataError.for_fields({"variables": "must be an object of variable names to values"})
    problems = {f"variables.{str(name)[:60]}": "must be a name like 'registry_status' (letters, digits, '_')"
                for name in variables if not isinstance(name, str) or not _VARIABLE.match(name)
                or keyword.iskeyword(name)}
    if problems:
        raise InvalidDataError.for_fields(problems)
    cleaned = {name: value["value"] if isinstance(value, dict) and "value" in value
               and set(value) <= {"value", "type", "valueInfo"} else value for name, value in variables.items()}
    values.check_json_value(cleaned, path="variables")
    return cleaned


# ---- the shape of complete and bpmn_error --------------------------------------------------------

def _on_locked_task(rt: Runtime, *, actor: Actor, task_id: str, worker_id: str,
                    act: Callable[[Session, steps.Step, ExternalTaskRecord, datetime], list], data: dict) -> None:
    """Computed from a snapshot with no lock held, written in a short versioned transaction (as complete_task):
    due timers fire first, so a boundary timer that already withdrew the task wins over a late worker."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return _once(rt, actor, task_id, worker_id, act, data)
        except StaleCaseError:
            if attempt == MAX_ATTEMPTS:
                raise


def _once(rt, actor, task_id, worker_id, act, data) -> None:
    refusal: DueflowError | None = None
    now = rt.now()
    with rt.store.transaction(write=False) as session:
        row, step = _held(rt, session, actor, task_id, worker_id, now, lock=False)
        due = step.case.next_due_at is not None and step.case.next_due_at <= now
        changes = step.run.step(now) if due else []
        if step.run.task_state(task_id) != "ready":
            refusal = TaskNotReadyError(f"external task '{row.name}' was withdrawn: a boundary event on it fired")
            steps.save(session, step, changes, actor=actor, now=now, write=False)
        else:
            try:
                changes += act(session, step, row, now)
            except incidents.STEP_FAILURES as failed:
                # nothing of the failed step is kept; the task waits (not fetchable) for an admin's retry
                incidents.record_failure(session, step, failed, actor=actor, now=now, element_id=row.element_id,
                                         action={"kind": "external", "task_id": task_id})
                reason = failed.message
                step.deferred.append(lambda write: external_tasks.set_lock(
                    write, task_id, retries=0, lock_owner=None, lock_expires_at=None, error_message=reason))
            steps.save(session, step, changes, actor=actor, now=now, task_data=data, write=False)
    with rt.store.transaction() as session:
        steps.write_prepared(session, step)
    if refusal is not None:
        raise refusal


def _held(rt: Runtime, session: Session, actor: Actor, task_id: str, worker_id: str, now: datetime, *,
          lock: bool) -> tuple[ExternalTaskRecord, steps.Step]:
    """The task and its case's step, if this worker holds the task's lock now; refusals name why."""
    access.require_role(actor, WORKERS, "work on external tasks")
    worker_id = _worker_id(worker_id)
    row = external_tasks.external_task(session, task_id, lock=lock)
    allowed = _topics_of(rt, actor)
    if row is None or (allowed is not None and row.topic not in allowed):  # other topics do not exist for it
        raise ExternalTaskNotFoundError(f"no external task {task_id}")
    if row.state == "completed":
        raise TaskAlreadyCompletedError(f"external task '{row.name}' was already completed")
    if row.state != "ready":
        raise TaskNotReadyError(f"external task '{row.name}' no longer waits (it is {row.state})")
    if row.lock_owner != worker_id or row.lock_expires_at is None or row.lock_expires_at <= now:
        raise ExternalTaskLockError(f"worker '{worker_id}' does not hold the lock of external task '{row.name}': "
                                    "fetch and lock it first (a lock that expired may have gone to another)")
    case = queries.case(session, row.case_id, lock=lock)
    step = steps.load(rt, session, row.case_id, case)
    if step.case.status != CaseStatus.OPEN.value:
        raise CaseNotOpenError(f"case {step.case.case_no} is {step.case.status}; its tasks wait")
    return row, step


def _topics_of(rt: Runtime, actor: Actor) -> set[str] | None:
    """The topics the account may work on; None (all) for the system itself."""
    return None if access.role_of(actor) == Role.SYSTEM else set(users.topics_of(rt, actor=actor))


def _worker_id(worker_id: str) -> str:
    if not isinstance(worker_id, str) or not _WORKER_ID.match(worker_id.strip()):
        raise InvalidDataError.for_fields({"workerId": "1-100 characters on one line naming the worker process"})
    return worker_id.strip()


def _message(message: str | None) -> str:
    text = (message or "").strip()
    values.check_json_value(text, path="errorMessage")
    return text[:MAX_MESSAGE]


def _locked(row: ExternalTaskRecord, step: steps.Step, worker_id: str, wanted: list[str] | None) -> LockedExternalTask:
    data = step.run.data
    sent = dict(data) if wanted is None else {name: data[name] for name in wanted if name in data}
    return LockedExternalTask(
        id=row.id, topicName=row.topic, workerId=worker_id, lockExpirationTime=row.lock_expires_at.isoformat()
        if row.lock_expires_at else "", activityId=row.element_id, activityName=row.name, caseId=row.case_id,
        businessKey=step.case.case_no, processDefinitionKey=step.procedure.key, retries=row.retries,
        errorMessage=row.error_message, variables=sent)
