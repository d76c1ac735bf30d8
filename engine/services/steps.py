"""The shape every case-changing use case shares: load the case under lock, act, then write state, tasks,
deadlines and the audit events of everything that changed, all in the caller's one transaction."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from engine import audit
from engine.services import access
from engine.services import handover as handover_
from engine.services import service_periods
from engine.domain import Actor, CaseNotFoundError, CaseStatus, InvalidDataError, Role, TaskState
from engine.domain import EventType
from engine.services.time_limits import add_time_limits
from engine.services.runtime import Runtime
from engine.services.views import CaseView, TaskView
from engine.store import CaseRecord, ExternalTaskRecord, Session, Store, TaskRecord, external_tasks, queries
from engine.workflow import Change, Procedure, RemoteRun

TIMER = Actor("timer", Role.SYSTEM)
STUCK_TIMER_RETRY = timedelta(minutes=5)
ENGINE = Actor("engine", Role.SYSTEM)


@dataclass
class Step:
    case: CaseRecord
    procedure: Procedure
    label: str  # "key:version"
    run: RemoteRun
    ready_records: list[TaskRecord] | None = None
    ready_before: frozenset[str] = frozenset()  # task ids READY when loaded: exactly the case's READY task rows
    external_before: frozenset[str] = frozenset()  # likewise for the READY external-task rows
    runtime: Runtime | None = None  # set when the step may keep its workflow warm after commit
    audit_key: bytes = b""  # seals the step's audit events (the runtime's settings; see load)
    pending: list = field(default_factory=list)  # audit events chained by record(), inserted by save()
    plan: tuple = ([], [])  # task rows to insert and to close, prepared by save()
    deferred: list[Callable[[Session], None]] = field(default_factory=list)  # other writes, done by write_prepared


def load(rt: Runtime, session: Session, case_id: int, case: CaseRecord | None = None) -> Step:
    """The case row locked for this transaction (FOR UPDATE on PostgreSQL), with its workflow deserialized.
    Pass `case` when the caller already selected it with the lock."""
    case = case or queries.case(session, case_id, lock=True)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    procedure, label = rt.procedure_by_version_id(session, case.procedure_version_id)
    run = rt.take_run(case.id, case.row_version) or rt.load_run(procedure, case.workflow_state)
    step = Step(case, procedure, label, run, ready_before=frozenset(t.task_id for t in run.ready_tasks()),
                external_before=frozenset(t.task_id for t in run.external_tasks()))
    step.runtime, step.audit_key = rt, rt.settings.audit_key
    return step


def record(session: Session, step: Step, event_type: str, actor: Actor, now: datetime,
           element_id: str | None = None, **payload: Any) -> None:
    audit.record(session, key=step.audit_key, case=step.case, event_type=event_type,
                 actor=actor, now=now, element_id=element_id, procedure_version=step.label, payload=payload,
                 batch=step.pending)


def save(session: Session, step: Step, changes: list[Change], *, actor: Actor, now: datetime,
         task_data: dict[str, Any] | None = None, message_payload: dict[str, Any] | None = None,
         handover: str | None = None, write: bool = True) -> None:
    """Audit what changed, then write the case's state, tasks, deadlines, stage and status. With
    `write=False` everything is prepared on the step and written later by write() (see complete_task).
    `handover` is the department a dispatcher's completion hands the case to (see handover_of)."""
    _audit_changes(session, step, changes, actor, now, task_data, message_payload)
    case, run = step.case, step.run
    _assign_department(session, step, actor, now, handover)
    previous = {d["element_id"] for d in step.case.deadlines or []}
    jurisdiction = step.runtime.jurisdiction if step.runtime else "cn"
    from_service = service_periods.reset_timers(step, jurisdiction=jurisdiction)  # periods the law starts at service
    due_by_task = _sync_deadlines(step)
    add_time_limits(step, due_by_task, jurisdiction)
    for deadline in step.case.deadlines:
        served = from_service.get(deadline["element_id"])
        if deadline["element_id"] not in previous or served:  # the party's and the officer's clocks, on the record
            record(session, step, EventType.DEADLINE_SET, TIMER, now, deadline["element_id"], stage=deadline["stage"],
                   due_at=deadline["due_at"], name=deadline["name"], **({"from_service": served} if served else {}))
    new_tasks, finished = _sync_tasks(session, step, actor, now, due_by_task)
    if step.runtime is not None:  # who holds the case: dispatched by a form, or back with the dispatcher
        handover_.follow(session, step, actor=actor, now=now, record=record, jurisdiction=step.runtime.jurisdiction,
                         completed=[c.element_id for c in changes if c.kind == EventType.TASK_COMPLETED],
                         ready=[t.element_id for t in new_tasks], note=handover_.note_of(task_data))
    _sync_external_tasks(step, actor, now)
    if run.completed and case.status == CaseStatus.OPEN.value:
        end = next((c for c in reversed(changes) if c.kind == "end_reached"), None)
        info = step.procedure.elements.get(end.element_id) if end else None
        case.status, case.closed_at = CaseStatus.CLOSED.value, now
        case.outcome = (info.properties.get("outcome") if info else None) or (end.element_id if end else None)
        case.stage = (info.stage if info else None) or "closure"
        record(session, step, EventType.CASE_CLOSED, ENGINE, now, end.element_id if end else None, outcome=case.outcome)
    else:
        case.stage = _current_stage(step) or case.stage
    case.workflow_state = run.dump()
    _retry_if_stuck(case, now)
    step.plan = (new_tasks, finished)
    if write:
        write_prepared(session, step)


