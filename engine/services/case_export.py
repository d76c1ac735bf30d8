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
from typing import IO, Any, Callable

from engine import audit
from engine.audit.chain import instant
from engine.audit.merkle import heads_leaves, leaf_data
from engine.audit.offline import EVENTS, FORMAT, MANIFEST
from engine.domain import Actor, CaseNotFoundError, EventType, Role
from engine.services import access, audit_trail
from engine.services.documents import safe_filename
from engine.services.runtime import Runtime
from engine.store import CaseRecord, queries

EXPORTERS = {Role.AUDITOR, Role.ADMIN, Role.SYSTEM}
Progress = Callable[[int, int, str], None]  # files written, files in all, the file just written


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


def _custody(events: list[dict[str, Any]], document_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Per document, every audit event that names it or exported it, in chain order (who, when, what)."""
    custody: dict[str, list[dict[str, Any]]] = {str(i): [] for i in document_ids}
    for event in events:
        payload = json.loads(event["payload"])
        named = payload.get("document_id") if isinstance(payload, dict) else None
        touched = document_ids if event["event_type"] == EventType.CASE_EXPORTED.value else (
            [named] if named in document_ids else [])
        for document_id in touched:
            custody[str(document_id)].append({key: event[key] for key in (
                "seq", "occurred_at", "actor", "actor_role", "event_type", "hash")})
    return custody


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
        members: list[tuple[str, bytes]] = [
            (f"procedure/{safe_filename(name)}", str(text).encode("utf-8"))
            for name, text in sorted((version.sources if version else {}).items())]
        members.append((EVENTS, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events).encode("utf-8")))
        listed = []
        for document in documents:
            path = f"documents/{document.id}-{safe_filename(document.filename)}"
            members.append((path, bytes(document.content)))
            listed.append({"id": document.id, "kind": document.kind, "filename": document.filename,
                           "media_type": document.media_type, "size": document.size, "sha256": document.sha256,
                           "created_by": document.created_by, "created_at": instant(document.created_at),
                           "path": path})
        custody = _custody(events, [d.id for d in documents])
        members.append(("custody.json", json.dumps(custody, ensure_ascii=False, indent=1).encode("utf-8")))
        files: dict[str, str] = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for number, (name, content) in enumerate(members, start=1):
                files[name] = hashlib.sha256(content).hexdigest()
                archive.writestr(name, content)
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
