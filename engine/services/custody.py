"""The chain of custody of each piece of evidence: who collected it, where and when (opened by add_evidence),
each handover from one holder to the next, each view and export, each decision that relies on it. Every act is
an audit event naming the document and carrying the hash the bytes have at that moment (the seal), so custody
is as tamper-evident as the audit trail and a file altered between two acts shows where it happened."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from engine import audit
from engine.audit.chain import instant
from engine.domain import (Actor, CaseNotFoundError, ConflictError, DocumentNotFoundError, EventType,
                           ForbiddenError, InvalidDataError, Role, Stage, TaskNotFoundError)
from engine.services import access
from engine.services.documents import EVIDENCE, sealed_hash, stored_chunks
from engine.services.runtime import Runtime
from engine.store import DecisionEvidenceRecord, queries

CUSTODY_EVENTS = {EventType.EVIDENCE_ADDED.value, EventType.CUSTODY_TRANSFERRED.value,
                  EventType.EVIDENCE_VIEWED.value, EventType.EVIDENCE_CITED.value, EventType.EVIDENCE_DISCLOSED.value}
DISCLOSERS = {Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.ADMIN}
DECISION_STAGES = {Stage.PENALTY_DECISION.value, Stage.DETERMINATION.value}
REASSIGNERS = {Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM}  # may move custody on from a holder who is away


@dataclass
class CustodyView:
    document_id: int
    filename: str
    sha256: str  # sealed when the evidence was added
    description: str
    collected_by: str
    collected_at: str
    collected_where: str
    holder: str
    storage: str
    events: list[dict[str, Any]] = field(default_factory=list)  # every custody act, oldest first

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _case(session, case_id: int, actor: Actor, *, lock: bool = False):
    case = queries.case(session, case_id, lock=lock)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    access.require_case_readable(session, actor, case)
    return case


def _evidence(session, case, document_id: int, *, lock: bool = False):
    record = queries.document_of_case(session, case.id, document_id)
    custody = queries.custody(session, document_id, lock=lock) if record is not None else None
    if record is None or record.kind != EVIDENCE or custody is None:
        raise DocumentNotFoundError(f"no evidence {document_id} in case {case.case_no}")
    return record, custody


def acts_on(event: dict[str, Any], document_id: int) -> bool:
    """Whether an audit event (as exported: payload as JSON text) is a custody act on the document."""
    payload = json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    if event["event_type"] == EventType.CASE_EXPORTED.value:
        return True
    if event["event_type"] not in CUSTODY_EVENTS or not isinstance(payload, dict):
        return False
    return payload.get("document_id") == document_id or document_id in payload.get("document_ids", ())


def hand_over_evidence(rt: Runtime, *, case_id: int, document_id: int, to: str, actor: Actor, where: str = "",
                       note: str = "", external: bool = False) -> CustodyView:
    """Pass custody to another member of staff (or, with `external`, to a holder outside Dueflow: an evidence
    room, a laboratory, a court). Only the holder does it, or a supervisor when the holder is away."""
    to, where, note = (to or "").strip(), (where or "").strip(), (note or "").strip()
    errors = {name: f"at most {limit} characters" for name, value, limit in (
        ("to", to, 100), ("where", where, 300), ("note", note, 1000)) if len(value) > limit}
    if not to:
        errors["to"] = "name who receives the evidence"
    if errors:
        raise InvalidDataError.for_fields(errors)
    now = rt.now()
    with rt.store.transaction() as session:
        case = _case(session, case_id, actor, lock=True)
        access.require_can_act_on_case(actor, case.department)
        record, custody = _evidence(session, case, document_id, lock=True)
        if actor.username != custody.holder and access.role_of(actor) not in REASSIGNERS:
            raise ForbiddenError(f"{custody.holder} holds this evidence: only they or a supervisor hand it over")
        if to == custody.holder:
            raise ConflictError(f"{to} already holds this evidence")
        if not external:
            user = queries.user_by_name(session, to)
            if user is None or not user.active:
                raise InvalidDataError.for_fields({"to": f"no active user {to}; mark a holder outside Dueflow as "
                                                         "external"})
        seal = sealed_hash(stored_chunks(rt, record, custody))
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.CUSTODY_TRANSFERRED,
                     actor=actor, now=now, procedure_version=label,
                     payload={"document_id": record.id, "from": custody.holder, "to": to, "external": external,
                              "where": where, "note": note, "sha256": seal, "intact": seal == record.sha256})
        custody.holder = to
        queries.save_case(session, case)
        session.flush()
        return _view(session, case.id, record, custody)


def disclose_evidence(rt: Runtime, *, case_id: int, document_id: int, actor: Actor) -> CustodyView:
    """Show a piece of evidence to the party in the portal (the evidence a statement or hearing answers, PL 44,
    64); from then on each download by the party is a custody view on record like a staff member's."""
    access.require_role(actor, DISCLOSERS, "show evidence to the party")
    now = rt.now()
    with rt.store.transaction() as session:
        case = _case(session, case_id, actor, lock=True)
        access.require_can_act_on_case(actor, case.department)
        record, custody = _evidence(session, case, document_id, lock=True)
        if record.visible_to_party:
            raise ConflictError(f"the party already sees {record.filename}")
        seal = sealed_hash(stored_chunks(rt, record, custody))
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.EVIDENCE_DISCLOSED,
                     actor=actor, now=now, procedure_version=label,
                     payload={"document_id": record.id, "filename": record.filename, "sha256": seal,
                              "intact": seal == record.sha256})
        record.visible_to_party = True
        queries.save_case(session, case)
        session.flush()
        return _view(session, case.id, record, custody)


