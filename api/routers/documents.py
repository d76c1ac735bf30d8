"""Evidence on a case: upload (sha256 recorded and audited), list, download with the hash checked again."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.downloads import download_headers
from api.formdata import FormRoute
from api.routers import CaseId, as_json, errors
from api.schemas import DocumentView
from engine.services import documents

router = APIRouter(prefix="/api/cases/{case_id}/documents", tags=["documents"], route_class=FormRoute)
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=list[DocumentView], responses=errors(401, 403, 404))
def list_documents(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    return as_json([d.as_dict() for d in documents.list_documents(rt, case_id=case_id, actor=actor)])


@router.post("", status_code=201, response_model=DocumentView, responses=errors(401, 403, 404, 409, 413, 422))
async def add_evidence(case_id: CaseId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor,
                       file: Annotated[UploadFile, File()], note: Annotated[str, Form(max_length=1000)] = ""):
    """Attach a piece of evidence (at most 5 MiB): its sha256 enters the case's audit chain."""
    content = await file.read(documents.MAX_EVIDENCE_BYTES + 1)  # one byte over is enough to refuse it
    view = await writes.run(documents.add_evidence, rt=rt, case_id=case_id, filename=file.filename or "evidence",
                            content=content, actor=actor, media_type=file.content_type, note=note)
    return as_json(view, 201)


@router.get("/{document_id}", response_class=Response, responses={
    200: {"content": {"application/octet-stream": {}},
          "description": "the stored bytes; X-Dueflow-Intact says whether they still match their sha256"},
    **errors(401, 403, 404)})
def download(case_id: CaseId, document_id: DocumentId, rt: RuntimeDep, actor: CurrentActor):
    found = documents.get_document(rt, case_id=case_id, document_id=document_id, actor=actor)
    return Response(found.content, media_type=found.view.media_type, headers=download_headers(
        found.view.filename, **{"X-Content-SHA256": found.view.sha256,
                                "X-Dueflow-Intact": "true" if found.intact else "false"}))
