"""Evidence on a case: upload (stored with its sha256 and audited as `evidence_added`), list, and download
with the hash checked again, so a file altered in the database shows up as altered."""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

from engine import audit
from engine.domain import (Actor, CaseNotFoundError, CaseNotOpenError, CaseStatus, DocumentNotFoundError,
                           InvalidDataError, PayloadTooLargeError)
from engine.domain import EventType
from engine.services import access
from engine.services.runtime import Runtime
from engine.store import DocumentRecord, queries

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024  # a phone photo or a scanned page; the request limit is 8 MiB
EVIDENCE = "evidence"
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


@dataclass
class DocumentView:
    id: int
    case_id: int
    kind: str
    filename: str
    media_type: str
    sha256: str
    size: int
    visible_to_party: bool
    created_by: str
    created_at: str

    @classmethod
    def of(cls, record: DocumentRecord) -> "DocumentView":
        return cls(id=record.id, case_id=record.case_id, kind=record.kind, filename=record.filename,
                   media_type=record.media_type, sha256=record.sha256, size=record.size,
                   visible_to_party=bool(record.visible_to_party), created_by=record.created_by,
                   created_at=record.created_at.isoformat())

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DocumentContent:
    view: DocumentView
    content: bytes
    intact: bool  # the bytes still hash to the sha256 recorded when they were stored


def safe_filename(name: str) -> str:
    """The last path segment without control characters, at most 200 characters; never empty."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return name[:200] or "evidence"


def media_type_of(value: str | None) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.match(value) else "application/octet-stream"


def add_evidence(rt: Runtime, *, case_id: int, filename: str, content: bytes, actor: Actor,
                 media_type: str | None = None, note: str = "") -> DocumentView:
    """Store one file on an open or suspended case; its sha256 goes into the case's audit chain."""
    if not content:
        raise InvalidDataError.for_fields({"file": "choose a file; an empty one is no evidence"})
    if len(content) > MAX_EVIDENCE_BYTES:
        raise PayloadTooLargeError(f"a piece of evidence may be at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB")
    note = (note or "").strip()
    if len(note) > 1000:
        raise InvalidDataError.for_fields({"note": "at most 1000 characters"})
    digest = hashlib.sha256(content).hexdigest()
    name, kind = safe_filename(filename), media_type_of(media_type)
    now = rt.now()
    with rt.store.transaction() as session:
        case = queries.case(session, case_id, lock=True)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        access.require_can_act_on_case(actor, case.department)
        if case.status not in (CaseStatus.OPEN.value, CaseStatus.SUSPENDED.value):
            raise CaseNotOpenError(f"case {case.case_no} is {case.status}: its record is complete")
        record = DocumentRecord(case_id=case.id, kind=EVIDENCE, filename=name, media_type=kind, sha256=digest,
                                size=len(content), content=content, visible_to_party=False,
                                created_by=actor.username, created_at=now)
        session.add(record)
        session.flush()
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.EVIDENCE_ADDED, actor=actor,
                     now=now, procedure_version=label,
                     payload={"document_id": record.id, "filename": name, "media_type": kind,
                              "size": len(content), "sha256": digest, "note": note})
        queries.save_case(session, case)  # the case row carries the chain's new head
        return DocumentView.of(record)


def list_documents(rt: Runtime, *, case_id: int, actor: Actor) -> list[DocumentView]:
    """Every document of a case the actor may read (evidence, notices served, statements), oldest first."""
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        return [DocumentView.of(record) for record in queries.documents_of_case(session, case_id)]


def get_document(rt: Runtime, *, case_id: int, document_id: int, actor: Actor) -> DocumentContent:
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        record = queries.document_of_case(session, case_id, document_id)
        if record is None:
            raise DocumentNotFoundError(f"no document {document_id} in case {case.case_no}")
        content = bytes(record.content)
        return DocumentContent(DocumentView.of(record), content,
                               intact=hashlib.sha256(content).hexdigest() == record.sha256)
