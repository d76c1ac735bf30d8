"""Cases: open, list, read, deliver a BPMN message, cancel."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import CaseId, as_json, errors
from api.schemas import CaseCancel, CaseCreate, CasePage, CaseView, MessageCreate
from engine.services import cases

router = APIRouter(prefix="/api/cases", tags=["cases"])
Filter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")]


@router.post("", status_code=201, response_model=CaseView, responses=errors(401, 403, 404, 422))
async def open_case(body: CaseCreate, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Open a case on the newest version of a procedure. The party's access code is in this answer only."""
    view = await writes.run(cases.open_case, rt=rt, procedure=body.procedure, data=body.data, actor=actor,
                            department=body.department)
    return as_json(view, 201)


@router.get("", response_model=CasePage, responses=errors(401, 403, 422))
def list_cases(rt: RuntimeDep, actor: CurrentActor, status: Filter = None, stage: Filter = None,
               department: Filter = None, grid: Filter = None,
               text: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
               after: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="the previous page's `next`")] = None,
               offset: Annotated[int, Query(ge=0, le=0, description="refused: pages are by cursor (`after`)")] = 0,
               limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Cases the caller may see, newest first; filter by status, stage, department, grid cell, text. Pages
    follow `next` (keyset paging: a late page costs what the first does)."""
    found = cases.search_cases(rt, actor=actor, status=status, stage=stage, department=department,
                               grid_cell=grid, text=text, after=after, limit=limit)
    return as_json({"items": found.items, "total": found.total, "capped": found.capped, "next": found.next,
                    "limit": limit})


@router.get("/{case_id}", response_model=CaseView, responses=errors(401, 403, 404))
def get_case(case_id: CaseId, rt: RuntimeDep, actor: CurrentActor):
    return as_json(cases.get_case(rt, case_id=case_id, actor=actor))


@router.post("/{case_id}/messages", response_model=CaseView, responses=errors(401, 403, 404, 409, 422))
async def deliver_message(case_id: CaseId, body: MessageCreate, rt: RuntimeDep, writes: WritesDep,
                          actor: CurrentActor):
    """Deliver a BPMN message (e.g. `fine_paid`) to a case waiting for it; 409 when it is not waiting."""
    return as_json(await writes.run(cases.deliver_message, rt=rt, case_id=case_id, name=body.name,
                                    payload=body.payload, actor=actor))


@router.post("/{case_id}/cancel", response_model=CaseView, responses=errors(401, 403, 404, 409, 422))
async def cancel_case(case_id: CaseId, body: CaseCancel, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Withdraw an open case, saying why (supervisors and admins)."""
    return as_json(await writes.run(cases.cancel_case, rt=rt, case_id=case_id, reason=body.reason, actor=actor))


@router.post("/{case_id}/suspend", response_model=CaseView, responses=errors(401, 403, 404, 409, 422))
async def suspend_case(case_id: CaseId, body: CaseCancel, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Suspend a case, saying why (e.g. a challenge): its timers stop and its legal periods do not run."""
    return as_json(await writes.run(cases.suspend_case, rt=rt, case_id=case_id, reason=body.reason, actor=actor))


@router.post("/{case_id}/resume", response_model=CaseView, responses=errors(401, 403, 404, 409))
async def resume_case(case_id: CaseId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Resume a suspended case; its waiting deadlines move later by the time it was suspended."""
    return as_json(await writes.run(cases.resume_case, rt=rt, case_id=case_id, actor=actor))
