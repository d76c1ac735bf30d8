"""The grid's pages in both languages: the map drawn from the GeoJSON with its list view, and the inspector's
patrol page where a finding opens a case."""
from __future__ import annotations

import pytest

from engine.domain import Actor
from engine.services import grid, users
from tests.builders import FIXTURES, an_admin
from tests.web.conftest import PASSWORD

WORDS = {"en": ("Grid map", "Blind spot", "Patrol", "case"), "zh": ("网格地图", "盲区", "巡查", "案件")}


@pytest.fixture
def gridded(rt):
    users.add_user(rt, username="ivy", password=PASSWORD, role="inspector", department="cityscape",
                   actor=Actor.system("tests"))
    grid.import_cells(rt, cells=grid.parse_geojson((FIXTURES / "grid.geojson").read_bytes()), actor=an_admin())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_inspector_patrols_and_the_map_shows_coverage(browser, rt, penalty, gridded, language):
    words = WORDS[language]
    ivy = browser(language)
    ivy.sign_in("ivy")
    patrol = ivy.get("/inspect")
    assert words[2] in patrol.text and 'name="viewport"' in patrol.text and "HP-0412-07" in patrol.text
    done = ivy.post("/inspect", {"cell": "HP-0412-07", "findings": "占道经营", "photos": "IMG-1 IMG-2",
                                 "open_case": "1", "procedure": penalty, "category": "", "address": "淮海中路 12 号",
                                 "lon": "121.465", "lat": "31.225"})
    assert done.status_code == 200 and words[3] in done.text
    assert 'id="lon"' in patrol.text and 'id="lat"' in patrol.text
    with rt.store.transaction(write=False) as session:  # the finding's case keeps the point it was found at
        from sqlalchemy import select

        from engine.store.records import CaseRecord
        assert session.execute(select(CaseRecord.grid_cell, CaseRecord.lon, CaseRecord.lat)).all() == [
            ("HP-0412-07", 121.465, 31.225)]
    map_page = ivy.get("/grid")
    assert words[0] in map_page.text and map_page.text.count("<path ") == 3
    assert 'data-cell="HP-0412-07" data-shade="covered"' in map_page.text
    assert 'data-cell="XH-0101-01" data-shade="blind"' in map_page.text and words[1] in map_page.text
    assert '<table class="cards" id="cells">' in map_page.text  # the list view for screen readers


def test_only_inspectors_and_officers_record_patrols(browser, gridded):
    audrey = browser()
    audrey.sign_in("audrey")
    assert audrey.post("/inspect", {"cell": "HP-0412-07", "findings": ""}).status_code == 403
