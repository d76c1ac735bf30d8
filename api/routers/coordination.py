"""Who handles a case: the published responsibility list, dispatch, return, dispute and the coordinator's
assignment. Every route is one engine.services call; the services check role and department."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import CaseId, as_json, errors
from api.schemas import Text
from engine.services import coordination, responsibilities

router = APIRouter(tags=["coordination"])
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class DispatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: Code | None = None  # None: the department the list proposes
    reason: Text = Field(default="", max_length=2000)  # required when overriding the list


class ReturnBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=2000)
    entry: int = Field(ge=1, le=2**31 - 1, description="the id of the list entry the return relies on")


class DisputeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=2000)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: Code
    reason: Text = Field(min_length=1, max_length=2000)
    legal_basis: Text = Field(default="", max_length=2000, description="given: the decision amends the list")


class ListUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: Text = Field(min_length=1, max_length=2_000_000, description="department,category,area,legal_basis"
                                                                       "[,return_days]")


class HolderOut(BaseModel):
    case_id: int
    holder: str
    department: str | None
    since: str
    return_due_at: str | None
    assign_due_at: str | None
    returns: int
    proposal: dict[str, Any] | None
    chain: list[dict[str, Any]]


class EntryOut(BaseModel):
    id: int
    version: int
    department: str
    category: str
    area: str
    legal_basis: str
    return_days: int
    published_at: str


@router.get("/api/cases/{case_id}/holder", response_model=HolderOut, responses=errors(401, 403, 404))
def holder(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    """Who holds the case now, the list's proposal, and the chain of hops with their times."""
    return as_json(coordination.holder(rt, case_id=case_id, actor=actor))


@router.post("/api/cases/{case_id}/dispatch", response_model=HolderOut, responses=errors(401, 403, 404, 409, 422))
async def dispatch(case_id: CaseId, body: DispatchBody, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Dispatchers: give the case to the proposed department, or another with a reason; its clock starts."""
    return as_json(await writes.run(coordination.dispatch_case, rt=rt, case_id=case_id, actor=actor,
                                    department=body.department, reason=body.reason))


@router.post("/api/cases/{case_id}/return", response_model=HolderOut, responses=errors(401, 403, 404, 409, 422))
async def return_case(case_id: CaseId, body: ReturnBody, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """The department holding the case gives it back within its limit, citing the list."""
    return as_json(await writes.run(coordination.return_case, rt=rt, case_id=case_id, actor=actor,
                                    reason=body.reason, entry=body.entry))


@router.post("/api/cases/{case_id}/dispute", response_model=HolderOut, responses=errors(401, 403, 404, 409, 422))
async def dispute(case_id: CaseId, body: DisputeBody, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """The dispatcher or the holding department sends the case to the coordinator."""
    return as_json(await writes.run(coordination.dispute_case, rt=rt, case_id=case_id, actor=actor,
                                    reason=body.reason))


@router.post("/api/cases/{case_id}/assign", response_model=HolderOut, responses=errors(401, 403, 404, 409, 422))
async def assign(case_id: CaseId, body: AssignBody, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """The coordinator decides a disputed case; with a legal basis the list is amended too."""
    return as_json(await writes.run(coordination.assign_case, rt=rt, case_id=case_id, actor=actor,
                                    department=body.department, reason=body.reason, legal_basis=body.legal_basis))


@router.post("/api/responsibilities", status_code=201, response_model=list[EntryOut],
             responses=errors(401, 403, 422))
async def publish(body: ListUpload, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Admins: publish a CSV as the next version of the responsibility list."""
    return as_json(await writes.run(responsibilities.publish_csv, rt=rt, text=body.csv, actor=actor), 201)


@router.get("/api/public/responsibilities", response_model=list[EntryOut], responses=errors(422))
def published(rt: RuntimeDep, version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
              format: Annotated[str, Query(pattern=r"^(json|csv)$")] = "json"):
    """The responsibility list as published (the current version, or one asked for), JSON or CSV; no sign-in."""
    views = responsibilities.published(rt, version=version)
    if format == "csv":
        return Response(responsibilities.to_csv(views), media_type="text/csv; charset=utf-8")
    return as_json(views)