def write_prepared(session: Session, step: Step) -> None:
    """Write what save() prepared, if the case row still has the version the step read (else StaleCaseError)."""
    new_tasks, finished = step.plan
    for write in step.deferred:
        write(session)
    step.deferred = []
    queries.write_step(session, step.case, new_tasks=new_tasks, finished=finished, events=step.pending)
    step.pending, step.plan = [], ([], [])
    if step.runtime is not None:
        case, run, runtime = step.case, step.run, step.runtime
        version = case.row_version
        Store.after_commit(session, lambda: runtime.keep_run(case.id, version, run))


def _audit_changes(session, step, changes, actor, now, task_data, message_payload) -> None:
    """One event per thing a person or the clock did; the gateways, scripts and events the engine ran through
    ride along: `passed` (before the event's element) and `then_passed` (after it, at the end of the step)."""
    events: list[tuple[str, Actor, str, dict[str, Any]]] = []
    passed: list[str] = []
    for change in changes:
        if change.kind in ("element_completed", "end_reached"):
            passed.append(change.element_id)
            continue
        payload = dict(change.payload)
        if passed:
            payload["passed"], passed = passed, []
        who = actor
        if change.kind in (EventType.TASK_COMPLETED, EventType.EXTERNAL_TASK_COMPLETED):
            payload.update(task_id=change.task_id, name=change.name, data=task_data or {})
        elif change.kind == EventType.EXTERNAL_TASK_CANCELLED:  # by a boundary timer, or the worker's BPMN error
            timed = any(c.kind == EventType.TIMER_FIRED for c in changes)
            who = TIMER if timed else actor
            payload.update(task_id=change.task_id, name=change.name, reason="the external task was withdrawn: "
                           + ("its deadline passed" if timed else "a boundary event on it fired"))
        elif change.kind == EventType.TIMER_FIRED:
            who = TIMER
            payload.update(name=change.name)
        elif change.kind == EventType.MESSAGE_RECEIVED:
            payload.update(data=message_payload or {})
        elif change.kind == EventType.DECISION_EVALUATED:
            who = ENGINE
        elif change.kind == EventType.TASK_CANCELLED:
            who = TIMER
            payload.update(task_id=change.task_id, name=change.name,
                           reason="the task was withdrawn: its deadline passed and the timer path was taken")
        events.append((change.kind, who, change.element_id, payload))
    if passed and events:
        events[-1][3]["then_passed"] = passed
    elif passed:
        events.append((EventType.PATH_TAKEN, ENGINE, passed[-1], {"passed": passed}))
    for event_type, who, element_id, payload in events:
        record(session, step, event_type, who, now, element_id, **payload)


