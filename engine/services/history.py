"""A case's history for people: every audit event with the element it concerns, the path the case actually
took through its procedure version, and where it stands now (ready tasks, waiting timers and messages)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.bpmn import element_names
from engine.domain import Actor, CaseNotFoundError, CaseStatus, EventType
from engine.services import access
from engine.services.runtime import Runtime
from engine.store import queries
from engine.workflow import CaseRun

# Events whose element was passed by the case; the `passed` lists in payloads name the engine's own steps.
PATH_EVENTS = frozenset({EventType.TASK_COMPLETED, EventType.TIMER_FIRED, EventType.MESSAGE_RECEIVED,
                         EventType.DECISION_EVALUATED, EventType.PATH_TAKEN, EventType.CASE_CLOSED})


@dataclass
class TimelineEvent:
    seq: int
    occurred_at: str
    actor: str
    actor_role: str
    event_type: str
    element_id: str | None
    element_name: str | None
    procedure_version: str | None
    payload: dict[str, Any]
    hash: str
    element_names: dict[str, str] = field(default_factory=dict)  # locale -> the element's name in it


@dataclass
class CaseHistory:
    case_id: int
    case_no: str | None
    procedure: str
    procedure_version: int
    procedure_name: str
    status: str
    stage: str | None
    outcome: str | None
    department: str
    party_name: str
    opened_at: str
    closed_at: str | None
    events: list[TimelineEvent] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # element ids passed, in the order first passed
    current: list[str] = field(default_factory=list)  # element ids the case waits at now
    waiting_messages: list[str] = field(default_factory=list)
    procedure_names: dict[str, str] = field(default_factory=dict)  # locale -> the procedure's name in it
    # to read payloads by: element id -> {"": name as written, locale: name}, and the forms of completed steps
    element_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def party_messages(self) -> list[TimelineEvent]:
        """What the party sent (statements, hearing requests), with the text they wrote."""
        return [e for e in self.events if e.event_type == EventType.MESSAGE_RECEIVED and e.actor_role == "party"]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def path_taken(events: list[TimelineEvent]) -> list[str]:
    """Element ids in the order the case first passed them: the elements of completed steps, timers and
    messages, and every element the engine ran through on the way (`passed`, `then_passed`)."""
    seen: dict[str, None] = {}
    for event in events:
        if event.event_type not in PATH_EVENTS:
            continue
        for element in event.payload.get("passed") or []:
            seen.setdefault(element, None)
        if event.element_id:
            seen.setdefault(event.element_id, None)
        for element in event.payload.get("then_passed") or []:
            seen.setdefault(element, None)
    return list(seen)


def case_history(rt: Runtime, *, case_id: int, actor: Actor) -> CaseHistory:
    """Everything the audit trail says about one case, readable: for its department's staff and auditors."""
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        procedure, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        elements = procedure.elements
        events = [TimelineEvent(seq=e.seq, occurred_at=e.occurred_at.isoformat(), actor=e.actor,
                                actor_role=e.actor_role, event_type=e.event_type, element_id=e.element_id,
                                element_name=elements[e.element_id].label if e.element_id in elements else None,
                                procedure_version=e.procedure_version, payload=json.loads(e.payload), hash=e.hash,
                                element_names=elements[e.element_id].names if e.element_id in elements else {})
                  for e in queries.audit_events(session, case_id)]
        current: list[str] = []
        waiting: list[str] = []
        if case.status in (CaseStatus.OPEN.value, CaseStatus.SUSPENDED.value):
            current = [t.element_id for t in queries.ready_tasks_of_case(session, case_id)]
            current += [d["element_id"] for d in case.deadlines or [] if d.get("element_id")]
            waiting = sorted(CaseRun.load(procedure, case.workflow_state).waiting_messages())
            current += [i for i, info in elements.items() if info.message in waiting and info.event == "message"]
        key, _, version = label.rpartition(":")
        return CaseHistory(case_id=case.id, case_no=case.case_no, procedure=key, procedure_version=int(version),
                           procedure_name=procedure.name, status=case.status, stage=case.stage,
                           outcome=case.outcome, department=case.department, party_name=case.party_name,
                           opened_at=case.opened_at.isoformat(),
                           closed_at=case.closed_at.isoformat() if case.closed_at else None,
                           events=events, path=path_taken(events), current=list(dict.fromkeys(current)),
                           waiting_messages=waiting,
                           procedure_names=element_names(procedure.source.process_properties),
                           element_labels={i: {"": info.label, **info.names} for i, info in elements.items()},
                           forms={i: [f.as_dict() for f in procedure.form(i)]
                                  for i in {e.element_id for e in events if e.element_id} if procedure.form(i)})
