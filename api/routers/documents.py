"""Evidence on a case: upload (streamed to the evidence folder, sha256 recorded and audited), list, download with
the hash checked again (the view audited)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.downloads import download_headers
from api.formdata import FormRoute
from api.routers import CaseId, as_json, errors
from api.schemas import CustodyView, DocumentView, EvidenceCitation, EvidenceCited, EvidenceHandover
from engine.services import custody, documents

router = APIRouter(prefix="/api/cases/{case_id}/documents", tags=["documents"], route_class=FormRoute)
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


@router.get("", response_model=list[DocumentView], responses=errors(401, 403, 404))
def list_documents(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    return as_json([d.as_dict() for d in documents.list_documents(rt, case_id=case_id, actor=actor)])


@router.post("", status_code=201, response_model=DocumentView, responses=errors(401, 403, 404, 409, 413, 422))
async def add_evidence(case_id: CaseId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor,
                       file: Annotated[UploadFile, File()], note: Annotated[str, Form(max_length=1000)] = "",
                       description: Annotated[str, Form(max_length=2000)] = "",
                       collected_where: Annotated[str, Form(max_length=300)] = "",
                       collected_at: Annotated[datetime | None, Form()] = None):
    """Attach a piece of evidence (streamed to the evidence folder; at most 5 MiB when there is none): who
    collected it, where and when open its custody; its sha256 enters the case's audit chain."""
    view = await writes.run(documents.add_evidence, rt=rt, case_id=case_id, filename=file.filename or "evidence",
                            content=file.file, actor=actor, media_type=file.content_type, note=note,
                            description=description, collected_where=collected_where,
                            collected_at=_utc(collected_at))
    return as_json(view, 201)


@router.get("/{document_id}", response_class=StreamingResponse, responses={
    200: {"content": {"application/octet-stream": {}},
          "description": "the stored bytes; X-Dueflow-Intact says whether they still match their sha256"},
    **errors(401, 403, 404)})
async def download(case_id: CaseId, document_id: DocumentId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """The stored bytes, streamed; the view is recorded in the evidence's custody (the audit trail)."""
    found = await writes.run(documents.get_document, rt=rt, case_id=case_id, document_id=document_id, actor=actor)
    return StreamingResponse(found.chunks(), media_type=found.view.media_type, headers=download_headers(
        found.view.filename, **{"X-Content-SHA256": found.view.sha256,
                                "X-Dueflow-Intact": "true" if found.intact else "false"}))


@router.get("/{document_id}/custody", response_model=CustodyView, responses=errors(401, 403, 404))
def custody_chain(case_id: CaseId, document_id: DocumentId, rt: RuntimeDep, actor: CurrentActor):
    """Who collected the evidence, where and when, who holds it, and every custody act with its sealed hash."""
    return as_json(custody.custody_of(rt, case_id=case_id, document_id=document_id, actor=actor).as_dict())


@router.post("/{document_id}/handover", response_model=CustodyView, responses=errors(401, 403, 404, 409, 422))
async def hand_over(case_id: CaseId, document_id: DocumentId, body: EvidenceHandover, rt: RuntimeDep,
                    writes: WritesDep, actor: CurrentActor):
    """Pass custody on: the holder (or a supervisor) to a member of staff or an outside holder."""
    view = await writes.run(custody.hand_over_evidence, rt=rt, case_id=case_id, document_id=document_id,
                            to=body.to, external=body.external, where=body.where, note=body.note, actor=actor)
    return as_json(view.as_dict())


@router.post("/{document_id}/disclosure", response_model=CustodyView, responses=errors(401, 403, 404, 409))
async def disclose(case_id: CaseId, document_id: DocumentId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Show a piece of evidence to the party in the portal; each download there is a custody view by the party."""
    view = await writes.run(custody.disclose_evidence, rt=rt, case_id=case_id, document_id=document_id, actor=actor)
    return as_json(view.as_dict())


citations = APIRouter(prefix="/api/cases/{case_id}/evidence-citations", tags=["documents"])


@citations.post("", response_model=EvidenceCited, responses=errors(401, 403, 404, 409, 422))
async def cite(case_id: CaseId, body: EvidenceCitation, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """A waiting decision task lists the evidence it relies on (whoever may complete the task)."""
    cited = await writes.run(custody.cite_evidence, rt=rt, case_id=case_id, task_id=body.task_id,
                             document_ids=body.document_ids, actor=actor)
    return as_json({"task_id": body.task_id, "document_ids": cited})