def _view(session, case_id: int, record, custody) -> CustodyView:
    events = []
    for event in queries.audit_events(session, case_id):
        exported = {"event_type": event.event_type, "payload": event.payload}
        if acts_on(exported, record.id):
            events.append({"seq": event.seq, "occurred_at": instant(event.occurred_at), "actor": event.actor,
                           "actor_role": event.actor_role, "event_type": event.event_type,
                           "element_id": event.element_id, "payload": json.loads(event.payload),
                           "hash": event.hash})
    return CustodyView(document_id=record.id, filename=record.filename, sha256=record.sha256,
                       description=custody.description, collected_by=custody.collected_by,
                       collected_at=instant(custody.collected_at), collected_where=custody.collected_where,
                       holder=custody.holder, storage=custody.storage, events=events)


def custody_of(rt: Runtime, *, case_id: int, document_id: int, actor: Actor) -> CustodyView:
    """The chain of custody of one piece of evidence, from the audit trail."""
    with rt.store.transaction(write=False) as session:
        case = _case(session, case_id, actor)
        record, custody = _evidence(session, case, document_id)
        return _view(session, case.id, record, custody)


def custody_of_case(rt: Runtime, *, case_id: int, actor: Actor) -> list[CustodyView]:
    with rt.store.transaction(write=False) as session:
        case = _case(session, case_id, actor)
        found = queries.custody_of_case(session, case.id)
        return [_view(session, case.id, record, found[record.id])
                for record in queries.document_views_of_case(session, case.id) if record.id in found]


def cite_evidence(rt: Runtime, *, case_id: int, task_id: str, document_ids: list[int], actor: Actor) -> list[int]:
    """A decision lists the evidence it relies on: while its task waits, whoever may complete it cites pieces of
    the case's evidence, each sealed with the hash its bytes have now. Returns every document the task cites."""
    wanted = sorted({int(i) for i in document_ids})
    if not wanted:
        raise InvalidDataError.for_fields({"document_ids": "cite at least one piece of evidence"})
    now = rt.now()
    with rt.store.transaction() as session:
        case = _case(session, case_id, actor, lock=True)
        task = queries.task(session, task_id)
        if task is None or task.case_id != case.id:
            raise TaskNotFoundError(f"no task {task_id} in case {case.case_no}")
        access.require_task_role(actor, task.role, task.department)
        if task.state != "ready":
            raise ConflictError("the decision was taken already: its evidence is on record")
        if task.stage not in DECISION_STAGES:
            raise ConflictError(f"step {task.element_id} takes no decision (stage {task.stage})")
        cited = {row.document_id for row in queries.cited_evidence(session, case.id) if row.task_id == task.id}
        seals = {}
        for document_id in wanted:
            record, custody = _evidence(session, case, document_id)
            seals[document_id] = sealed_hash(stored_chunks(rt, record, custody))
            if seals[document_id] != record.sha256:
                raise ConflictError(f"evidence {document_id} no longer matches its sealed sha256: it cannot be "
                                    "relied on")
            if document_id not in cited:
                session.add(DecisionEvidenceRecord(case_id=case.id, task_id=task.id, element_id=task.element_id,
                                                   document_id=document_id, cited_by=actor.username, cited_at=now))
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.EVIDENCE_CITED,
                     actor=actor, now=now, element_id=task.element_id, procedure_version=label,
                     payload={"task_id": task.id, "document_ids": wanted,
                              "sha256": {str(k): v for k, v in seals.items()}})
        queries.save_case(session, case)
        return sorted(cited | set(wanted))
