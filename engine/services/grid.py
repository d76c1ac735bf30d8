"""The grid (网格): cells imported from GeoJSON polygons with their community and street, a point placed in its
cell, inspectors' patrols and field reports (a finding opens a case in one step), and coverage per cell with
the blind spots: cells nobody inspected in N days."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from engine import audit
from engine.domain import Actor, EventType, InvalidDataError, Role
from engine.services import access
from engine.services.runtime import Runtime
from engine.store import InspectionRecord, grid

IMPORTERS = frozenset({Role.ADMIN, Role.SYSTEM})
INSPECTORS = frozenset({Role.INSPECTOR, Role.OFFICER, Role.SUPERVISOR, Role.SYSTEM})
COVERAGE_READERS = frozenset({Role.ADMIN, Role.AUDITOR, Role.DISPATCHER, Role.COORDINATOR, Role.SUPERVISOR,
                              Role.INSPECTOR, Role.OFFICER, Role.SYSTEM})
BLIND_DAYS = 7  # a cell with no inspection in this many days is a blind spot (the request may ask for others)
MAX_FEATURES = 100_000
Ring = list[tuple[float, float]]


def parse_geojson(text: str | bytes) -> list[dict[str, Any]]:
    """Cells of a FeatureCollection of Polygon/MultiPolygon features with properties code, name, community and
    street; every problem names its feature, and nothing is imported unless every feature is right."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise InvalidDataError.for_fields({"file": "not JSON"}) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features or len(features) > MAX_FEATURES:
        raise InvalidDataError.for_fields({"file": f"a GeoJSON FeatureCollection of 1 to {MAX_FEATURES} features"})
    cells, errors, seen = [], {}, set()
    for number, feature in enumerate(features, start=1):
        try:
            cell = _cell(feature)
            if cell["code"] in seen:
                raise InvalidDataError(f"code {cell['code']} appears twice")
            seen.add(cell["code"])
            cells.append(cell)
        except InvalidDataError as error:
            errors[f"feature {number}"] = error.message
    if errors:
        raise InvalidDataError.for_fields(dict(list(errors.items())[:50]))
    return cells


def _cell(feature: Any) -> dict[str, Any]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(props, dict) or not isinstance(geometry, dict):
        raise InvalidDataError("a feature needs properties and a geometry")
    code = str(props.get("code") or "").strip()
    if not code or len(code) > 64:
        raise InvalidDataError("properties.code is required (at most 64 characters)")
    polygons = _polygons(geometry)
    xs = [x for polygon in polygons for ring in polygon for x, _ in ring]
    ys = [y for polygon in polygons for ring in polygon for _, y in ring]
    text = {k: str(props.get(k) or "").strip()[:200] for k in ("name", "community", "street")}
    return dict(code=code, **text, geometry={"type": "MultiPolygon", "coordinates": polygons},
                min_x=min(xs), min_y=min(ys), max_x=max(xs), max_y=max(ys))


