"""The pages' side of issued documents: the preview of a template filled from the case, issuing one, recording
its service (送达) with the proof, and assembling the court package. The case page (officer.py) lists them."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.web.pages import WebRoute, redirect, secure
from api.web.session import CheckedForm, StaffUser
from engine.domain import InvalidDataError
from engine.services import court_package, issuing

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _rt(request: Request):
    return request.app.state.runtime


@router.get("/cases/{case_id}/paperwork/preview")
def preview(request: Request, actor: StaffUser, case_id: CaseId,
            template: Annotated[str, Query(pattern=r"^[a-z_]{1,32}$")],
            lang: Annotated[str, Query(pattern=r"^(zh_Hans|en)$")] = "zh_Hans"):
    html = issuing.preview(_rt(request), case_id=case_id, template=template, lang=lang, actor=actor)
    response = secure(HTMLResponse(html, headers={"Content-Security-Policy": PREVIEW_CSP,
                                                  "Cache-Control": "no-store"}))
    return response


@router.post("/cases/{case_id}/paperwork")
def issue(request: Request, actor: StaffUser, case_id: CaseId, form: CheckedForm):
    issued = issuing.issue_document(_rt(request), case_id=case_id, template=str(form.get("template", ""))[:32],
                                    lang=str(form.get("lang", "zh_Hans"))[:16], actor=actor)
    return redirect(request, f"/cases/{case_id}#issued", flash="document_issued", number=issued.number)


def _served_at(request: Request, text: str) -> datetime:
    """A datetime-local field, in the installation's time zone."""
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidDataError.for_fields({"served_at": "the date and time of service"}) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(_rt(request).settings.timezone))
    return local


@router.post("/cases/{case_id}/paperwork/{document_id}/service")
def serve(request: Request, actor: StaffUser, case_id: CaseId, document_id: CaseId, form: CheckedForm):
    proof = form.get("proof")
    content, filename, media_type = b"", "", None
    if proof is not None and not isinstance(proof, str):
        content = proof.file.read(issuing.MAX_PROOF_BYTES + 1)
        filename, media_type = proof.filename or "", proof.content_type
    served = issuing.serve_document(
        _rt(request), case_id=case_id, document_id=document_id, method=str(form.get("method", ""))[:32],
        served_at=_served_at(request, str(form.get("served_at", ""))[:32]),
        recipient=str(form.get("recipient", ""))[:301], tracking_no=str(form.get("tracking_no", ""))[:101],
        refused=form.get("refused") == "on",
        witnesses=tuple(w for w in str(form.get("witnesses", ""))[:600].split(",") if w.strip()),
        consent_recorded=form.get("consent_recorded") == "on", proof=content, proof_filename=filename,
        proof_media_type=media_type, actor=actor)
    return redirect(request, f"/cases/{case_id}#issued", flash="document_served", number=served.number)


@router.post("/cases/{case_id}/court-package")
def assemble(request: Request, actor: StaffUser, case_id: CaseId, _form: CheckedForm):
    package = court_package.assemble(_rt(request), case_id=case_id, actor=actor)
    return redirect(request, f"/cases/{case_id}#issued", flash="court_package_assembled",
                    number=package.document.number)
