"""Documents the agency issues from its templates (engine/documents): issue (numbered, rendered to PDF, sha256
audited), serve (送达: method, time, recipient, proof; the periods that follow start at the service date),
correct (a new document naming the one it replaces and why) and the list an exporter reads.

Numbers are per agency, kind and year, taken in the transaction that stores the document: gaps are impossible
and a number is never reused. A served document never changes."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from engine import audit, documents
from engine.calendar import load_calendar
from engine.domain import (Actor, CaseNotFoundError, CaseNotOpenError, CaseStatus, ConflictError,
                           DocumentNotFoundError, EventType, InvalidDataError, Role)
from engine.services import access, service_periods, steps
from engine.services.documents import DocumentView, case_for_papers, media_type_of, safe_filename
from engine.services.runtime import Runtime
from engine.services.service_periods import PERIODS, periods_after_service
from engine.services.service_record import METHODS as SERVICE_METHODS, check_service
from engine.store import CaseRecord, DocumentRecord, queries

DOCUMENT_PROPERTY = "document"  # on a BPMN task: the templates its completion issues
# what a user or a BPMN task issues; the court package is assembled by its own use case
ISSUABLE = ("rights_notice", "order_to_correct", "penalty_decision", "demand_notice", "education_record",
            "dispatch_sheet")
ISSUERS = (Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.DISPATCHER, Role.ADMIN, Role.SYSTEM)
MAX_PROOF_BYTES = 5 * 1024 * 1024
_DEADLINE_TEXT = {  # what the document itself says, before anyone knows the service date
    "rights_notice": ("自本告知书送达之日起五个工作日内", "within 5 working days of service of this notice"),
    "demand_notice": ("自本催告书送达之日起十日内", "within 10 days of service of this demand"),
}


@dataclass
class IssuedDocument:
    view: DocumentView
    number: str
    template: str
    lang: str
    served_at: str | None
    service: dict[str, Any] | None
    replaces_id: int | None

    @classmethod
    def of(cls, record: DocumentRecord) -> "IssuedDocument":
        return cls(view=DocumentView.of(record), number=record.number or "", template=record.template or "",
                   lang=record.lang or "", served_at=record.served_at.isoformat() if record.served_at else None,
                   service=record.service, replaces_id=record.replaces_id)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def case_variables(session, case_id: int) -> dict[str, Any]:
    """The case's variables as its record holds them: what each completed task and message recorded, later
    values over earlier ones (the audit trail is the record; nothing is retyped)."""
    data: dict[str, Any] = {}
    for event in queries.audit_events(session, case_id):
        payload = json.loads(event.payload)
        if event.event_type in (EventType.TASK_COMPLETED, EventType.EXTERNAL_TASK_COMPLETED):
            data.update(payload.get("data") or payload.get("variables") or {})
        elif event.event_type == EventType.MESSAGE_RECEIVED:
            data.update(payload.get("payload") or {})
    return data


def agency_of(rt: Runtime) -> dict[str, Any]:
    s = rt.settings
    return {"name": s.agency_name, "name_en": s.agency_name_en, "code": s.agency_code,
            "contact": s.agency_contact, "seal_path": s.seal_path}


def _render(rt: Runtime, session, case, *, template: str, lang: str, number: str, now: datetime,
            data: dict[str, Any] | None = None, replaces: dict[str, Any] | None = None,
            extra: dict[str, Any] | None = None) -> str:
    calendar = load_calendar(rt.settings.jurisdiction)
    procedure, _ = rt.procedure_by_version_id(session, case.procedure_version_id)
    values = {**case_variables(session, case.id), **(data or {})}
    zh = lang == "zh_Hans"
    text = _DEADLINE_TEXT.get(template)
    return documents.render_html(
        template, lang=lang, data=values, agency=agency_of(rt), number=number,
        case={"case_no": case.case_no, "party_name": case.party_name, "address": case.address,
              "grid_cell": case.grid_cell},
        issued_on=_date_text(calendar.local_date(now.isoformat()), zh), portal_url=rt.settings.portal_url,
        replaces=replaces, templates=documents.template_files(procedure.files),
        deadline_text=(text[0] if zh else text[1]) if text else "",
        correct_by="", pay_by="", **(extra or {}))


def _date_text(day, zh: bool) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if zh else day.isoformat()


def preview(rt: Runtime, *, case_id: int, template: str, lang: str, actor: Actor) -> str:
    """The document as it would be issued now, as HTML, with a placeholder number; nothing is stored."""
    if template not in ISSUABLE:
        raise InvalidDataError.for_fields({"template": f"one of {', '.join(ISSUABLE)}"})
    if lang not in documents.LANGS:
        raise InvalidDataError.for_fields({"lang": f"one of {', '.join(documents.LANGS)}"})
    with rt.store.transaction(write=False) as session:
        case = _readable_case(session, actor, case_id)
        return _render(rt, session, case, template=template, lang=lang, now=rt.now(),
                       number=_number(rt, template, rt.now().year, 0).replace("0号", "___号"))


def _number(rt: Runtime, template: str, year: int, n: int) -> str:
    return f"{rt.settings.agency_code}{documents.KINDS[template].prefix}〔{year}〕{n}号"


def issue_document(rt: Runtime, *, case_id: int, template: str, actor: Actor, lang: str = "zh_Hans",
                   data: dict[str, Any] | None = None, replaces: DocumentRecord | None = None,
                   reason: str = "", session=None) -> IssuedDocument:
    """Render, number and store one document of an open case; its sha256 and number enter the audit chain.
    `data` adds variables a completing task is about to record (the task's own write, see tasks)."""
    access.require_role(actor, ISSUERS, "issue documents")
    if template not in ISSUABLE:
        raise InvalidDataError.for_fields({"template": f"one of {', '.join(ISSUABLE)}"})
    if lang not in documents.LANGS:
        raise InvalidDataError.for_fields({"lang": f"one of {', '.join(documents.LANGS)}"})
    if session is not None:
        return _issue(rt, session, case_id, template, actor, lang, data, replaces, reason)
    with rt.store.transaction() as own:
        return _issue(rt, own, case_id, template, actor, lang, data, replaces, reason)


def locked_case_for_papers(session, case_id: int, actor: Actor) -> CaseRecord:
    """The case, locked, if the actor may act on it and it is still open or suspended (papers join a live record)."""
    return case_for_papers(session, case_id, actor, lock=True)


def _issue(rt, session, case_id, template, actor, lang, data, replaces, reason) -> IssuedDocument:
    now = rt.now()
    case = locked_case_for_papers(session, case_id, actor)
    _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
    record = _store(rt, session, case, template=template, lang=lang, actor=actor, now=now, data=data, label=label,
                    replaces=replaces, reason=reason)
    queries.save_case(session, case)
    return IssuedDocument.of(record)


def store_document(rt, session, case, *, template: str, lang: str, actor: Actor, now: datetime, data,
                   label: str, extra: dict[str, Any] | None = None) -> DocumentRecord:
    """Number, render, store and audit a document for another use case that holds the case (the court package)."""
    return _store(rt, session, case, template=template, lang=lang, actor=actor, now=now, data=data, label=label,
                  extra=extra)


def _store(rt, session, case, *, template: str, lang: str, actor: Actor, now: datetime, data, label: str,
           replaces: DocumentRecord | None = None, reason: str = "", batch: list | None = None,
           extra: dict[str, Any] | None = None) -> DocumentRecord:
    """Number, render, store and audit one document (the caller holds the case and writes it)."""
    year = load_calendar(rt.settings.jurisdiction).local_date(now.isoformat()).year
    number = _number(rt, template, year, queries.next_document_number(
        session, agency=rt.settings.agency_code, kind=template, year=year))
    replaced = {"number": replaces.number, "reason": reason} if replaces is not None else None
    html = _render(rt, session, case, template=template, lang=lang, number=number, now=now, data=data,
                   replaces=replaced, extra=extra)
    content = documents.render_pdf(html)
    digest = hashlib.sha256(content).hexdigest()
    record = DocumentRecord(case_id=case.id, kind=template, filename=f"{case.case_no}-{template}-{lang}.pdf",
                            media_type="application/pdf", sha256=digest, size=len(content), content=content,
                            visible_to_party=False, created_by=actor.username, created_at=now, number=number,
                            template=template, lang=lang, replaces_id=replaces.id if replaces else None,
                            correction_reason=reason or None)
    session.add(record)
    session.flush()
    payload = {"document_id": record.id, "number": number, "template": template, "lang": lang, "sha256": digest,
               "size": len(content)}
    if replaces is not None:
        payload.update(replaces_id=replaces.id, replaces_number=replaces.number, reason=reason)
    audit.record(session, key=rt.settings.audit_key, case=case, actor=actor, now=now, procedure_version=label,
                 event_type=EventType.DOCUMENT_CORRECTED if replaces is not None else EventType.DOCUMENT_ISSUED,
                 payload=payload, batch=batch)
    return record


def task_documents(step, element_id: str) -> list[str]:
    """The templates a BPMN task issues when completed: its extension property `document` (comma-separated)."""
    return task_documents_of(step.procedure.elements.get(element_id))


def task_documents_of(info) -> list[str]:
    text = info.properties.get(DOCUMENT_PROPERTY, "") if info is not None else ""
    return [name.strip() for name in text.split(",") if name.strip()]


def plan_task_documents(rt: Runtime, step, *, element_id: str, data: dict[str, Any], actor: Actor,
                        now: datetime) -> Callable[[Any], None] | None:
    """Check, before a task completes, that the case can fill the documents it issues (refused naming each
    missing variable); returns the write that issues them, for the step's own write (step.deferred: numbers,
    PDFs and audit events go with the completion or not at all)."""
    names = task_documents(step, element_id)
    if not names:
        return None
    values = {**(step.run.data or {}), **data}
    missing: dict[str, str] = {}
    for name in names:
        if name not in ISSUABLE:
            raise InvalidDataError.for_fields({"document": f"the procedure names an unknown document {name!r}"})
        missing.update({field: f"the {name.replace('_', ' ')} this step issues states it"
                        for field in documents.required_fields(name) if values.get(field) in (None, "")})
    if missing:
        raise documents.MissingFieldsError.for_fields(missing)

    def write(session) -> None:
        for name in names:
            _store(rt, session, step.case, template=name, lang="zh_Hans", actor=actor, now=now, data=values,
                   label=step.label, batch=step.pending)
    return write


def correct_document(rt: Runtime, *, case_id: int, document_id: int, reason: str, actor: Actor,
                     data: dict[str, Any] | None = None) -> IssuedDocument:
    """A new document (new number) that replaces `document_id` and says why; the old one stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidDataError.for_fields({"reason": "say what was wrong in the document being replaced"})
    if len(reason) > 2000:
        raise InvalidDataError.for_fields({"reason": "at most 2000 characters"})
    with rt.store.transaction() as session:
        old = queries.document_of_case(session, case_id, document_id)
        if old is None or old.number is None:
            raise DocumentNotFoundError(f"no issued document {document_id} in case {case_id}")
        return issue_document(rt, case_id=case_id, template=old.template or "", actor=actor,
                              lang=old.lang or "zh_Hans", data=data, replaces=old, reason=reason, session=session)


def _readable_case(session, actor: Actor, case_id: int):
    case = queries.case(session, case_id)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    access.require_case_readable(session, actor, case)
    return case


def serve_document(rt: Runtime, *, case_id: int, document_id: int, method: str, served_at: datetime,
                   recipient: str, actor: Actor, tracking_no: str = "", refused: bool = False,
                   witnesses: tuple[str, ...] = (), consent_recorded: bool = False, proof: bytes = b"",
                   proof_filename: str = "", proof_media_type: str | None = None) -> IssuedDocument:
    """Record the service (送达) of an issued document: from then on the party sees it and it never changes."""
    fields = check_service(method=method, served_at=served_at, recipient=recipient, tracking_no=tracking_no,
                           refused=refused, witnesses=witnesses, consent_recorded=consent_recorded,
                           proof=proof, now=rt.now(), max_proof=MAX_PROOF_BYTES)
    now = rt.now()
    with rt.store.transaction() as session:
        case = queries.case(session, case_id, lock=True)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        access.require_can_act_on_case(actor, case.department)
        access.require_role(actor, ISSUERS, "record service")
        record = queries.document_of_case(session, case_id, document_id)
        if record is None or record.number is None:
            raise DocumentNotFoundError(f"no issued document {document_id} in case {case.case_no}")
        if record.served_at is not None:
            raise ConflictError(f"document {record.number} was served on {record.served_at.isoformat()}; "
                                "a served document never changes (issue a correction)")
        if proof:
            proof_view = _store_proof(session, case, proof, proof_filename, proof_media_type, actor, now)
            fields["proof"] = proof_view
        periods = periods_after_service(load_calendar(rt.settings.jurisdiction), record.template or "",
                                        served_at, case_variables(session, case.id))
        fields["periods"] = periods
        record.served_at, record.service, record.visible_to_party = served_at, fields, True
        payload = {"document_id": record.id, "number": record.number, "kind": record.template,
                   "sha256": record.sha256, "served_at": served_at.isoformat(), **fields}
        if case.status not in (CaseStatus.OPEN.value, CaseStatus.SUSPENDED.value) or not case.workflow_state:
            _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
            audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.DOCUMENT_SERVED,
                         actor=actor, now=now, procedure_version=label, payload=payload)
            queries.save_case(session, case)
            return IssuedDocument.of(record)
        # a live case: the periods this service starts are the engine's timers too (service_periods), written
        # with the service in this one transaction
        step = steps.load(rt, session, case.id, case)
        steps.record(session, step, EventType.DOCUMENT_SERVED, actor, now, **payload)
        step.run.set_variable(service_periods.served_variable(record.template or ""),
                              served_at.astimezone(timezone.utc).isoformat())
        steps.save(session, step, [], actor=actor, now=now)
        return IssuedDocument.of(record)


def _store_proof(session, case, proof: bytes, filename: str, media_type: str | None, actor: Actor,
                 now: datetime) -> dict[str, Any]:
    digest = hashlib.sha256(proof).hexdigest()
    record = DocumentRecord(case_id=case.id, kind="service_proof", filename=safe_filename(filename or "receipt"),
                            media_type=media_type_of(media_type), sha256=digest, size=len(proof), content=proof,
                            visible_to_party=False, created_by=actor.username, created_at=now)
    session.add(record)
    session.flush()
    return {"document_id": record.id, "sha256": digest, "filename": record.filename}


def list_issued(rt: Runtime, *, case_id: int, actor: Actor) -> list[IssuedDocument]:
    with rt.store.transaction(write=False) as session:
        _readable_case(session, actor, case_id)
        return [IssuedDocument.of(r) for r in queries.issued_documents(session, case_id)]


def case_documents_for_export(rt: Runtime, *, case_id: int, actor: Actor) -> list[tuple[IssuedDocument, bytes]]:
    """Every document of a case with its bytes (issued ones with number and service, evidence, proofs), for
    an exporter: the sha256 in each view is the one recorded when the bytes were stored."""
    with rt.store.transaction(write=False) as session:
        _readable_case(session, actor, case_id)
        return [(IssuedDocument.of(r), bytes(r.content)) for r in queries.documents_of_case(
            session, case_id)]