def _polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        coordinates = [coordinates]
    elif kind != "MultiPolygon":
        raise InvalidDataError("the geometry must be a Polygon or MultiPolygon")
    if not isinstance(coordinates, list):
        raise InvalidDataError("coordinates must be a list of rings")
    try:
        polygons = [[[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in coordinates]
    except (TypeError, ValueError, IndexError):
        raise InvalidDataError("coordinates must be [longitude, latitude] pairs") from None
    if not polygons or any(not polygon or any(len(ring) < 4 for ring in polygon) for polygon in polygons):
        raise InvalidDataError("every ring needs at least 4 positions (closed)")
    return polygons


def import_cells(rt: Runtime, *, cells: list[dict[str, Any]], actor: Actor,
                 progress: Callable[[int, int], None] | None = None, batch: int = 500) -> int:
    """Insert or replace cells by code (admins); `progress(done, total)` after each batch. One transaction:
    a failed import leaves the grid as it was."""
    access.require_role(actor, IMPORTERS, "import the grid")
    done = 0
    with rt.store.transaction() as session:
        for start in range(0, len(cells), batch):
            done += grid.save_cells(session, cells[start:start + batch])
            if progress:
                progress(done, len(cells))
    return done


def contains(polygon: list[Ring], x: float, y: float) -> bool:
    """Ray casting: inside the outer ring and outside every hole (a point on an edge counts as inside the
    ring whose edge it is on, consistently for neighbouring cells sharing it from the left)."""
    return _in_ring(polygon[0], x, y) and not any(_in_ring(hole, x, y) for hole in polygon[1:])


def _in_ring(ring: Iterable[tuple[float, float]], x: float, y: float) -> bool:
    points = list(ring)
    inside = False
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def locate(rt: Runtime, *, lon: float, lat: float) -> str | None:
    """The code of the cell that holds the point, or None outside the grid."""
    with rt.store.transaction(write=False) as session:
        for row in grid.candidates(session, lon, lat):
            if row.geometry and any(contains(p, lon, lat) for p in row.geometry["coordinates"]):
                return row.code
    return None


@dataclass
class InspectionView:
    id: int
    cell: str
    inspector: str
    inspected_at: str
    findings: str
    photos: list[str]
    case_id: int | None
    case_no: str | None = None

    @classmethod
    def of(cls, row: InspectionRecord, case_no: str | None = None) -> "InspectionView":
        return cls(id=row.id, cell=row.cell, inspector=row.inspector, inspected_at=row.inspected_at.isoformat(),
                   findings=row.findings, photos=list(row.photos or []), case_id=row.case_id, case_no=case_no)


def record_inspection(rt: Runtime, *, actor: Actor, cell: str, findings: str = "", photos: list[str] | None = None,
                      open_case: dict[str, Any] | None = None) -> InspectionView:
    """An inspector's patrol of a cell, audited. With `open_case` ({procedure, category, address, party, lon,
    lat}), the finding opens a case in the cell: inspection, case and events in ONE transaction."""
    from engine.services import cases

    access.require_role(actor, INSPECTORS, "record inspections")
    photos = [str(p).strip()[:300] for p in (photos or []) if str(p).strip()][:20]
    findings = findings.strip()[:4000]
    with rt.store.transaction(write=False) as session:
        if grid.cell(session, cell) is None:
            raise InvalidDataError.for_fields({"cell": f"no grid cell '{cell}'"})
    prepared = None
    if open_case:
        if not findings:
            raise InvalidDataError.for_fields({"findings": "say what was found"})
        location: dict[str, Any] = {"address": str(open_case.get("address") or "")[:500], "grid_cell": cell}
        if open_case.get("lon") not in (None, "") or open_case.get("lat") not in (None, ""):
            location.update(lon=open_case.get("lon"), lat=open_case.get("lat"))
        prepared = cases.prepare_case(rt, actor=actor, data={
            "category": open_case.get("category") or None, "location": location,
            "party": open_case.get("party") or {}, "finding": findings[:2000], "photos": photos})
    now = rt.now()
    key = rt.settings.audit_key
    with rt.store.transaction() as session:
        row = grid.add_inspection(session, InspectionRecord(
            cell=cell, inspector=actor.username, department=actor.department, inspected_at=now,
            findings=findings, photos=photos, case_id=None))
        view = None
        if prepared is not None:
            view = cases.open_case_in(session, rt, procedure=str((open_case or {}).get("procedure") or ""),
                                      prepared=prepared, actor=actor, now=now, inspection=row.id)
            row.case_id = view.id
            session.flush()
        audit.record(session, key=key, case=None, event_type=EventType.INSPECTION_RECORDED, actor=actor, now=now,
                     payload={"inspection": row.id, "cell": cell, "photos": len(photos), "finding": bool(findings)})
        if findings:
            audit.record(session, key=key, case=None, event_type=EventType.FINDING_RECORDED, actor=actor, now=now,
                         payload={"inspection": row.id, "cell": cell, "findings": findings,
                                  "case_no": view.case_no if view else None})
        return InspectionView.of(row, view.case_no if view else None)


def coverage(rt: Runtime, *, actor: Actor, since: datetime | None = None,
             blind_days: int = BLIND_DAYS) -> list[dict[str, Any]]:
    """Each cell with its last inspection, inspections since `since` (default: the blind-spot window), open
    and overdue cases, and whether it is a blind spot (no inspection in `blind_days`)."""
    access.require_role(actor, COVERAGE_READERS, "read the grid's coverage")
    if not 1 <= blind_days <= 3650:
        raise InvalidDataError.for_fields({"blind_days": "1 to 3650 days"})
    now = rt.now()
    blind_since = now - timedelta(days=blind_days)
    with rt.store.transaction(write=False) as session:
        figures = grid.coverage(session, since=since or blind_since, now=now)
        rows = grid.cells(session)
        return [{"code": row.code, "name": row.name, "community": row.community, "street": row.street,
                 **figures[row.code],
                 "last_inspection": figures[row.code]["last_inspection"].isoformat()
                 if figures[row.code]["last_inspection"] else None,
                 "blind_spot": figures[row.code]["last_inspection"] is None
                 or figures[row.code]["last_inspection"] < blind_since}
                for row in rows]


def cell_geometry(rt: Runtime, *, actor: Actor, code: str | None) -> dict[str, Any] | None:
    """One cell's MultiPolygon (the case page draws the case's point in it), or None without one."""
    if not code or access.role_of(actor) not in COVERAGE_READERS:
        return None
    with rt.store.transaction(write=False) as session:
        row = grid.cell(session, code)
        return dict(row.geometry) if row is not None and row.geometry else None


def cells_geojson(rt: Runtime, *, actor: Actor) -> dict[str, Any]:
    """The grid as a FeatureCollection (the map page draws it; no tile server)."""
    access.require_role(actor, COVERAGE_READERS, "read the grid")
    with rt.store.transaction(write=False) as session:
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": row.geometry, "properties": {
                "code": row.code, "name": row.name, "community": row.community, "street": row.street}}
            for row in grid.cells(session) if row.geometry]}


def blind_spots_at(rt: Runtime, *, actor: Actor, moment: datetime, blind_days: int = BLIND_DAYS) -> list[dict[str, Any]]:
    """The cells that were blind spots at a moment: no inspection in the `blind_days` before it."""
    access.require_role(actor, COVERAGE_READERS, "read the grid's coverage")
    with rt.store.transaction(write=False) as session:
        last = grid.last_inspections(session, before=moment)
        names = {row.code: row for row in grid.cells(session)}
        return [{"code": code, "name": names[code].name, "street": names[code].street,
                 "last_inspection": at.isoformat() if at else None}
                for code, at in last.items() if at is None or at < moment - timedelta(days=blind_days)]
