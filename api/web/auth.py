"""Signing in and out of the pages, the language switch, and the start page of each role."""
from __future__ import annotations

from fastapi import APIRouter, Request

from api.web import i18n
from api.web.pages import WebRoute, page, redirect, safe_next
from api.web.session import PARTY_COOKIE, SESSION_COOKIE, CheckedForm, MaybeStaff, set_cookie
from engine.domain import DueflowError, Role
from engine.services import users

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HOME = {Role.ADMIN: "/admin/procedures", Role.AUDITOR: "/audit"}


def home_of(role: Role) -> str:
    return HOME.get(role, "/work")


@router.get("/")
def start(request: Request, actor: MaybeStaff):
    if actor is None:
        return redirect(request, "/login")
    return redirect(request, home_of(actor.role))


@router.get("/login")
def login_page(request: Request, actor: MaybeStaff, next: str = ""):
    if actor is not None:
        return redirect(request, safe_next(next, home_of(actor.role)))
    return page(request, "login.html", next=safe_next(next, ""), username="", error=None)


@router.post("/login")
def login(request: Request, form: CheckedForm):
    username, password = str(form.get("username", ""))[:100], str(form.get("password", ""))[:1000]
    target = safe_next(str(form.get("next", "")), "")
    try:
        actor = users.authenticate(request.app.state.runtime, username=username, password=password,
                                   throttles=request.app.state.login_throttles,
                                   client=request.client.host if request.client else None)
    except DueflowError as error:
        if error.code not in ("invalid_credentials", "too_many_attempts"):
            raise
        return page(request, "login.html", status=401 if error.code == "invalid_credentials" else 429,
                    next=target, username=username, error=error)
    token, seconds = request.app.state.tokens.issue_staff(actor)
    response = redirect(request, target or home_of(actor.role))
    set_cookie(request, response, SESSION_COOKIE, token, max_age=seconds)
    return response


@router.post("/logout")
def logout(request: Request, _form: CheckedForm):
    response = redirect(request, "/login", flash="signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(PARTY_COOKIE, path="/party")
    return response


@router.get("/lang/{locale}")
def switch_language(request: Request, locale: str, next: str = "/"):
    """The language switch: remembered in a cookie for a year; the browser's choice applies until then."""
    response = redirect(request, safe_next(next))
    if locale in i18n.LOCALES:
        set_cookie(request, response, i18n.LANG_COOKIE, locale, max_age=365 * 86400)
    return response
