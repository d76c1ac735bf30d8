"""The pages of who handles a case: the public responsibility list (admins publish a CSV there), the
dispatcher's and coordinator's worklist of cases between departments, and the case's holder page with the
chain of hops and the forms to dispatch, return, dispute or assign."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.web.pages import WebRoute, page, redirect
from api.web.session import CheckedForm, MaybeStaff, StaffUser
from engine.domain import InvalidDataError, Role
from engine.services import coordination, responsibilities

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_CSV = 2_000_000


def _rt(request: Request):
    return request.app.state.runtime


@router.get("/responsibilities")
def responsibility_list(request: Request, actor: MaybeStaff):
    """The published list, readable without signing in; admins see the form to publish a new version."""
    return page(request, "coordination/responsibilities.html", entries=responsibilities.published(_rt(request)),
                may_publish=actor is not None and actor.role == Role.ADMIN)


@router.post("/responsibilities")
def publish(request: Request, actor: StaffUser, form: CheckedForm):
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidDataError.for_fields({"file": "choose a CSV file"})
    raw = upload.file.read(MAX_CSV + 1)
    if len(raw) > MAX_CSV:
        raise InvalidDataError.for_fields({"file": "at most 2 MB"})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidDataError.for_fields({"file": "the CSV must be UTF-8"}) from None
    views = responsibilities.publish_csv(_rt(request), text=text, actor=actor)
    return redirect(request, "/responsibilities", flash="list_published", version=views[0].version,
                    entries=len(views))


@router.get("/coordination")
def waiting(request: Request, actor: StaffUser):
    """Cases the dispatcher and the coordinator hold, longest-held first."""
    return page(request, "coordination/waiting.html", waiting=coordination.waiting_cases(_rt(request), actor=actor))


@router.get("/cases/{case_id}/holder")
def holder_page(request: Request, actor: StaffUser, case_id: CaseId):
    held = coordination.holder(_rt(request), case_id=case_id, actor=actor)
    return page(request, "coordination/holder.html", held=held, entries=responsibilities.published(_rt(request)),
                role=actor.role.value, department=actor.department)


@router.post("/cases/{case_id}/holder/{action}")
def act(request: Request, actor: StaffUser, case_id: CaseId,
        action: Annotated[str, Path(pattern=r"^(dispatch|return|dispute|assign)$")], form: CheckedForm):
    rt, values = _rt(request), {k: str(form.get(k, "")).strip()[:2000] for k in
                                ("department", "reason", "entry", "legal_basis")}
    if action == "dispatch":
        coordination.dispatch_case(rt, case_id=case_id, actor=actor, department=values["department"] or None,
                                   reason=values["reason"])
    elif action == "return":
        entry = int(values["entry"]) if values["entry"].isdigit() and len(values["entry"]) < 10 else None
        coordination.return_case(rt, case_id=case_id, actor=actor, reason=values["reason"], entry=entry)
    elif action == "dispute":
        coordination.dispute_case(rt, case_id=case_id, actor=actor, reason=values["reason"])
    else:
        coordination.assign_case(rt, case_id=case_id, actor=actor, department=values["department"],
                                 reason=values["reason"], legal_basis=values["legal_basis"])
    return redirect(request, f"/cases/{case_id}/holder", flash="holder_changed")
