"""The officer's pages: worklist, cases, opening a case, the case page (stage, diagram, deadlines, evidence,
what the party sent), task forms rendered from the BPMN form fields, and recording a message."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from api.downloads import download_headers
from api.web import i18n
from api.web.grid import cell_sketch
from api.web.pages import WebRoute, locale_of, page, redirect, secure
from api.web.session import CheckedForm, StaffUser
from engine.domain import Actor, DueflowError, EventType, InvalidDataError, Role
from engine.services import grid as grid_service
from engine.services import (access, cases, coordination, court_package, custody, documents, history, issuing,
                             procedures, revisions, tasks)

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TaskId = Annotated[str, Path(pattern=r"^[0-9A-Fa-f-]{1,36}$")]
Key = Annotated[str, Path(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,199}$")]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
LONG_TEXT = ("note", "notes", "reasons", "findings", "text", "description", "statement", "facts", "basis")
WORKLIST_PAGE = 200  # as many as the worklist showed before it had pages
PARTY_FIELDS = ("party_name", "party_type", "party_contact", "party_id_number", "address", "grid_cell", "category")


def _rt(request: Request):
    return request.app.state.runtime


def can_open_cases(actor: Actor) -> bool:
    return actor.role in access.CASE_OPENERS


def _diagram(request: Request, view_key: str, version: int, current: list[str],
             path: list[str] | None = None) -> dict[str, Any]:
    """The diagram of a page, its labels in the reader's language (a URL per language: it is cached)."""
    return {"url": f"/procedures/{view_key}/{version}.bpmn?labels={locale_of(request)}", "current": current,
            "path": path or []}


