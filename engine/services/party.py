"""The managed party's own access: sign in with case number + access code, read the case, state, ask for a hearing.

What a party sees is chosen here, not filtered by the caller: stage, the periods that concern them, their rights
at this stage, documents served on them, and a timeline of what happened without internal notes or form data.
"""
from __future__ import annotations

import hmac
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.domain import (Actor, CaseNotFoundError, DocumentNotFoundError, InvalidAccessCodeError,
                           InvalidDataError, Role)
from engine import audit, values
from engine.domain import EventType
from engine.services import cases
from engine.services.access import PARTY_MESSAGES
from engine.services.documents import EVIDENCE, sealed_hash, stored_chunks
from engine.services.party_guidance import Guidance, party_guidance
from engine.services.party_timeline import READ as PARTY_EVENTS, party_timeline
from engine.services.runtime import Runtime
from engine.services.throttle import Throttle
from engine.store import queries
from engine.workflow import CaseRun

MAX_STATEMENT = 20_000
_STATE = {"title": "State your case and defend yourself", "basis": "Administrative Penalty Law, articles 7, 44 and 45",
          "text": "You may state facts and reasons; the penalty may not be heavier because you did."}
_HEARING = {"title": "Ask for a hearing", "basis": "Administrative Penalty Law, articles 63 and 64",
            "text": "For a large fine, confiscation, revocation or closure you may ask for a hearing within 5 "
                    "working days of the notice."}
_REMEDIES = {"title": "Challenge the decision", "basis": "Administrative Reconsideration Law; Administrative "
                                                          "Litigation Law",
             "text": "You may apply for reconsideration within 60 days or sue within 6 months of service."}
_PAY = {"title": "Pay at a bank, or ask to defer", "basis": "Administrative Penalty Law, articles 66 and 67",
        "text": "Pay the fine at the designated bank within 15 days; the officers never collect it themselves."}
_RECUSAL = {"title": "Ask an officer to step aside", "basis": "Administrative Penalty Law, article 43",
            "text": "You may ask that an officer with a stake in the case be replaced."}
_CREDENTIALS = {"title": "See the officers' credentials", "basis": "Administrative Penalty Law, articles 42 and 55",
                "text": "At least two certified officers investigate and show their credentials."}
_DEMAND = {"title": "State your case against the demand", "basis": "Administrative Compulsion Law, articles 35 to 37",
           "text": "Before enforcement you may state facts and reasons against the written demand."}
RIGHTS_BY_STAGE: dict[str, list[dict[str, str]]] = {
    "filing": [_RECUSAL], "investigation": [_CREDENTIALS, _RECUSAL], "determination": [_RECUSAL],
    "rights_notice": [_STATE, _HEARING], "statement_period": [_STATE, _HEARING], "hearing": [_HEARING, _STATE],
    "legal_review": [_STATE], "penalty_decision": [_REMEDIES], "service": [_REMEDIES],
    "payment": [_PAY, _REMEDIES], "demand": [_DEMAND, _REMEDIES], "judicial_referral": [_REMEDIES],
}


@dataclass(frozen=True)
class PartyAccess:
    """What a correct code opens: one case, and only that one."""

    case_id: int
    case_no: str

    @property
    def actor(self) -> Actor:
        return Actor(f"party:{self.case_no}", Role.PARTY, None)


@dataclass
class PartyCaseView:
    case_no: str
    status: str
    stage: str | None
    outcome: str | None
    opened_at: str | None
    closed_at: str | None
    party: dict[str, Any]
    deadlines: list[dict[str, Any]]
    rights: list[dict[str, str]]
    can_send: list[str]
    documents: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    guidance: Guidance = field(default_factory=lambda: Guidance(situation="waiting"))
    contact: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def party_throttles() -> tuple[Throttle, Throttle]:
    """(per client address, per case number). An address slows down after 10 misses; a case number after 20
    from anywhere, capped at a minute, so a guesser spread over many addresses is slowed without locking the
    real party out for long."""
    return Throttle(free=10, cap=900.0), Throttle(free=20, cap=60.0)


def login(rt: Runtime, *, case_no: str, code: str, throttles: tuple[Throttle, Throttle],
          client: str | None = None) -> PartyAccess:
    """Open one case for the party holding its printed access code (compared as an HMAC, in constant time)."""
    by_client, by_case = throttles
    case_no = (case_no or "").strip()[:32]
    if client:
        by_client.check(client, "access codes from your address")
    by_case.check(case_no, "access codes for this case")
    stored, case_id = None, None
    if case_no and "\x00" not in case_no:
        with rt.store.transaction(write=False) as session:
            case = queries.case_by_no(session, case_no)
            if case is not None:
                case_id = case.id
                access = queries.party_access(session, case.id)
                stored = access.code_hash if access else None
    offered = cases.hash_access_code(secret=rt.settings.secret, case_no=case_no, code=code or "")
    if not hmac.compare_digest(offered, stored or "!" * len(offered)) or case_id is None:
        if client:
            by_client.failed(client)
        by_case.failed(case_no)
        raise InvalidAccessCodeError("wrong case number or access code")
    by_case.succeeded(case_no)
    return PartyAccess(case_id, case_no)