def _sync_deadlines(step: Step) -> dict[str, datetime]:
    """Store the waiting timers on the case (next_due_at, deadlines); return due instants per host task."""
    elements, deadlines, due_by_task = step.procedure.elements, list[dict[str, Any]](), dict[str, datetime]()
    for element_id, due in step.run.waiting_timers():
        info = elements.get(element_id)
        if info is not None and info.kind == "eventBasedGateway":
            info = next((elements[t] for t in info.outgoing if t in elements and elements[t].event == "timer"),
                        info)
        if info is not None and info.attached_to:
            host = info.attached_to
            due_by_task[host] = min(due, due_by_task.get(host, due))
        deadlines.append({"element_id": info.id if info else element_id, "name": info.label if info else element_id,
                          "stage": info.stage if info else None, "due_at": due.isoformat(),
                          "task": info.attached_to if info else None})
    deadlines.sort(key=lambda d: d["due_at"])
    step.case.deadlines = deadlines
    step.case.next_due_at = min((d for _, d in step.run.waiting_timers()), default=None)
    return due_by_task


def _retry_if_stuck(case: CaseRecord, now: datetime) -> None:
    """A timer still due after the engine ran could not fire: look again later instead of spinning on it."""
    if case.next_due_at is not None and case.next_due_at <= now:
        case.next_due_at = now + STUCK_TIMER_RETRY


def _sync_tasks(session: Session, step: Step, actor: Actor, now: datetime, due_by_task: dict[str, datetime]):
    """The task rows to insert (newly READY) and to close (left READY), found without reading rows: the
    READY rows of a case are exactly the READY tasks of the state it was loaded from."""
    case, elements = step.case, step.procedure.elements
    ready = step.run.ready_tasks()
    step.ready_records = []
    still_ready = [t.task_id for t in ready if t.task_id in step.ready_before]
    data = step.run.data if ready else {}
    step.ready_records.extend(queries.tasks_by_id(session, still_ready))
    moved = []
    for kept in step.ready_records:  # a resumed case moves its tasks' deadlines too
        due = due_by_task.get(kept.element_id)
        if due != kept.due_at:
            kept.due_at = due
            moved.append(kept)
    new_records = []
    for task in ready:
        if task.task_id in step.ready_before:
            continue
        info = elements.get(task.element_id)
        record_ = TaskRecord(id=task.task_id, case_id=case.id, element_id=task.element_id, name=task.name,
                             role=_role_of(task, info), stage=info.stage if info else None,
                             department=_department_of(case, info, data), state=TaskState.READY.value,
                             created_at=now, due_at=due_by_task.get(task.element_id), assignee=None,
                             finished_at=None, finished_by=None)
        new_records.append(record_)
        step.ready_records.append(record_)
    left = step.ready_before - {t.task_id for t in ready}
    completed = [i for i in left if step.run.task_state(i) == "completed"]
    withdrawn = [i for i in left if i not in completed]
    return new_records, [(TaskState.COMPLETED.value, now, actor.username, completed),
                         (TaskState.CANCELLED.value, now, TIMER.username, withdrawn),
                         *[("due", kept.due_at, None, [kept.id]) for kept in moved]]


def _sync_external_tasks(step: Step, actor: Actor, now: datetime) -> None:
    """External-task rows follow the engine like user task rows, written with the step: newly READY service
    and send tasks are inserted for workers to fetch; those that left READY are closed."""
    ready = step.run.external_tasks()
    elements = step.procedure.elements
    rows = [ExternalTaskRecord(id=t.task_id, case_id=step.case.id, element_id=t.element_id, name=t.name,
                               topic=(elements[t.element_id].topic if t.element_id in elements else None)
                               or t.element_id, state="ready", created_at=now)
            for t in ready if t.task_id not in step.external_before]
    left = step.external_before - {t.task_id for t in ready}
    completed = [i for i in left if step.run.task_state(i) == "completed"]
    withdrawn = [i for i in left if i not in completed]
    if rows or left:
        def write(session: Session) -> None:
            session.add_all(rows)
            external_tasks.close(session, completed, state="completed", now=now, by=actor.username)
            external_tasks.close(session, withdrawn, state="cancelled", now=now, by=None)
        step.deferred.append(write)
    step.external_before = frozenset(t.task_id for t in ready)


