"""The grid's pages: the map (SVG drawn from the cells' GeoJSON alone, coloured by coverage and overdue load,
with a list view for screen readers) and the inspector's phone-sized patrol page."""
from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.web.pages import WebRoute, page, redirect
from api.web.session import CheckedForm, StaffUser
from engine.services import grid, procedures

router = APIRouter(route_class=WebRoute, include_in_schema=False)
WIDTH = 800.0


def _rt(request: Request):
    return request.app.state.runtime


def _shade(row: dict[str, Any]) -> str:
    """blind (never or not lately inspected), overdue (cases past their time), covered."""
    if row["blind_spot"]:
        return "blind"
    return "overdue" if row["overdue_cases"] else "covered"


def svg_map(collection: dict[str, Any], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Paths in a WIDTH-wide viewBox: longitude scaled by cos(latitude) so cells keep their shape; y grows
    southwards as on paper."""
    points = [p for f in collection["features"] for polygon in f["geometry"]["coordinates"]
              for ring in polygon for p in ring]
    if not points:
        return {"width": WIDTH, "height": 0, "cells": []}
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((min_y + max_y) / 2))
    span_x, span_y = max((max_x - min_x) * squeeze, 1e-9), max(max_y - min_y, 1e-9)
    scale = WIDTH / span_x
    height = round(span_y * scale, 1)

    def xy(p) -> str:
        return f"{(p[0] - min_x) * squeeze * scale:.1f},{(max_y - p[1]) * scale:.1f}"
    cells = []
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        d = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for polygon in feature["geometry"]["coordinates"]
                     for ring in polygon)
        row = rows.get(code, {})
        cells.append({"code": code, "d": d, "shade": _shade(row) if row else "blind", **row})
    return {"width": WIDTH, "height": height, "cells": cells}


def cell_sketch(geometry: dict[str, Any] | None, lon: float | None, lat: float | None,
                width: float = 240.0) -> dict[str, Any] | None:
    """The case's cell as one SVG path with its point marked (from the GeoJSON alone), or None without a cell;
    a point outside the drawn cell is still drawn, on the edge of the frame, so a wrong placement shows."""
    if not geometry:
        return None
    points = [p for polygon in geometry["coordinates"] for ring in polygon for p in ring]
    if lon is not None and lat is not None:
        points.append((lon, lat))
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((min_y + max_y) / 2))
    scale = (width - 20) / max((max_x - min_x) * squeeze, max_y - min_y, 1e-9)

    def xy(p) -> tuple[float, float]:
        return round(10 + (p[0] - min_x) * squeeze * scale, 1), round(10 + (max_y - p[1]) * scale, 1)
    d = " ".join("M" + " L".join("%s,%s" % xy(p) for p in ring) + " Z" for polygon in geometry["coordinates"]
                 for ring in polygon)
    height = round(20 + (max_y - min_y) * scale, 1)
    point = xy((lon, lat)) if lon is not None and lat is not None else None
    return {"width": width, "height": height, "d": d, "point": point}


@router.get("/grid")
def grid_map(request: Request, actor: StaffUser, blind_days: Annotated[int, Query(ge=1, le=3650)] = grid.BLIND_DAYS):
    rt = _rt(request)
    rows = grid.coverage(rt, actor=actor, blind_days=blind_days)
    drawn = svg_map(grid.cells_geojson(rt, actor=actor), {r["code"]: r for r in rows})
    return page(request, "grid/map.html", rows=rows, drawn=drawn, blind_days=blind_days,
                blind=sum(1 for r in rows if r["blind_spot"]))


@router.get("/inspect")
def inspect_page(request: Request, actor: StaffUser):
    rt = _rt(request)
    rows = grid.coverage(rt, actor=actor)
    keys = sorted({v.key for v in procedures.list_procedures(rt) if v.status == "active"})
    return page(request, "grid/inspect.html", rows=rows, procedures=keys,
                may_inspect=actor.role in grid.INSPECTORS)


@router.post("/inspect")
def inspect(request: Request, actor: StaffUser, form: CheckedForm):
    values = {k: str(form.get(k, "")).strip()[:4000] for k in ("cell", "findings", "photos", "procedure",
                                                               "category", "address", "open_case", "lon", "lat")}
    opened = None
    if values["open_case"]:
        opened = {"procedure": values["procedure"], "category": values["category"][:64] or None,
                  "address": values["address"][:500], "lon": values["lon"][:32], "lat": values["lat"][:32]}
    view = grid.record_inspection(_rt(request), actor=actor, cell=values["cell"][:64], findings=values["findings"],
                                  photos=values["photos"].replace(",", " ").split(), open_case=opened)
    if view.case_id:
        return redirect(request, "/inspect", flash="finding_opened", case=view.case_no, cell=view.cell)
    return redirect(request, "/inspect", flash="cell_inspected", cell=view.cell)

