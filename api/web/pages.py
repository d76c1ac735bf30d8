"""Rendering pages: the Jinja2 environment with gettext, filters for dates and codes, security headers, the
flash message after a redirect, and the route class that turns a domain error into a page, not JSON."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.encoding import TotalJSONResponse as JSONResponse
from api.errors import status_of
from api.web import i18n, lint_texts, migration_texts, payloads, texts
from api.web.i18n import N_
from api.web.session import CSRF_FIELD, PARTY_COOKIE, SESSION_COOKIE, csrf_token, remember_csrf, set_cookie
from engine.domain import DueflowError

API = Path(__file__).resolve().parent.parent
TEMPLATES, STATIC = API / "templates", API / "static"
FLASH_COOKIE = "dueflow_flash"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
# What a flash cookie may say: a key into this table and its arguments, never free text.
FLASHES = {
    "task_completed": N_("Completed: %(task)s."),
    "evidence_added": N_("Evidence stored: %(filename)s, sha256 %(sha256)s."),
    "custody_transferred": N_("%(filename)s is now held by %(holder)s; the handover is on record."),
    "evidence_disclosed": N_("The party can now see %(filename)s in the portal; each download is a custody view."),
    "message_recorded": N_("Recorded: %(message)s."),
    "statement_sent": N_("Your statement was received. The office must consider it before deciding."),
    "hearing_sent": N_("Your request for a hearing was received."),
    "user_added": N_("User %(username)s added."),
    "user_disabled": N_("User %(username)s disabled."),
    "checkpoint": N_("Checkpoint recorded over %(chains)s and %(events)s."),
    "signed_out": N_("You are signed out."),
    "incident_retried": N_("Incident %(incident)s: the step ran and the incident is resolved."),
    "incident_failed_again": N_("The step failed again: %(message)s"),
    "incident_resolved": N_("Incident %(incident)s resolved."),
    "document_issued": N_("Issued %(number)s."),
    "document_served": N_("Service of %(number)s recorded."),
    "court_package_assembled": N_("Court package %(number)s assembled."),
    "list_published": N_("Responsibility list version %(version)s published with %(entries)s."),
    "holder_changed": N_("Recorded. The case's holder is shown below."),
    "cell_inspected": N_("Inspection of %(cell)s recorded."),
    "finding_opened": N_("Inspection of %(cell)s recorded; case %(case)s opened for the finding."),
    "migration_planned": N_("Migration plan %(plan)s computed. Nothing has moved yet: it needs a second approval."),
    "migration_approved": N_("Migration plan %(plan)s approved."),
    "migration_run": N_("Migration plan %(plan)s run: each case's outcome is below."),
    "migration_reverted": N_("Migration plan %(plan)s reverted for the cases that took no step since."),
    "migration_refused": N_("Refused: %(message)s"),
}
_static_versions: dict[str, str] = {}


def static_url(path: str) -> str:
    """/static/<path>?v=<hash of the file>, so a changed file is never served stale from a cache."""
    version = _static_versions.get(path)
    if version is None:
        file = STATIC / path
        version = hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"
        _static_versions[path] = version
    return f"/static/{path}?v={version}"


def _filesize(size: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{i18n.format_number(round(size, 1))} {unit}"
        size /= 1024
    return str(size)


# a lanes mapping as an admin types it: the lane's name in the agency's language, the role's code
LANES_EXAMPLE = N_('{"Boss": "supervisor"}')


def build_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                      undefined=StrictUndefined)
    # ignored: the jinja2.ext.i18n extension adds this method at run time; the stub cannot know
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        instant=i18n.format_instant, day=i18n.format_day, countdown=i18n.countdown, number=i18n.format_number,
        stage=lambda c: texts.label(texts.STAGES, c), status=lambda c: texts.label(texts.STATUSES, c),
        role=lambda c: texts.label(texts.ROLES, c), event=lambda c: texts.label(texts.EVENTS, c),
        message=lambda c: texts.label(texts.MESSAGES, c), kind=lambda c: texts.label(texts.KINDS, c),
        department=lambda c: texts.label(texts.DEPARTMENTS, c), category=lambda c: texts.label(texts.CATEGORIES, c),
        field_error=texts.field_error, audit_problem=texts.audit_problem, error_title=texts.error_title,
        explanation=texts.explanation,
        document=lambda c: texts.label(texts.DOCUMENTS, c), document_both=texts.document_both,
        service_method=lambda c: texts.label(texts.SERVICE_METHODS, c), period=lambda c: texts.label(texts.PERIODS, c),
        filesize=_filesize, counted=texts.counted, short=lambda h: (h or "")[:12],
        localized=texts.localized, in_language=texts.in_language, actor=texts.actor_name,
        migration_status=migration_texts.migration_status, migration_reason=migration_texts.migration_reason,
        deadline_why=migration_texts.deadline_why)
    env.globals.update(static_url=static_url, LOCALES=i18n.LOCALES, LOCALE_NAMES=i18n.LOCALE_NAMES,
                       STAGES=texts.STAGES, CATEGORIES=texts.CATEGORIES, CSRF_FIELD=CSRF_FIELD,
                       LANES_EXAMPLE=LANES_EXAMPLE, payload_rows=payloads.payload_rows, step_rows=payloads.step_rows,
                       lint_text=lint_texts.lint_text)
    return env


ENV = build_environment()


def locale_of(request: Request) -> str:
    cached = getattr(request.state, "locale", None)
    if cached is None:
        cached = request.state.locale = i18n.negotiate(request.query_params.get("lang"),
                                                       request.cookies.get(i18n.LANG_COOKIE),
                                                       request.headers.get("accept-language"))
    return cached


def _flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        message = FLASHES[data["key"]]
        args = {str(k): _flash_argument(str(k), v) for k, v in (data.get("args") or {}).items()}
        return {"kind": data.get("kind", "ok"), "text": i18n.gettext(message) % args}
    except (ValueError, KeyError, TypeError):
        return None


# flash arguments that are counts, shown with their noun in the reader's language ("1 event", "2 events")
_COUNTED_ARGUMENTS = {"chains": "chain", "events": "event", "entries": "entry"}


def _flash_argument(name: str, value: Any) -> str:
    if name in _COUNTED_ARGUMENTS and str(value).isdigit():
        return texts.counted(int(value), _COUNTED_ARGUMENTS[name])
    return str(value)[:200]


_R = TypeVar("_R", bound=Response)


def secure(response: _R) -> _R:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template in the request's language, with the CSRF token, the signed-in user and any flash."""
    locale = locale_of(request)
    with i18n.using(locale):
        flash = _flash(request)
        html = ENV.get_template(template).render(
            request=request, locale=locale, html_lang=i18n.HTML_LANG[locale], csrf_token=csrf_token(request),
            user=getattr(request.state, "actor", None), party=getattr(request.state, "party", None),
            flash=flash, path=request.url.path, **context)
    # a stored value UTF-8 cannot carry (a lone surrogate) is shown escaped instead of failing the page
    response = HTMLResponse(html.encode("utf-8", "backslashreplace"), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    remember_csrf(request, response)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    if request.query_params.get("lang") in i18n.LOCALES:
        set_cookie(request, response, i18n.LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400)
    return secure(response)


def redirect(request: Request, url: str, *, flash: str | None = None, kind: str = "ok", **args: Any) -> Response:
    """303 to a page of ours (never elsewhere), optionally leaving a flash message for it."""
    url = safe_next(url)
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if flash:
        assert flash in FLASHES, flash
        set_cookie(request, response, FLASH_COOKIE, json.dumps({"key": flash, "kind": kind, "args": args}),
                   max_age=60)
    return secure(response)


def safe_next(url: str | None, default: str = "/") -> str:
    """A path of ours to go to next, or `default`. Only printable ASCII: a browser drops TAB, CR and LF from a
    URL (so "/", TAB, "/evil.example" would be "//evil.example", another site) and a header cannot carry them."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url if all("!" <= ch <= "~" for ch in url) else default


def error_page(request: Request, error: DueflowError) -> Response:
    """A domain error as the person asking should see it: sign in again, or a page saying what was refused."""
    if error.code == "not_authenticated":
        if request.url.path.startswith("/party"):
            response = redirect(request, "/party")
            response.delete_cookie(PARTY_COOKIE, path="/party")
            return response
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = redirect(request, "/login?next=" + quote(target if request.method == "GET" else "/"))
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    status = 403 if error.code == "csrf_failed" else status_of(error)
    if request.headers.get("accept", "").startswith("application/json"):
        return secure(JSONResponse({"error": {"code": error.code, "message": error.message,
                                              "details": error.details}}, status_code=status))
    return failure_page(request, error, status)


def failure_page(request: Request, error: DueflowError, status: int) -> HTMLResponse:
    """An error as a page in the reader's language: what went wrong in plain words and a way back."""
    if request.headers.get("hx-request"):
        return page(request, "_error_fragment.html", status=status, error=error)
    party_side = request.url.path.startswith("/party")
    home = ("/party/case" if request.cookies.get(PARTY_COOKIE) else "/party") if party_side else "/"
    referer = urlsplit(request.headers.get("referer", ""))
    back = safe_next(referer.path + (f"?{referer.query}" if referer.query else ""), default="")
    if referer.netloc != request.url.netloc or back in ("", home, str(request.url.path)):
        back = ""
    sign_in = ("/party" if party_side else "/login") if status == 401 else ""
    return page(request, "error.html", status=status, error=error, status_code=status, back=back, home=home,
                sign_in=sign_in)


class WebRoute(APIRoute):
    """Routes of the pages: a DueflowError or a malformed path becomes a page in the user's language."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except DueflowError as error:
                return error_page(request, error)
            except RequestValidationError:
                from engine.domain import NotFoundError

                return error_page(request, NotFoundError("no such page"))
        return guarded