RESPONSIBLE_DEPARTMENT = "responsible_department"


def _role_of(task, info) -> str:
    """The role the deploy resolved for the element (candidate groups, lane mapping, lane name); the default
    role for a task in no lane."""
    if info is not None:
        return info.role or Role.OFFICER.value
    return task.lane or Role.OFFICER.value
_DEPARTMENT_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def handover_of(case: CaseRecord, data: dict[str, Any], actor: Actor) -> str | None:
    """The department a task completion hands the case to: its form's `responsible_department` field (the
    closed loop's dispatch), or None. Only a dispatcher, supervisor or admin hands over; anyone else is refused,
    so an officer cannot move a case out of (or into) a department by filling in a field."""
    wanted = data.get(RESPONSIBLE_DEPARTMENT)
    if wanted is None or wanted == case.department:
        return None
    if not isinstance(wanted, str) or not _DEPARTMENT_CODE.match(wanted.strip()):
        raise InvalidDataError.for_fields({RESPONSIBLE_DEPARTMENT: "must be a department code like sanitation"})
    access.require_role(actor, access.DISPATCHERS, "hand a case over to another department")
    return wanted.strip()


def _assign_department(session: Session, step: Step, actor: Actor, now: datetime, handover: str | None) -> None:
    """One responsible department per case; it changes only by a dispatcher's handover (handover_of), never
    because a process variable of that name appeared in case data, a message or a script. Audited."""
    if handover and handover != step.case.department:
        record(session, step, EventType.DEPARTMENT_ASSIGNED, actor, now, None,
               previous=step.case.department, department=handover)
        step.case.department = handover


def _department_of(case: CaseRecord, info, data: dict[str, Any]) -> str:
    """A task belongs to the case's responsible department unless its element names another: a fixed code
    (`department` = "water") or a process variable (`department` = "${lead_department}"), as joint cases need."""
    named = info.properties.get("department") if info is not None else None
    if named and named.startswith("${") and named.endswith("}"):
        named = data.get(named[2:-1].strip())
    return str(named) if named else case.department


def _current_stage(step: Step) -> str | None:
    elements = step.procedure.elements
    for task in step.run.ready_tasks():
        info = elements.get(task.element_id)
        if info is not None and info.stage:
            return info.stage
    for deadline in step.case.deadlines:
        if deadline.get("stage"):
            return deadline["stage"]
    return None


def named_deadlines(deadlines: list[dict[str, Any]], elements: dict[str, Any]) -> list[dict[str, Any]]:
    """Deadlines with their element's name in every language the procedure gives (copies: the stored ones stay)."""
    return [{**d, "names": elements[d["element_id"]].names if d.get("element_id") in elements else {}}
            for d in deadlines]


def case_view(session: Session, step: Step, *, with_data: bool = True) -> CaseView:
    records = step.ready_records
    if records is None:
        records = queries.ready_tasks_of_case(session, step.case.id)
    names = {e.id: e.names for e in step.procedure.elements.values()}
    tasks = [TaskView.of(t, step.case, names=names.get(t.element_id)) for t in records]
    waiting = sorted(step.run.waiting_messages()) if step.case.status == CaseStatus.OPEN.value else []
    view = CaseView.of(step.case, step.label, tasks, step.run.data if with_data else None, waiting)
    elements = step.procedure.elements
    view.deadlines = named_deadlines(view.deadlines, elements)
    view.external_tasks = [{"id": t.task_id, "element_id": t.element_id, "name": t.name,
                            "topic": elements[t.element_id].topic if t.element_id in elements else None}
                           for t in step.run.external_tasks()]
    return view
