"""Incidents: steps that could not run; admins list, retry and resolve them."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import CaseId, as_json, errors
from api.schemas import CaseCancel, IncidentView
from engine.services import incidents

router = APIRouter(prefix="/api/incidents", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the incident's id")]


@router.get("", response_model=list[IncidentView], responses=errors(401, 403, 422))
def list_incidents(rt: RuntimeDep, actor: CurrentActor,
                   status: Annotated[str | None, Query(pattern=r"^(open|resolved)$")] = "open",
                   case: CaseId | None = Query(None), after: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 100):
    """Incidents, newest first (open ones unless `status=resolved`); page on with `after` = the last id."""
    return as_json(incidents.list_incidents(rt, actor=actor, status=status, case_id=case, after_id=after,
                                            limit=limit))


@router.post("/{incident_id}/retry", responses=errors(401, 403, 404, 409, 422))
async def retry_incident(incident_id: IncidentId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Run the failed step again (after a fix): the case view when it ran; the error again when it did not."""
    return as_json(await writes.run(incidents.retry_incident, rt=rt, incident_id=incident_id, actor=actor))


@router.post("/{incident_id}/resolve", response_model=IncidentView, responses=errors(401, 403, 404, 409, 422))
async def resolve_incident(incident_id: IncidentId, body: CaseCancel, rt: RuntimeDep, writes: WritesDep,
                           actor: CurrentActor):
    """Close an incident without running the step, saying why."""
    return as_json(await writes.run(incidents.resolve_incident, rt=rt, incident_id=incident_id, actor=actor,
                                    reason=body.reason))
