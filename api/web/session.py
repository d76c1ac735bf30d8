"""Who is signed in to the pages, and CSRF protection of every form.

Sign-in: the same signed token the API issues (api.security.Tokens), kept in an HttpOnly, SameSite=Lax cookie
(`dueflow_session` for staff; `dueflow_party` for a party, limited to /party). Pages check it exactly as the API
checks a bearer token, so a disabled account stops working in both within the same few seconds.

CSRF: double-submit token plus an origin check. A random token lives in the HttpOnly, SameSite=Strict cookie
`dueflow_csrf`; every page renders it into its forms (and a meta tag that htmx and fetch() send as the header
`X-CSRF-Token`); a POST whose token does not equal the cookie's is refused, and so is one whose Origin (or
Referer) names another host. SameSite=Lax alone would already stop cross-site form posts in current browsers;
the token covers older browsers and same-site neighbours, and keeps the rule visible in the code."""
from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.datastructures import FormData

from api.formdata import read_form
from engine.domain import Actor, DueflowError
from engine.services.party import PartyAccess

SESSION_COOKIE = "dueflow_session"
PARTY_COOKIE = "dueflow_party"
CSRF_COOKIE = "dueflow_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_FILES = 10
MAX_FORM_FIELDS = 200


class CsrfError(DueflowError):
    code = "csrf_failed"


def csrf_token(request: Request) -> str:
    """The token of this browser: the cookie's, or a new one the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def set_cookie(request: Request, response, name: str, value: str, *, max_age: int | None, path: str = "/",
               same_site: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite=same_site,
                        secure=request.url.scheme == "https")


def remember_csrf(request: Request, response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new and not request.cookies.get(CSRF_COOKIE):
        set_cookie(request, response, CSRF_COOKIE, new, max_age=None, same_site="strict")


def _same_origin(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source != "null"  # no header (some privacy settings): the token decides; "null" is refused
    return urlsplit(source).netloc == request.headers.get("host", request.url.netloc)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted) or not _same_origin(request):
        raise CsrfError("the form's security token is missing or does not match; reload the page")


async def _checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token (form field or header) was checked."""
    form = await read_form(request, max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    field = form.get(CSRF_FIELD)  # a file sent under the token's name is no token
    check_csrf(request, (field if isinstance(field, str) else None) or request.headers.get(CSRF_HEADER))
    return form


async def _staff(request: Request) -> Actor:
    actor = request.app.state.tokens.staff_actor(request.cookies.get(SESSION_COOKIE))
    request.state.actor = actor
    return actor


async def _party(request: Request) -> PartyAccess:
    access = request.app.state.tokens.party_access(request.cookies.get(PARTY_COOKIE))
    request.state.party = access
    return access


async def _maybe_staff(request: Request) -> Actor | None:
    try:
        return await _staff(request)
    except DueflowError:
        return None


CheckedForm = Annotated[FormData, Depends(_checked_form)]
StaffUser = Annotated[Actor, Depends(_staff)]
MaybeStaff = Annotated[Actor | None, Depends(_maybe_staff)]
Party = Annotated[PartyAccess, Depends(_party)]
