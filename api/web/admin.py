"""The admin's pages: procedures and versions with what changed between them, the BPMN modeler (check a draft,
deploy it as a new version), uploading BPMN + DMN files, staff accounts with their departments, and the
incidents (steps that could not run) with retry and resolve."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.encoding import TotalJSONResponse as JSONResponse
from api.web import built_url, i18n, lint_texts, modeler_texts
from api.web.pages import WebRoute, locale_of, page, redirect, secure
from api.web.paperwork import PREVIEW_CSP
from api.web.session import CheckedForm, StaffUser
from engine.domain import Actor, DueflowError, ForbiddenError, InvalidDataError, Role
from engine.services import incidents, procedures, revisions, users
from engine.services.users import STAFF_ROLES

router = APIRouter(prefix="/admin", route_class=WebRoute, include_in_schema=False)
KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,199}$"
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _rt(request: Request):
    return request.app.state.runtime


def _require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise ForbiddenError(f"a {actor.role.value} may not manage procedures or users")


@router.get("/procedures")
def procedure_list(request: Request, actor: StaffUser):
    """Procedures and their versions, newest first, each with what changed since the one before (any staff
    member may read the published procedures; only admins see the modeler and deploy buttons)."""
    return page(request, "admin/procedures.html", procedures=revisions.procedure_history(_rt(request), actor=actor),
                is_admin=actor.role == Role.ADMIN, problems=[], deployed=None)


@router.get("/procedures/{key}/versions/{version}/documents/{template}")
def document_preview(request: Request, actor: StaffUser, key: Annotated[str, Path(pattern=KEY_PATTERN)],
                     version: Annotated[int, Path(ge=1, le=2**31 - 1)],
                     template: Annotated[str, Path(pattern=r"^[a-z_]{1,32}$")],
                     lang: Annotated[str, Query(pattern=r"^(zh_Hans|en)$")] = "zh_Hans"):
    """A version's stored document template, each variable shown by its name: what that version's cases issue."""
    html = revisions.template_preview(_rt(request), key=key, version=version, template=template, lang=lang,
                                      actor=actor)
    return secure(HTMLResponse(html, headers={"Content-Security-Policy": PREVIEW_CSP, "Cache-Control": "no-store"}))


@router.get("/modeler")
def modeler(request: Request, actor: StaffUser, key: Annotated[str, Query(pattern=KEY_PATTERN)] | None = None,
            version: Annotated[int, Query(ge=1, le=2**31 - 1)] | None = None):
    _require_admin(actor)
    if key and version is None:
        version = max(v.version for v in procedures.list_procedures(_rt(request)) if v.key == key) \
            if any(v.key == key for v in procedures.list_procedures(_rt(request))) else None
    sources: dict[str, str] = {}
    if key and version:
        sources = revisions.version_sources(_rt(request), key=key, version=version, actor=actor)
    with i18n.using(locale_of(request)):
        config = modeler_texts.modeler_config()
    return page(request, "admin/modeler.html", key=key or "", version=version or 0, files=sorted(sources),
                lanes=sources.get(procedures.LANES_FILE, ""), vendor_ready=request.app.state.vendor_ready,
                bundle_js=built_url("modeler.js"), bundle_css=built_url("modeler.css"),
                modeler_config=config, wide=True)


def _lanes(form) -> str | None:
    """The lane-to-role mapping typed beside the files (JSON text; the deploy reports it when it is not)."""
    value = form.get("lanes")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _draft_files(request: Request, actor: Actor, form) -> dict[str, bytes]:
    """The edited BPMN beside the base version's other files (its DMN tables), as a deploy would send them."""
    upload = form.get("bpmn")
    if upload is None or isinstance(upload, str):
        raise InvalidDataError.for_fields({"bpmn": "the diagram is missing"})
    bpmn = upload.file.read(procedures.MAX_FILE_BYTES + 1)
    key, version = str(form.get("key", "")), str(form.get("version", ""))
    files: dict[str, bytes] = {}
    name = f"{key or 'procedure'}.bpmn"
    if key and version.isdigit() and int(version) > 0:
        sources = revisions.version_sources(_rt(request), key=key, version=int(version), actor=actor)
        for file_name, text in sources.items():
            if file_name.lower().endswith(".bpmn"):
                name = file_name
            else:
                files[file_name] = text.encode("utf-8")
    files[name] = bpmn
    return files


@router.post("/procedures/check")
def check(request: Request, actor: StaffUser, form: CheckedForm):
    _require_admin(actor)
    problems = revisions.check_draft(_rt(request), files=_draft_files(request, actor, form), actor=actor,
                                      lanes=_lanes(form))
    return secure(JSONResponse({"problems": _in_language(request, problems),
                                "errors": sum(1 for p in problems if p["severity"] == "error")}))


