"""Evidence on a case: upload (streamed to the evidence folder with its sha256 computed on the way, or kept in
the database when no folder is configured), its custody opened (who collected it, where, when), audited as
`evidence_added`; list; and download with the hash checked again and the view audited (`evidence_viewed`), so a
file altered in the database or on disk shows up as altered."""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import BinaryIO, Callable, Iterator

from engine import audit
from engine.audit.chain import instant
from engine.domain import (Actor, CaseNotFoundError, CaseNotOpenError, CaseStatus, DocumentNotFoundError,
                           InvalidDataError, PayloadTooLargeError)
from engine.domain import EventType
from engine.services import access
from engine.services.runtime import Runtime
from engine.store import BlobTooLargeError, DocumentRecord, EvidenceCustodyRecord, StoredBlob, queries

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024  # kept in the database (no evidence folder): a phone photo or a scanned page
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
    chunks: Callable[[], Iterator[bytes]]  # the stored bytes, read a chunk at a time
    intact: bool  # the bytes still hash to the sha256 recorded when they were stored

    @property
    def content(self) -> bytes:
        return b"".join(self.chunks())


def safe_filename(name: str) -> str:
    """The last path segment without control characters, at most 200 characters; never empty."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return name[:200] or "evidence"


def media_type_of(value: str | None) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.match(value) else "application/octet-stream"


def max_evidence_bytes(rt: Runtime) -> int:
    return rt.settings.max_evidence_mib * 1024 * 1024 if rt.blobs is not None else MAX_EVIDENCE_BYTES


def _store_bytes(rt: Runtime, content: bytes | BinaryIO) -> tuple[StoredBlob, bytes | None]:
    """Stream the upload to the evidence folder (hashing on the way), or read it for the database."""
    limit = max_evidence_bytes(rt)
    stream = io.BytesIO(content) if isinstance(content, (bytes, bytearray)) else content
    too_large = PayloadTooLargeError(f"a piece of evidence may be at most {limit // (1024 * 1024)} MiB")
    blobs = rt.blobs
    if blobs is None:
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise too_large
        return StoredBlob("", hashlib.sha256(data).hexdigest(), len(data)), data
    try:
        return blobs.put(stream, limit=limit), None
    except BlobTooLargeError:
        raise too_large from None


def add_evidence(rt: Runtime, *, case_id: int, filename: str, content: bytes | BinaryIO, actor: Actor,
                 media_type: str | None = None, note: str = "", description: str = "",
                 collected_at: datetime | None = None, collected_where: str = "") -> DocumentView:
    """Store one file on an open or suspended case and open its custody with the collecting officer as holder;
    its sha256 goes into the case's audit chain."""
    note, description, collected_where = (note or "").strip(), (description or "").strip(), \
        (collected_where or "").strip()
    errors = {name: f"at most {limit} characters" for name, value, limit in (
        ("note", note, 1000), ("description", description, 2000), ("collected_where", collected_where, 300))
        if len(value) > limit}
    now = rt.now()
    if collected_at is not None and collected_at > now:
        errors["collected_at"] = "the evidence cannot be collected in the future"
    if errors:
        raise InvalidDataError.for_fields(errors)
    with rt.store.transaction(write=False) as session:  # refuse before streaming a large file for nothing
        case_for_papers(session, case_id, actor)
    stored, data = _store_bytes(rt, content)
    if stored.size == 0:
        raise InvalidDataError.for_fields({"file": "choose a file; an empty one is no evidence"})
    name, kind = safe_filename(filename), media_type_of(media_type)
    with rt.store.transaction() as session:
        case = case_for_papers(session, case_id, actor, lock=True)
        record = DocumentRecord(case_id=case.id, kind=EVIDENCE, filename=name, media_type=kind, sha256=stored.sha256,
                                size=stored.size, content=data or b"", visible_to_party=False,
                                created_by=actor.username, created_at=now)
        session.add(record)
        session.flush()
        session.add(EvidenceCustodyRecord(
            document_id=record.id, case_id=case.id, description=description, collected_by=actor.username,
            collected_at=collected_at or now, collected_where=collected_where, holder=actor.username,
            storage="file" if stored.key else "database", storage_key=stored.key or None))
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.EVIDENCE_ADDED, actor=actor,
                     now=now, procedure_version=label,
                     payload={"document_id": record.id, "filename": name, "media_type": kind,
                              "size": stored.size, "sha256": stored.sha256, "note": note,
                              "description": description, "collected_where": collected_where,
                              "collected_at": instant(collected_at or now),
                              "storage": "file" if stored.key else "database"})
        queries.save_case(session, case)  # the case row carries the chain's new head
        return DocumentView.of(record)


def case_for_papers(session, case_id: int, actor: Actor, *, lock: bool = False):
    """The case if the actor may act on it and it is still open or suspended (papers join a live record only)."""
    case = queries.case(session, case_id, lock=lock)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    access.require_case_readable(session, actor, case)
    access.require_can_act_on_case(actor, case.department)
    if case.status not in (CaseStatus.OPEN.value, CaseStatus.SUSPENDED.value):
        raise CaseNotOpenError(f"case {case.case_no} is {case.status}: its record is complete")
    return case


def stored_chunks(rt: Runtime, record: DocumentRecord, custody: EvidenceCustodyRecord | None
                  ) -> Callable[[], Iterator[bytes]]:
    """The bytes of a document wherever they are kept (the database row, or the evidence folder)."""
    if custody is not None and custody.storage == "file" and custody.storage_key:
        blobs, key = rt.blobs, custody.storage_key
        if blobs is None:
            raise DocumentNotFoundError("this evidence is kept in the evidence folder, which is not configured")
        return lambda: blobs.chunks(key)
    content = bytes(record.content)
    return lambda: iter((content,))


def sealed_hash(chunks: Callable[[], Iterator[bytes]]) -> str | None:
    """The sha256 of the bytes as they are now (None when the file is gone)."""
    digest = hashlib.sha256()
    try:
        for chunk in chunks():
            digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def list_documents(rt: Runtime, *, case_id: int, actor: Actor) -> list[DocumentView]:
    """Every document of a case the actor may read (evidence, notices served, statements), oldest first."""
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        return [DocumentView.of(record) for record in queries.documents_of_case(session, case_id)]


def get_document(rt: Runtime, *, case_id: int, document_id: int, actor: Actor) -> DocumentContent:
    """A document's bytes for the actor; the view is a custody event in the case's audit chain, with the hash
    the bytes have now (so a view of an altered file is on record as such)."""
    with rt.store.transaction() as session:
        case = queries.case(session, case_id, lock=True)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        record = queries.document_of_case(session, case_id, document_id)
        if record is None:
            raise DocumentNotFoundError(f"no document {document_id} in case {case.case_no}")
        chunks = stored_chunks(rt, record, queries.custody(session, record.id))
        now_hash = sealed_hash(chunks)
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.EVIDENCE_VIEWED,
                     actor=actor, now=rt.now(), procedure_version=label,
                     payload={"document_id": record.id, "sha256": now_hash, "intact": now_hash == record.sha256})
        queries.save_case(session, case)
        view = DocumentView.of(record)
    if now_hash is None:  # the attempt stays on record
        raise DocumentNotFoundError(f"the file of document {document_id} is missing from the evidence folder")
    return DocumentContent(view, chunks, intact=now_hash == view.sha256)
