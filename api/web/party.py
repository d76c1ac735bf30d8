"""The party portal: case number + access code, then the case in plain language (what happened, what comes next,
the deadline, the rights and how to use them), the documents served, and a statement or hearing request."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.downloads import download_headers
from api.errors import status_of
from api.web import party_words
from api.web.pages import WebRoute, page, redirect, secure
from api.web.session import PARTY_COOKIE, CheckedForm, Party, set_cookie
from engine.domain import DueflowError, InvalidDataError
from engine.services import party

router = APIRouter(prefix="/party", route_class=WebRoute, include_in_schema=False)
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _rt(request: Request):
    return request.app.state.runtime


@router.get("")
def portal(request: Request):
    return page(request, "party/login.html", case_no="", error=None)


@router.post("/login")
def login(request: Request, form: CheckedForm):
    case_no, code = str(form.get("case_no", "")).strip()[:32], str(form.get("code", ""))[:64]
    try:
        access = party.login(_rt(request), case_no=case_no, code=code, throttles=request.app.state.party_throttles,
                             client=request.client.host if request.client else None)
    except DueflowError as error:
        if error.code not in ("invalid_access_code", "too_many_attempts"):
            raise
        return page(request, "party/login.html", status=401 if error.code == "invalid_access_code" else 429,
                    case_no=case_no, error=error)
    token, seconds = request.app.state.tokens.issue_party(access)
    response = redirect(request, "/party/case")
    set_cookie(request, response, PARTY_COOKIE, token, max_age=seconds, path="/party")
    return response


def _case_page(request: Request, access, *, status: int = 200, errors=None, values=None, error=None):
    view = party.party_case(_rt(request), access=access)
    # the words are chosen while the page renders, in the reader's language (the template calls `words`)
    return page(request, "party/case.html", status=status, case=view, timeline=list(reversed(view.timeline)),
                words=party_words, errors=errors or {}, values=values or {}, error=error)


def _refused(request: Request, access, error: DueflowError, values: dict[str, str]):
    """The case page again, saying why: a field to fix, or the case no longer waiting for this (409)."""
    if error.code in ("not_authenticated", "csrf_failed"):
        raise error
    errors = {d["field"]: d["message"] for d in error.details} if isinstance(error, InvalidDataError) else {}
    return _case_page(request, access, status=status_of(error), values=values, error=error, errors=errors)


@router.get("/case")
def my_case(request: Request, access: Party):
    return _case_page(request, access)


@router.post("/statement")
def statement(request: Request, access: Party, form: CheckedForm):
    text = str(form.get("text", ""))[:party.MAX_STATEMENT + 1]
    try:
        party.submit_statement(_rt(request), access=access, text=text)
    except DueflowError as error:
        return _refused(request, access, error, {"text": text})
    return redirect(request, "/party/case", flash="statement_sent")


@router.post("/hearing")
def hearing(request: Request, access: Party, form: CheckedForm):
    reason = str(form.get("reason", ""))[:party.MAX_STATEMENT + 1]
    try:
        party.request_hearing(_rt(request), access=access, reason=reason)
    except DueflowError as error:
        return _refused(request, access, error, {"reason": reason})
    return redirect(request, "/party/case", flash="hearing_sent")


@router.get("/documents")
def served_documents(request: Request, access: Party):
    return page(request, "party/documents.html", case=party.party_case(_rt(request), access=access))


@router.get("/documents/{document_id}")
def document(request: Request, access: Party, document_id: DocumentId):
    filename, media_type, content = party.party_document(_rt(request), access=access, document_id=document_id)
    return secure(Response(content, media_type=media_type or "application/octet-stream",
                           headers=download_headers(filename, **{"Cache-Control": "no-store"})))


@router.post("/logout")
def logout(request: Request, _form: CheckedForm):
    response = redirect(request, "/party", flash="signed_out")
    response.delete_cookie(PARTY_COOKIE, path="/party")
    return response
