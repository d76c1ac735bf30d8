"""The grid on both databases: import from GeoJSON, a point placed in its cell (holes and multipolygons),
patrols and a finding that opens a case, coverage with blind spots."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.domain import Actor, ForbiddenError, InvalidDataError, Role
from engine.services import grid, users
from tests.builders import FIXTURES, an_admin, the_notice

INSPECTOR = Actor("ivy", Role.INSPECTOR, "cityscape")


@pytest.fixture
def cells(rt):
    users.add_user(rt, username="ivy", password="correct horse", role="inspector", department="cityscape",
                   actor=Actor.system("tests"))
    seen = []
    parsed = grid.parse_geojson((FIXTURES / "grid.geojson").read_bytes())
    assert grid.import_cells(rt, cells=parsed, actor=an_admin(), batch=2,
                             progress=lambda done, total: seen.append((done, total))) == 3
    assert seen == [(2, 3), (3, 3)]
    return parsed


def test_a_point_is_placed_in_its_cell_holes_and_parts_included(rt, cells):
    assert grid.locate(rt, lon=121.465, lat=31.225) == "HP-0412-07"
    assert grid.locate(rt, lon=121.478, lat=31.225) == "HP-0412-08"
    assert grid.locate(rt, lon=121.475, lat=31.225) == "XH-0101-01"  # in 08's hole, which is a part of XH
    assert grid.locate(rt, lon=121.434, lat=31.192) == "XH-0101-01"
    assert grid.locate(rt, lon=121.0, lat=31.0) is None


def test_a_reimport_replaces_cells_by_code_and_bad_features_are_named(rt, cells):
    cells[0]["name"] = "淮海路东段（新）"
    grid.import_cells(rt, cells=cells[:1], actor=an_admin())
    assert [c["name"] for c in grid.coverage(rt, actor=an_admin())][:1] == ["淮海路东段（新）"]
    with pytest.raises(InvalidDataError) as bad:
        grid.parse_geojson('{"type": "FeatureCollection", "features": [{"properties": {"code": "X"}, '
                           '"geometry": {"type": "Point", "coordinates": [1, 2]}}]}')
    assert bad.value.details[0]["field"] == "feature 1"
    with pytest.raises(ForbiddenError):
        grid.import_cells(rt, cells=cells, actor=INSPECTOR)


def test_patrols_findings_and_coverage_with_blind_spots(rt, cells, clock):
    the_notice(rt)
    grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-07", findings="", photos=[])
    clock.advance(days=3)
    found = grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall on the pavement",
                                   photos=["IMG-1"], open_case={"procedure": "notice", "category": "street_vending",
                                                                "address": "Huaihai Road 300"})
    assert found.case_id and found.case_no
    clock.advance(days=5)
    rows = {r["code"]: r for r in grid.coverage(rt, actor=INSPECTOR, blind_days=7)}
    assert rows["HP-0412-07"]["blind_spot"] and not rows["HP-0412-08"]["blind_spot"]
    assert rows["XH-0101-01"]["blind_spot"] and rows["XH-0101-01"]["last_inspection"] is None
    assert (rows["HP-0412-08"]["open_cases"], rows["HP-0412-07"]["open_cases"]) == (1, 0)
    since = grid.coverage(rt, actor=INSPECTOR, since=datetime(2026, 3, 1, tzinfo=timezone.utc))
    assert {r["code"]: r["inspections"] for r in since} == {"HP-0412-07": 1, "HP-0412-08": 1, "XH-0101-01": 0}
    with pytest.raises(ForbiddenError):
        grid.record_inspection(rt, actor=Actor("audrey", Role.AUDITOR), cell="HP-0412-07")
    with pytest.raises(InvalidDataError):
        grid.record_inspection(rt, actor=INSPECTOR, cell="NOPE")


def test_a_case_opened_at_a_point_lands_in_its_cell(rt, cells):
    from tests.builders import a_case

    the_notice(rt)
    case = a_case(rt, location={"address": "Huaihai Road 300", "lon": 121.478, "lat": 31.225})
    assert case.location["grid_cell"] == "HP-0412-08"
