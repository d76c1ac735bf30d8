"""The pages of migration plans: the admin plans the move of running cases from the versions page, reads the
plan as a table with each case's old and new position on the diagrams, another admin or a legal reviewer
approves it, and an admin runs or reverts it (docs/migration.md)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from api.web.pages import WebRoute, locale_of, page, redirect
from api.web.session import CheckedForm, StaffUser
from engine.domain import DueflowError, InvalidDataError, Role
from engine.services import migration

router = APIRouter(prefix="/admin/migrations", route_class=WebRoute, include_in_schema=False)
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _rt(request: Request):
    return request.app.state.runtime


def _version(value: Any, field: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidDataError.for_fields({field: "choose a version"}) from None
    return number


def _mapping(text: str) -> dict[str, str]:
    """`old=new` per line (or comma), as the admin types them."""
    found, bad = {}, []
    for item in text.replace(",", "\n").splitlines():
        if not item.strip():
            continue
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            bad.append(item.strip())
        else:
            found[old.strip()] = new.strip()
    if bad:
        raise InvalidDataError.for_fields({"mapping": f"write each mapping as old_id=new_id: {', '.join(bad)}"})
    return found


def _diagram(request: Request, key: str, version: int, current: list[str]) -> dict[str, Any]:
    return {"url": f"/procedures/{key}/{version}.bpmn?labels={locale_of(request)}", "current": current, "path": []}


@router.get("")
def plan_list(request: Request, actor: StaffUser):
    return page(request, "admin/migrations.html", plans=migration.list_migrations(_rt(request), actor=actor))


@router.post("")
def propose(request: Request, actor: StaffUser, form: CheckedForm):
    """The versions page's "migrate running cases" form: compute the plan, then show it."""
    view = migration.propose_migration(
        _rt(request), procedure=str(form.get("procedure", ""))[:200],
        source_version=_version(form.get("source_version"), "source_version"),
        target_version=_version(form.get("target_version"), "target_version"),
        case_filter={"all": True}, mapping=_mapping(str(form.get("mapping", ""))[:4000]),
        reason=str(form.get("reason", ""))[:2000], actor=actor)
    return redirect(request, f"/admin/migrations/{view.id}", flash="migration_planned", plan=str(view.id))


@router.get("/{plan_id}")
def plan_page(request: Request, actor: StaffUser, plan_id: PlanId):
    view = migration.get_migration(_rt(request), plan_id=plan_id, actor=actor)
    diagrams = {c.case_id: (_diagram(request, view.procedure_key, view.source_version,
                                     c.preview.get("before", {}).get("positions", [])),
                            _diagram(request, view.procedure_key, view.target_version,
                                     c.preview.get("after", {}).get("positions", [])))
                for c in view.cases}
    may_approve = actor.role in (Role.ADMIN, Role.LEGAL_REVIEWER) and actor.username != view.proposed_by
    return page(request, "admin/migration.html", plan=view, diagrams=diagrams, may_approve=may_approve,
                is_admin=actor.role == Role.ADMIN)


def _act(request: Request, plan_id: int, flash: str, act) -> Any:
    try:
        act()
    except DueflowError as refusal:
        return redirect(request, f"/admin/migrations/{plan_id}", flash="migration_refused", kind="error",
                        message=refusal.message[:300])
    return redirect(request, f"/admin/migrations/{plan_id}", flash=flash, plan=str(plan_id))


@router.post("/{plan_id}/approve")
def approve(request: Request, actor: StaffUser, plan_id: PlanId, form: CheckedForm):
    return _act(request, plan_id, "migration_approved", lambda: migration.approve_migration(
        _rt(request), plan_id=plan_id, reason=str(form.get("reason", ""))[:2000], actor=actor))


@router.post("/{plan_id}/run")
def run(request: Request, actor: StaffUser, plan_id: PlanId, _form: CheckedForm):
    return _act(request, plan_id, "migration_run",
                lambda: migration.run_migration(_rt(request), plan_id=plan_id, actor=actor))


@router.post("/{plan_id}/revert")
def revert(request: Request, actor: StaffUser, plan_id: PlanId, form: CheckedForm):
    return _act(request, plan_id, "migration_reverted", lambda: migration.revert_migration(
        _rt(request), plan_id=plan_id, reason=str(form.get("reason", ""))[:2000], actor=actor))
