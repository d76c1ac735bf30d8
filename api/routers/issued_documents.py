"""Documents the agency issues from its templates: preview, issue, record service (送达), correct; and the court
package (CL 53-55). Each route is one engine.services call; the rules live there."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import HTMLResponse

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.formdata import FormRoute
from api.routers import CaseId, as_json, errors
from api.schemas import (CourtPackageCreate, CourtPackageView, DocumentCorrection, DocumentIssue,
                         IssuedDocumentView)
from engine.services import court_package, issuing

router = APIRouter(prefix="/api/cases/{case_id}", tags=["issued documents"], route_class=FormRoute)
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Template = Annotated[str, Query(pattern=r"^[a-z_]{1,32}$")]
Lang = Annotated[str, Query(pattern=r"^(zh_Hans|en)$")]


@router.get("/issued-documents", response_model=list[IssuedDocumentView], responses=errors(401, 403, 404))
def list_issued(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    return as_json(issuing.list_issued(rt, case_id=case_id, actor=actor))


@router.get("/issued-documents/preview", response_class=HTMLResponse, responses=errors(401, 403, 404, 422))
def preview(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor, template: Template, lang: Lang = "zh_Hans"):
    """The document as it would be issued now, as HTML (nothing is stored or numbered)."""
    return HTMLResponse(issuing.preview(rt, case_id=case_id, template=template, lang=lang, actor=actor),
                        headers={"Content-Security-Policy": "default-src 'none'; img-src data:; style-src "
                                 "'unsafe-inline'", "Cache-Control": "no-store"})


@router.post("/issued-documents", status_code=201, response_model=IssuedDocumentView,
             responses=errors(401, 403, 404, 409, 422))
async def issue(case_id: CaseId, body: DocumentIssue, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Render, number and store a document from the case record; its sha256 enters the audit chain."""
    return as_json(await writes.run(issuing.issue_document, rt=rt, case_id=case_id, template=body.template,
                                    lang=body.lang, actor=actor), 201)


@router.post("/issued-documents/{document_id}/service", response_model=IssuedDocumentView,
             responses=errors(401, 403, 404, 409, 413, 422))
async def serve(case_id: CaseId, document_id: DocumentId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor,
                method: Annotated[str, Form(max_length=32)], served_at: Annotated[datetime, Form()],
                recipient: Annotated[str, Form(max_length=300)] = "",
                tracking_no: Annotated[str, Form(max_length=100)] = "", refused: Annotated[bool, Form()] = False,
                witnesses: Annotated[str, Form(max_length=600)] = "",
                consent_recorded: Annotated[bool, Form()] = False,
                proof: Annotated[UploadFile | None, File()] = None):
    """Record how and when a document was served; the party sees it from then on and it never changes.
    `witnesses` is comma-separated; `proof` is the signed receipt (at most 5 MiB)."""
    content = await proof.read(issuing.MAX_PROOF_BYTES + 1) if proof is not None else b""
    return as_json(await writes.run(
        issuing.serve_document, rt=rt, case_id=case_id, document_id=document_id, method=method,
        served_at=served_at, recipient=recipient, tracking_no=tracking_no, refused=refused,
        witnesses=tuple(w for w in witnesses.split(",") if w.strip()), consent_recorded=consent_recorded,
        proof=content, proof_filename=proof.filename or "" if proof else "",
        proof_media_type=proof.content_type if proof else None, actor=actor))


@router.post("/issued-documents/{document_id}/correction", status_code=201, response_model=IssuedDocumentView,
             responses=errors(401, 403, 404, 409, 422))
async def correct(case_id: CaseId, document_id: DocumentId, body: DocumentCorrection, rt: RuntimeDep,
                  writes: WritesDep, actor: CurrentActor):
    """Issue a new document replacing this one and saying why; the one replaced stays as it was."""
    return as_json(await writes.run(issuing.correct_document, rt=rt, case_id=case_id, document_id=document_id,
                                    reason=body.reason, actor=actor), 201)


@router.post("/court-package", status_code=201, response_model=CourtPackageView,
             responses=errors(401, 403, 404, 409, 422))
async def assemble_court_package(case_id: CaseId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor,
                                 body: CourtPackageCreate | None = None):
    """The application for compulsory enforcement (CL 53-55) as one PDF and a manifest, from the record only;
    409 `court_package_incomplete` names each missing item. Legal reviewers."""
    package = await writes.run(court_package.assemble, rt=rt, case_id=case_id, actor=actor,
                               lang=body.lang if body else "zh_Hans")
    return as_json(package.as_dict(), 201)
