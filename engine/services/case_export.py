"""A case file anyone can verify offline: one zip with the procedure version's files, every audit event of the
case, every document and evidence file by its stored bytes, the custody of each document as the audit trail
records it, the newest signed checkpoint and the Merkle inclusion proof of the case's head in it. The export is
itself an audited act (`case_exported`), and a checkpoint is signed right after it so the export is covered.
engine/audit/offline.py checks such a file with nothing but the standard library and `cryptography`."""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterator

from engine import audit
from engine.audit.chain import instant
from engine.audit.merkle import heads_leaves, leaf_data
from engine.audit.offline import EVENTS, FORMAT, MANIFEST
from engine.documents import titles as document_titles
from engine.domain import Actor, CaseNotFoundError, EventType, Role
from engine.services import access, audit_trail
from engine.services.custody import acts_on
from engine.services.documents import safe_filename, stored_chunks
from engine.services.runtime import Runtime
from engine.store import CaseRecord, queries

EXPORTERS = {Role.AUDITOR, Role.ADMIN, Role.SYSTEM}
Progress = Callable[[int, int, str], None]  # files written, files in all, the file just written
Chunks = Callable[[], Iterator[bytes]]


@dataclass
class ExportSummary:
    case_no: str
    files: int
    events: int
    documents: int
    checkpoint_id: int | None
    manifest: dict[str, Any] = field(repr=False, default_factory=dict)


def _find_case(session, case_no: str | None, case_id: int | None) -> CaseRecord:
    if case_no:
        found = queries.case_by_no(session, case_no)
        case_id = found.id if found else None
    case = queries.case(session, case_id or 0, lock=True)
    if case is None:
        raise CaseNotFoundError(f"no case {case_no or case_id}")
    return case


def _record_export(rt: Runtime, *, actor: Actor, case_no: str | None, case_id: int | None) -> int:
    """The export is a view of every document: it goes into the case's chain before the file is written."""
    access.require_role(actor, EXPORTERS, "export a case file")
    now = rt.now()
    with rt.store.transaction() as session:
        case = _find_case(session, case_no, case_id)
        access.require_case_readable(session, actor, case)
        _, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.CASE_EXPORTED,
                     actor=actor, now=now, procedure_version=label, payload={"format": FORMAT})
        queries.save_case(session, case)
        return case.id


def _event(event) -> dict[str, Any]:
    return {"case_id": event.case_id, "seq": event.seq, "occurred_at": instant(event.occurred_at),
            "actor": event.actor, "actor_role": event.actor_role, "event_type": event.event_type,
            "element_id": event.element_id, "procedure_version": event.procedure_version,
            "payload": event.payload, "prev_hash": event.prev_hash, "hash": event.hash}


def _once(content: bytes) -> Chunks:
    return lambda: iter((content,))


def _custody(events: list[dict[str, Any]], documents: list, custody: dict, cited) -> dict[str, dict[str, Any]]:
    """Per document: how it was collected and who holds it (evidence), the decisions that rely on it, and every
    audit event that is a custody act on it (added, handed over, viewed, cited, exported), in chain order."""
    chains: dict[str, dict[str, Any]] = {}
    for document in documents:
        kept = custody.get(document.id)
        chains[str(document.id)] = {
            "collected": None if kept is None else {
                "by": kept.collected_by, "at": instant(kept.collected_at), "where": kept.collected_where,
                "description": kept.description, "storage": kept.storage},
            "holder": kept.holder if kept is not None else None,
            "cited_by_decisions": [{"element_id": c.element_id, "task_id": c.task_id, "cited_by": c.cited_by,
                                    "cited_at": instant(c.cited_at)} for c in cited if c.document_id == document.id],
            "events": [{key: event[key] for key in ("seq", "occurred_at", "actor", "actor_role", "event_type",
                                                     "hash")}
                       for event in events if acts_on(event, document.id)]}
    return chains


def _proof(session, case_id: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The newest signed checkpoint and the inclusion proof of this case's head in it (None when none)."""
    folded = audit.fold(session, audit.FoldedHeads())
    latest = queries.latest_checkpoint(session)
    if latest is None or str(case_id) not in folded.heads:
        return None, None
    leaves = heads_leaves(folded.heads)
    seq, head = folded.heads[str(case_id)]
    index = leaves.index(leaf_data(case_id, int(seq), str(head)))
    return audit.entry(latest), {"index": index, "seq": int(seq), "head": str(head),
                                 "path": audit.inclusion_proof(leaves, index)}


def export_case(rt: Runtime, *, out: IO[bytes], actor: Actor, case_no: str | None = None,
                case_id: int | None = None, progress: Progress | None = None) -> ExportSummary:
    """Write one case's verifiable file to `out` (a binary file); auditors and admins only."""
    case_id = _record_export(rt, actor=actor, case_no=case_no, case_id=case_id)
    audit_trail.take_checkpoint(rt, actor=actor)
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        version = queries.procedure_version_by_id(session, case.procedure_version_id)
        events = [_event(e) for e in queries.audit_events(session, case.id)]
        documents = list(queries.documents_of_case(session, case.id))
        checkpoint, proof = _proof(session, case.id)
        members: list[tuple[str, Chunks]] = [
            (f"procedure/{safe_filename(name)}", _once(str(text).encode("utf-8")))
            for name, text in sorted((version.sources if version else {}).items())]
        members.append((EVENTS, _once("".join(json.dumps(e, ensure_ascii=False) + "\n"
                                              for e in events).encode("utf-8"))))
        custody = queries.custody_of_case(session, case.id)
        listed = []
        for document in documents:
            path = f"documents/{document.id}-{safe_filename(document.filename)}"
            members.append((path, stored_chunks(rt, document, custody.get(document.id))))
            listed.append({"id": document.id, "kind": document.kind, "title": document_titles(document.kind),
                           "number": document.number, "filename": document.filename,
                           "media_type": document.media_type, "size": document.size, "sha256": document.sha256,
                           "created_by": document.created_by, "created_at": instant(document.created_at),
                           "path": path})
        chains = _custody(events, documents, custody, queries.cited_evidence(session, case.id))
        members.append(("custody.json", _once(json.dumps(chains, ensure_ascii=False, indent=1).encode("utf-8"))))
        files: dict[str, str] = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for number, (name, chunks) in enumerate(members, start=1):
                digest = hashlib.sha256()
                with archive.open(name, "w", force_zip64=True) as member:  # a video may pass 4 GiB
                    for chunk in chunks():
                        digest.update(chunk)
                        member.write(chunk)
                files[name] = digest.hexdigest()
                if progress:
                    progress(number, len(members) + 1, name)
            manifest = {
                "format": FORMAT, "exported_at": instant(rt.now()), "exported_by": actor.username,
                "case": {"id": case.id, "case_no": case.case_no, "status": case.status, "stage": case.stage,
                         "audit_seq": case.audit_seq, "audit_head": case.audit_head},
                "procedure": {"key": version.key, "version": version.version, "sha256": version.sha256}
                if version else None,
                "public_key": audit_trail.public_key(rt), "checkpoint": checkpoint, "inclusion_proof": proof,
                "documents": listed, "files": files}
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            if progress:
                progress(len(members) + 1, len(members) + 1, MANIFEST)
        return ExportSummary(case_no=case.case_no, files=len(files), events=len(events), documents=len(listed),
                             checkpoint_id=checkpoint["id"] if checkpoint else None, manifest=manifest)
