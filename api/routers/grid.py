"""The grid: import cells (admins), the cells as GeoJSON, place a point, record an inspection (a finding may
open a case), and coverage with blind spots. Every route is one engine.services.grid call."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import as_json, errors
from api.schemas import Text
from engine.domain import InvalidDataError
from engine.services import grid

router = APIRouter(prefix="/api/grid", tags=["grid"])


class CellsUpload(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(pattern="^FeatureCollection$")
    features: list[dict[str, Any]] = Field(min_length=1, max_length=grid.MAX_FEATURES)


class FindingCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    procedure: Text = Field(min_length=1, max_length=200)
    category: Text | None = Field(default=None, max_length=64)
    address: Text = Field(default="", max_length=500)
    lon: float | None = Field(default=None, ge=-180, le=180)  # where the finding is, as the grid's GeoJSON
    lat: float | None = Field(default=None, ge=-90, le=90)


class InspectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cell: Text = Field(min_length=1, max_length=64)
    findings: Text = Field(default="", max_length=4000)
    photos: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=20)
    open_case: FindingCase | None = None


@router.post("/cells", responses=errors(401, 403, 422))
async def import_cells(body: CellsUpload, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Admins: insert or replace cells from a GeoJSON FeatureCollection (code, name, community, street)."""
    import json

    cells = grid.parse_geojson(json.dumps(body.model_dump()))
    count = await writes.run(grid.import_cells, rt=rt, cells=cells, actor=actor)
    return as_json({"imported": count})


@router.get("/cells", responses=errors(401, 403))
def cells(rt: RuntimeDep, actor: CurrentActor):
    """The grid as a GeoJSON FeatureCollection."""
    return as_json(grid.cells_geojson(rt, actor=actor))


@router.get("/locate", responses=errors(401, 422))
def locate(actor: CurrentActor, rt: RuntimeDep, lon: Annotated[float, Query(ge=-180, le=180)],
           lat: Annotated[float, Query(ge=-90, le=90)]):
    """The cell that holds a point (longitude, latitude), or null outside the grid."""
    return as_json({"cell": grid.locate(rt, lon=lon, lat=lat)})


@router.post("/inspections", status_code=201, responses=errors(401, 403, 404, 422))
async def inspect(body: InspectionCreate, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Inspectors: a patrol of a cell; with `open_case`, the finding opens a case in the cell."""
    view = await writes.run(grid.record_inspection, rt=rt, actor=actor, cell=body.cell, findings=body.findings,
                            photos=body.photos, open_case=body.open_case.model_dump() if body.open_case else None)
    return as_json(view, 201)


@router.get("/coverage", responses=errors(401, 403, 422))
def coverage(rt: RuntimeDep, actor: CurrentActor, since: Annotated[datetime | None, Query()] = None,
             blind_days: Annotated[int, Query(ge=1, le=3650)] = grid.BLIND_DAYS):
    """Each cell with its last inspection, inspections since `since`, open and overdue cases, and whether it
    is a blind spot (no inspection in `blind_days`)."""
    if since is not None and since.tzinfo is None:
        raise InvalidDataError.for_fields({"since": "give a time zone, e.g. 2026-03-01T00:00:00+08:00"})
    return as_json(grid.coverage(rt, actor=actor, since=since, blind_days=blind_days))
