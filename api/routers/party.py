"""The party's own access: case number + access code for a token that opens that one case and nothing else."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import Response

from api.deps import ClientAddress, CurrentParty, PartyThrottles, RuntimeDep, TokensDep, WritesDep
from api.downloads import download_headers
from api.formdata import FormRoute
from api.routers import as_json, errors
from api.schemas import HearingRequestCreate, PartyCaseView, PartyTokenView, StatementCreate
from engine.services import party

router = APIRouter(prefix="/api/party", tags=["party"], route_class=FormRoute)


@router.post("/token", response_model=PartyTokenView, responses=errors(401, 422, 429))
def issue_token(rt: RuntimeDep, tokens: TokensDep, throttles: PartyThrottles, client: ClientAddress,
                case_no: Annotated[str, Form(max_length=32)], code: Annotated[str, Form(max_length=64)]):
    """Form `case_no`, `code` (printed on the notice) -> a token for that case. Guessing is slowed down."""
    access = party.login(rt, case_no=case_no, code=code, throttles=throttles, client=client)
    token, seconds = tokens.issue_party(access)
    return PartyTokenView(access_token=token, expires_in=seconds, case_no=access.case_no)


@router.get("/case", response_model=PartyCaseView, responses=errors(401, 403, 404))
def my_case(rt: RuntimeDep, access: CurrentParty):
    """Stage, the periods that concern you, your rights now, documents served, and what happened when."""
    return as_json(party.party_case(rt, access=access))


@router.post("/statement", response_model=PartyCaseView, responses=errors(401, 403, 409, 422))
async def submit_statement(body: StatementCreate, rt: RuntimeDep, writes: WritesDep, access: CurrentParty):
    """Your statement and defence; 409 when the case is not taking statements now (see `can_send`)."""
    return as_json(await writes.run(party.submit_statement, rt=rt, access=access, text=body.text))


@router.post("/hearing-request", response_model=PartyCaseView, responses=errors(401, 403, 409, 422))
async def request_hearing(body: HearingRequestCreate, rt: RuntimeDep, writes: WritesDep, access: CurrentParty):
    """Ask for a hearing; 409 when the case is not taking hearing requests now (see `can_send`)."""
    return as_json(await writes.run(party.request_hearing, rt=rt, access=access, reason=body.reason))


@router.get("/documents/{document_id}", response_class=Response, responses={
    200: {"content": {"application/octet-stream": {}}, "description": "the document as served"},
    **errors(401, 403, 404)})
def document(document_id: Annotated[int, Path(ge=1, le=2**31 - 1)], rt: RuntimeDep, access: CurrentParty):
    filename, media_type, content = party.party_document(rt, access=access, document_id=document_id)
    return Response(content, media_type=media_type or "application/octet-stream",
                    headers=download_headers(filename))