def party_case(rt: Runtime, *, access: PartyAccess) -> PartyCaseView:
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, access.case_id)
        if case is None or case.case_no != access.case_no:
            raise CaseNotFoundError("the case is no longer available")
        procedure, _ = rt.procedure_by_version_id(session, case.procedure_version_id)
        documents = [{"id": d.id, "kind": d.kind, "filename": d.filename, "media_type": d.media_type,
                      "sha256": d.sha256, "size": d.size, "number": d.number, "lang": d.lang,
                      "served_at": (d.served_at or d.created_at).isoformat(),
                      "periods": (d.service or {}).get("periods", {})}
                     for d in queries.party_documents(session, case.id)]
        events = queries.audit_events(session, case.id)
        run = CaseRun.load(procedure, case.workflow_state) if case.workflow_state else None
        guidance = party_guidance(case=case, procedure=procedure, data=run.data if run else {}, events=events, documents=documents,
                                  ready=queries.ready_tasks_of_case(session, case.id),
                                  timezone=rt.settings.timezone)
        # Deadlines on a staff task (boundary timers) are the office's own; the waits a party lives by are not.
        waiting = run.waiting_messages() if run is not None and case.status == "open" else set()
        elements = procedure.elements
        deadlines = [{"name": d.get("name"), "stage": d.get("stage"), "due_at": d.get("due_at"),
                      "names": elements[d["element_id"]].names if d.get("element_id") in elements else {}}
                     for d in case.deadlines or [] if not d.get("task")]
        return PartyCaseView(case_no=case.case_no, status=case.status, stage=case.stage, outcome=case.outcome,
                             opened_at=case.opened_at.isoformat() if case.opened_at else None,
                             closed_at=case.closed_at.isoformat() if case.closed_at else None,
                             party={"name": case.party_name, "type": case.party_type},
                             deadlines=deadlines, rights=list(RIGHTS_BY_STAGE.get(case.stage or "", [])),
                             can_send=sorted(waiting & PARTY_MESSAGES), documents=documents,
                             timeline=party_timeline(events, elements), guidance=guidance,
                             contact=agency_contact(rt.settings))


def agency_contact(settings: Any) -> dict[str, str]:
    """Whom the party calls, where it goes, when, and where it pays (Settings; empty ones are left out).
    Each as written ("") and in English ("en")."""
    both = {"name": (settings.agency_name, settings.agency_name_en), "phone": (settings.agency_phone, ""),
            "address": (settings.agency_address, settings.agency_address_en),
            "hours": (settings.agency_hours, settings.agency_hours_en),
            "payment": (settings.agency_payment, settings.agency_payment_en)}
    contact = {}
    for key, (written, english) in both.items():
        if written:
            contact[key] = written
            contact[f"{key}_en"] = english or written
    return contact


def submit_statement(rt: Runtime, *, access: PartyAccess, text: str) -> PartyCaseView:
    """The party's statement and defence, delivered to the case as the BPMN message `statement_received`."""
    return _send(rt, access, "statement_received", "text", text)


def request_hearing(rt: Runtime, *, access: PartyAccess, reason: str = "") -> PartyCaseView:
    """A hearing request, delivered as the BPMN message `hearing_requested`."""
    return _send(rt, access, "hearing_requested", "reason", reason, required=False)


def _send(rt: Runtime, access: PartyAccess, message: str, name: str, text: str, required: bool = True):
    text = (text or "").strip()
    if required and not text:
        raise InvalidDataError.for_fields({name: "write what you want to say"})
    if len(text) > MAX_STATEMENT:
        raise InvalidDataError.for_fields({name: f"at most {MAX_STATEMENT} characters"})
    values.check_json_value(text, path=name)
    cases.deliver_message(rt, case_id=access.case_id, name=message, payload={name: text}, actor=access.actor)
    return party_case(rt, access=access)


def party_document(rt: Runtime, *, access: PartyAccess, document_id: int) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of a document served on this party; any other is simply not found.
    Each download is audited (`document_viewed`), so the record shows when the party read what was served."""
    now = rt.now()
    with rt.store.transaction() as session:
        case = queries.case(session, access.case_id, lock=True)
        document = queries.document_of_case(session, access.case_id, document_id)
        if case is None or document is None or not document.visible_to_party:
            raise DocumentNotFoundError(f"no document {document_id} in your case")
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        if document.kind == EVIDENCE:  # a custody view by the party, with the hash the bytes have now
            chunks = stored_chunks(rt, document, queries.custody(session, document.id))
            seal = sealed_hash(chunks)
            audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.EVIDENCE_VIEWED,
                         actor=access.actor, now=now, procedure_version=label,
                         payload={"document_id": document.id, "sha256": seal, "intact": seal == document.sha256})
            queries.save_case(session, case)
            content = b"".join(chunks()) if seal is not None else None
        else:
            audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.DOCUMENT_VIEWED,
                         actor=access.actor, now=now, procedure_version=label,
                         payload={"document_id": document.id, "number": document.number,
                                  "sha256": document.sha256})
            queries.save_case(session, case)
            content = bytes(document.content)
        filename, media_type = document.filename, document.media_type
    if content is None:  # the attempt stays on record
        raise DocumentNotFoundError(f"the file of document {document_id} is missing from the evidence folder")
    return filename, media_type, content
