"""The auditor's pages: any case's full timeline with the path it took on its procedure version, verification of
its hash chain (naming the first altered event), verification of the whole log, checkpoints, and the case file
export that anyone verifies offline (docs/verify.md)."""
from __future__ import annotations

import tempfile
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from api.downloads import download_headers
from api.web.pages import WebRoute, locale_of, page, redirect, secure
from api.web.session import CheckedForm, StaffUser
from engine.domain import Role
from engine.services import audit_trail, case_export, cases, history

router = APIRouter(prefix="/audit", route_class=WebRoute, include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _rt(request: Request):
    return request.app.state.runtime


@router.get("")
def audit_home(request: Request, actor: StaffUser, q: Annotated[str, Query(max_length=200)] = "",
               after: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None):
    found = cases.search_cases(_rt(request), actor=actor, text=q.replace("\x00", "") or None, after=after,
                               limit=50)
    return page(request, "audit/index.html", cases=found.items, found=found, q=q, after=after)


@router.get("/cases/{case_id}")
def case_timeline(request: Request, actor: StaffUser, case_id: CaseId):
    seen = history.case_history(_rt(request), case_id=case_id, actor=actor)
    diagram = {"url": f"/procedures/{seen.procedure}/{seen.procedure_version}.bpmn?labels={locale_of(request)}",
               "current": seen.current, "path": seen.path}
    return page(request, "audit/case.html", history=seen, diagram=diagram,
                may_export=actor.role in case_export.EXPORTERS and actor.role != Role.SYSTEM)


@router.post("/cases/{case_id}/export")
def export_case(request: Request, actor: StaffUser, case_id: CaseId, _form: CheckedForm):
    """The case file as one zip (a POST: the export is recorded in the case's audit trail)."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # large case files go to disk
    summary = case_export.export_case(_rt(request), out=spool, actor=actor, case_id=case_id)
    spool.seek(0)

    def chunks():
        with spool:
            while chunk := spool.read(1 << 16):
                yield chunk

    return secure(StreamingResponse(chunks(), media_type="application/zip",
                                    headers=download_headers(f"case-{summary.case_no}.zip")))


@router.get("/cases/{case_id}/verify")
def verify_case(request: Request, actor: StaffUser, case_id: CaseId):
    """The case's chain recomputed: intact, or the first event that was altered, deleted or reordered."""
    report = cases.verify_audit(_rt(request), actor=actor, case_id=case_id)
    if request.headers.get("hx-request"):
        return page(request, "audit/_report.html", report=report, whole=False)
    return page(request, "audit/verify.html", report=report, whole=False, case_id=case_id)


@router.get("/verify")
def verify_log(request: Request, actor: StaffUser, run: Annotated[int, Query(ge=0, le=2)] = 0):
    """Every chain of the log, the system chain and the last checkpoint (run=1), or only what was written since
    the newest signed checkpoint (run=2); computed when asked for."""
    report = audit_trail.verify_audit(_rt(request), actor=actor, since_checkpoint=run == 2) if run else None
    if request.headers.get("hx-request") and report is not None:
        return page(request, "audit/_report.html", report=report, whole=True)
    return page(request, "audit/verify.html", report=report, whole=True, case_id=None,
                public_key=audit_trail.public_key(_rt(request))["public_key"])


@router.post("/checkpoint")
def checkpoint(request: Request, actor: StaffUser, _form: CheckedForm):
    done = cases.checkpoint_audit(_rt(request), actor=actor)
    return redirect(request, "/audit/verify", flash="checkpoint", chains=done["chains"], events=done["events"])