@router.get("/work")
def worklist(request: Request, actor: StaffUser,
             after: Annotated[str, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]*$")] = ""):
    """Ready tasks of the actor's lane and department, soonest deadline first."""
    items = tasks.ready_tasks(_rt(request), actor=actor, after=after or None, limit=WORKLIST_PAGE)
    return page(request, "officer/worklist.html", tasks=items, can_open=can_open_cases(actor), after=after,
                next=tasks.next_cursor(items, WORKLIST_PAGE))


@router.get("/cases")
def case_list(request: Request, actor: StaffUser, q: Annotated[str, Query(max_length=200)] = "",
              status: Annotated[str, Query(max_length=16, pattern=r"^[a-z]*$")] = "",
              stage: Annotated[str, Query(max_length=64, pattern=r"^[a-z_]*$")] = "",
              category: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")] = "",
              grid: Annotated[str, Query(max_length=64)] = "",
              due_by: Annotated[str, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
              after: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None):
    """Every case the officer may see, found by number, party or address, status, stage, category, grid cell
    and deadline (open cases due by the end of that day, overdue ones included), 50 a page, older pages by
    cursor (`after` = the last case shown)."""
    due_before = None
    if due_by:
        try:
            day = date.fromisoformat(due_by)
        except ValueError:
            raise InvalidDataError.for_fields({"due_by": "must be a date like 2026-03-31"}) from None
        due_before = datetime.combine(day + timedelta(days=1), time(0), tzinfo=i18n.TIMEZONE)
    grid = grid.replace("\x00", "").strip()
    found = cases.search_cases(_rt(request), actor=actor, text=q.replace("\x00", "") or None,
                               status=status or None, stage=stage or None, category=category or None,
                               grid_cell=grid or None, due_before=due_before, after=after, limit=50)
    filters = {"q": q, "status": status, "stage": stage, "category": category, "grid": grid, "due_by": due_by}
    # `status` is page()'s HTTP status: the filter travels as `status_filter`
    return page(request, "officer/cases.html", cases=found.items, found=found, q=q, status_filter=status, after=after,
                filters=filters, paging=urlencode({k: v for k, v in filters.items() if v}),
                can_open=can_open_cases(actor), case_base="/audit/cases" if actor.role == Role.AUDITOR else "/cases")


def _procedure_keys(request: Request) -> list[dict[str, Any]]:
    latest: dict[str, Any] = {}
    for version in procedures.list_procedures(_rt(request)):
        if version.status == "active":
            latest[version.key] = version
    return sorted(latest.values(), key=lambda v: v.key)


@router.get("/cases/new")
def new_case_page(request: Request, actor: StaffUser):
    access.require_role(actor, access.CASE_OPENERS, "open cases")
    return page(request, "officer/new_case.html", procedures=_procedure_keys(request), values={}, errors={},
                error=None, start_forms=procedures.start_forms(_rt(request)))


@router.post("/cases/new")
def open_case(request: Request, actor: StaffUser, form: CheckedForm):
    values = {name: str(form.get(name, "")).strip()[:300] for name in ("procedure",) + PARTY_FIELDS}
    data: dict[str, Any] = {"party": {"name": values["party_name"], "type": values["party_type"] or "person",
                                      "contact": values["party_contact"], "id_number": values["party_id_number"]},
                            "location": {"address": values["address"], "grid_cell": values["grid_cell"] or None}}
    if values["category"]:
        data["category"] = values["category"]
    # the chosen procedure's start form: its fields are named start.<procedure>.<field> on the page
    start_forms = procedures.start_forms(_rt(request))
    start = {f["id"]: f"start.{values['procedure']}.{f['id']}" for f in start_forms.get(values["procedure"], [])}
    for field_id, name in start.items():
        values[name] = str(form.get(name, "")).strip()[:2000]
        if values[name]:
            data[field_id] = values[name]
    errors: dict[str, str] = {}
    if not values["party_name"]:
        errors["party_name"] = "is required"
    if not values["address"]:
        errors["address"] = "is required"
    try:
        if errors:
            raise InvalidDataError.for_fields(errors)
        view = cases.open_case(_rt(request), procedure=values["procedure"], data=data, actor=actor)
    except InvalidDataError as error:
        fields = {start.get(d["field"]) or d["field"].replace("party.type", "party_type").replace("party.", "party_")
                  .replace("location.", ""): d["message"] for d in error.details}
        return page(request, "officer/new_case.html", status=422, procedures=_procedure_keys(request),
                    values=values, errors=fields, error=error, start_forms=start_forms)
    return page(request, "officer/case_opened.html", status=201, case=view)


@router.get("/cases/{case_id}")
def case_page(request: Request, actor: StaffUser, case_id: CaseId):
    rt = _rt(request)
    view = cases.get_case(rt, case_id=case_id, actor=actor)
    seen = history.case_history(rt, case_id=case_id, actor=actor)
    files = [d for d in documents.list_documents(rt, case_id=case_id, actor=actor) if d.kind == documents.EVIDENCE]
    held = {chain.document_id: chain for chain in custody.custody_of_case(rt, case_id=case_id, actor=actor)}
    issued = issuing.list_issued(rt, case_id=case_id, actor=actor)
    mine = {t.id for t in tasks.ready_tasks(rt, actor=actor, case_id=case_id)}
    may_change = actor.role not in (Role.AUDITOR,) and (actor.role in (Role.ADMIN,) or
                                                        actor.department == view.department)
    sketch = cell_sketch(grid_service.cell_geometry(rt, actor=actor, code=view.location.get("grid_cell")),
                         view.location.get("lon"), view.location.get("lat"))
    return page(request, "officer/case.html", case=view, history=seen, documents=files, mine=mine, custody=held,
                sketch=sketch,
                issued=issued, templates=issuing.ISSUABLE, service_methods=issuing.SERVICE_METHODS,
                may_assemble=actor.role in court_package.ASSEMBLERS, may_change=may_change,
                diagram=_diagram(request, view.procedure, view.procedure_version, seen.current, seen.path),
                recent=list(reversed([e for e in seen.events if e.event_type != EventType.DEADLINE_SET]))[:12],
                max_evidence=documents.max_evidence_bytes(rt), held=coordination.holder(rt, case_id=case_id, actor=actor))


@router.post("/cases/{case_id}/evidence")
def add_evidence(request: Request, actor: StaffUser, case_id: CaseId, form: CheckedForm):
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidDataError.for_fields({"file": "choose a file; an empty one is no evidence"})
    view = documents.add_evidence(_rt(request), case_id=case_id, filename=upload.filename or "evidence",
                                  content=upload.file, media_type=upload.content_type, actor=actor,
                                  note=str(form.get("note", ""))[:1000],
                                  description=str(form.get("description", ""))[:2000],
                                  collected_where=str(form.get("collected_where", ""))[:300])
    return redirect(request, f"/cases/{case_id}#evidence", flash="evidence_added", filename=view.filename,
                    sha256=view.sha256)


@router.post("/cases/{case_id}/documents/{document_id}/handover")
def hand_over(request: Request, actor: StaffUser, case_id: CaseId, document_id: CaseId, form: CheckedForm):
    """Pass custody of a piece of evidence on (the holder, or a supervisor)."""
    chain = custody.hand_over_evidence(_rt(request), case_id=case_id, document_id=document_id, actor=actor,
                                       to=str(form.get("to", ""))[:200], external=form.get("external") == "yes",
                                       where=str(form.get("where", ""))[:300])
    return redirect(request, f"/cases/{case_id}#evidence", flash="custody_transferred", filename=chain.filename,
                    holder=chain.holder)


@router.post("/cases/{case_id}/documents/{document_id}/disclosure")
def disclose(request: Request, actor: StaffUser, case_id: CaseId, document_id: CaseId, _form: CheckedForm):
    """Show a piece of evidence to the party in the portal; each download there is a custody view."""
    chain = custody.disclose_evidence(_rt(request), case_id=case_id, document_id=document_id, actor=actor)
    return redirect(request, f"/cases/{case_id}#evidence", flash="evidence_disclosed", filename=chain.filename)


@router.get("/cases/{case_id}/documents/{document_id}")
def download(request: Request, actor: StaffUser, case_id: CaseId, document_id: CaseId):
    found = documents.get_document(_rt(request), case_id=case_id, document_id=document_id, actor=actor)
    return secure(StreamingResponse(found.chunks(), media_type=found.view.media_type, headers=download_headers(
        found.view.filename, **{"X-Content-SHA256": found.view.sha256,
                                "X-Content-Intact": "yes" if found.intact else "no", "Cache-Control": "no-store"})))


@router.post("/cases/{case_id}/messages")
def record_message(request: Request, actor: StaffUser, case_id: CaseId, form: CheckedForm):
    """A message that reached the office another way (a waiver signed on paper, a bank's payment notice)."""
    name = str(form.get("message", ""))[:200]
    note = str(form.get("note", "")).strip()[:2000]
    cases.deliver_message(_rt(request), case_id=case_id, name=name, payload={"note": note} if note else {},
                          actor=actor)
    return redirect(request, f"/cases/{case_id}", flash="message_recorded", message=name)


def _task_page(request: Request, actor: Actor, task_id: str, *, status: int = 200, values=None, errors=None,
               error: DueflowError | None = None):
    rt = _rt(request)
    task = tasks.get_task(rt, task_id=task_id, actor=actor)
    view = cases.get_case(rt, case_id=task.case_id, actor=actor, with_data=False)
    values = values if values is not None else {f["id"]: f.get("default") for f in task.form}
    long_text = {f["id"] for f in task.form if f["type"] == "string" and
                 (f["id"].split("_")[-1] in LONG_TEXT or int(f["constraints"].get("maxlength") or 0) > 200)}
    # the case's facts beside the form: what earlier steps recorded, what the party sent, files, deadlines
    seen = history.case_history(rt, case_id=task.case_id, actor=actor)
    files = documents.list_documents(rt, case_id=task.case_id, actor=actor)
    return page(request, "officer/task.html", status=status, task=task, case=view, values=values,
                errors=errors or {}, error=error, long_text=long_text, history=seen, documents=files,
                diagram=_diagram(request, view.procedure, view.procedure_version, [task.element_id]))


@router.get("/tasks/{task_id}")
def task_page(request: Request, actor: StaffUser, task_id: TaskId):
    return _task_page(request, actor, task_id)


@router.post("/tasks/{task_id}")
def complete_task(request: Request, actor: StaffUser, task_id: TaskId, form: CheckedForm):
    rt = _rt(request)
    task = tasks.get_task(rt, task_id=task_id, actor=actor)
    values = {f["id"]: str(form.get(f["id"], "")) for f in task.form if not f.get("readonly")}
    expected = str(form.get("row_version", ""))
    try:
        view = tasks.complete_task(rt, task_id=task_id, data=values, actor=actor,
                                   expected_version=int(expected) if expected.isdigit() else None)
    except InvalidDataError as error:
        errors = {d["field"]: d["message"] for d in error.details}
        return _task_page(request, actor, task_id, status=422, values=values, errors=errors, error=error)
    except DueflowError as error:
        if error.code in ("not_authenticated", "csrf_failed", "task_not_found", "case_not_found"):
            raise
        return _task_page(request, actor, task_id, status=409 if error.code != "forbidden" else 403,
                          values=values, error=error)
    return redirect(request, f"/cases/{view.id}", flash="task_completed", task=task.name)


@router.get("/procedures/{key}/{version}.bpmn")
def procedure_diagram(request: Request, actor: StaffUser, key: Key, version: Version,
                      labels: Annotated[str, Query(max_length=16, pattern=r"^[A-Za-z_]*$")] = ""):
    """The BPMN of a version for the diagram on a page, laid out when the file has no diagram of its own;
    `?labels=zh_Hans` names its elements in that language (the modeler asks without: it edits the file)."""
    text = revisions.version_diagram(_rt(request), key=key, version=version, actor=actor, labels=labels or None)
    return secure(Response(text, media_type="application/xml", headers={"Cache-Control": "private, max-age=300"}))