@router.post("/procedures/deploy")
def deploy(request: Request, actor: StaffUser, form: CheckedForm):
    _require_admin(actor)
    try:
        result = procedures.deploy_procedure(_rt(request), files=_draft_files(request, actor, form), actor=actor,
                                             lanes=_lanes(form))
    except DueflowError as error:
        if error.code != "invalid_procedure":
            raise
        return secure(JSONResponse({"problems": _in_language(request, error.details), "errors": len(error.details)},
                                   status_code=422))
    return secure(JSONResponse({**result.as_dict(), "problems": _in_language(request, result.lint)},
                               status_code=201 if result.created else 200))


def _in_language(request: Request, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with i18n.using(locale_of(request)):
        return lint_texts.localized_problems(problems)


@router.post("/procedures/upload")
def upload(request: Request, actor: StaffUser, form: CheckedForm):
    """Deploy BPMN + DMN files chosen on the procedures page; problems are listed on the same page."""
    _require_admin(actor)
    files: dict[str, bytes] = {}
    for number, item in enumerate(form.getlist("files"), start=1):
        if isinstance(item, str) or not item.filename:
            continue
        files[item.filename or f"file{number}"] = item.file.read(procedures.MAX_FILE_BYTES + 1)
    rt = _rt(request)
    problems: list[dict[str, Any]] = []
    deployed = None
    if not files:
        problems = [{"file": None, "line": None, "element_id": None, "rule": "FILES", "message": ""}]
    else:
        try:
            deployed = procedures.deploy_procedure(rt, files=files, actor=actor, lanes=_lanes(form))
        except DueflowError as error:
            if error.code != "invalid_procedure":
                raise
            problems = error.details
    return page(request, "admin/procedures.html", status=201 if deployed else 422,
                procedures=revisions.procedure_history(rt, actor=actor), is_admin=True, problems=problems,
                deployed=deployed)


def _departments(accounts) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for account in accounts:
        if account.department:
            entry = found.setdefault(account.department, {"code": account.department, "staff": 0, "roles": {}})
            if account.active:
                entry["staff"] += 1
                entry["roles"][account.role] = entry["roles"].get(account.role, 0) + 1
    return sorted(found.values(), key=lambda d: d["code"])


def _users_page(request: Request, actor: Actor, *, status: int = 200, values=None, errors=None, error=None):
    accounts = users.list_users(_rt(request), actor=actor)
    return page(request, "admin/users.html", status=status, accounts=accounts, departments=_departments(accounts),
                roles=[r.value for r in STAFF_ROLES], values=values or {}, errors=errors or {}, error=error,
                is_admin=actor.role == Role.ADMIN)


@router.get("/users")
def user_list(request: Request, actor: StaffUser):
    return _users_page(request, actor)


@router.post("/users")
def add_user(request: Request, actor: StaffUser, form: CheckedForm):
    values = {k: str(form.get(k, "")).strip()[:200] for k in ("username", "display_name", "role", "department")}
    values["topics"] = str(form.get("topics", "")).strip()[:20_000]
    try:
        user = users.add_user(_rt(request), username=values["username"], password=str(form.get("password", ""))[:1000],
                              role=values["role"], department=values["department"] or None,
                              display_name=values["display_name"], actor=actor,
                              topics=[t for t in values["topics"].split(",") if t.strip()] or None)
    except InvalidDataError as error:
        return _users_page(request, actor, status=422, values=values, error=error,
                           errors={d["field"]: d["message"] for d in error.details})
    return redirect(request, "/admin/users", flash="user_added", username=user.username)


@router.post("/users/{username}/disable")
def disable_user(request: Request, actor: StaffUser, username: str, _form: CheckedForm):
    user = users.disable_user(_rt(request), username=username[:64], actor=actor)
    request.app.state.tokens.forget(user.username)
    return redirect(request, "/admin/users", flash="user_disabled", username=user.username)


@router.get("/incidents")
def incident_list(request: Request, actor: StaffUser,
                  status: Annotated[str, Query(pattern=r"^(open|resolved)$")] = "open"):
    """Steps that could not run: open ones first; admins retry them after a fix, or resolve them with a reason."""
    found = incidents.list_incidents(_rt(request), actor=actor, status=status)
    return page(request, "admin/incidents.html", incidents=found, showing=status,
                may_handle=actor.role == Role.ADMIN)


@router.post("/incidents/{incident_id}/retry")
def retry_incident(request: Request, actor: StaffUser, incident_id: IncidentId, _form: CheckedForm):
    try:
        incidents.retry_incident(_rt(request), incident_id=incident_id, actor=actor)
    except incidents.STEP_FAILURES as failure:
        return redirect(request, "/admin/incidents", flash="incident_failed_again", kind="error",
                        message=failure.message[:300])
    return redirect(request, "/admin/incidents", flash="incident_retried", incident=str(incident_id))


@router.post("/incidents/{incident_id}/resolve")
def resolve_incident(request: Request, actor: StaffUser, incident_id: IncidentId, form: CheckedForm):
    incidents.resolve_incident(_rt(request), incident_id=incident_id, actor=actor,
                               reason=str(form.get("reason", ""))[:2000])
    return redirect(request, "/admin/incidents", flash="incident_resolved", incident=str(incident_id))
