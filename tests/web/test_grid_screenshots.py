"""The dashboard, the map and the patrol page in a real browser, in both languages, without a script error.
`DUEFLOW_SCREENSHOTS=docs/screenshots pytest -m web -k grid_screenshots` refreshes the pictures in docs/."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.builders import FIXTURES
from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LANGUAGES = {"en": ("en-US", "Grid map", "Assessment"), "zh": ("zh-CN", "网格地图", "考核评价")}


@pytest.fixture(scope="module")
def gridded(server):
    with server.api(DEMO["admin"]) as client:
        answer = client.post("/api/grid/cells", json=json.loads((FIXTURES / "grid.geojson").read_text()))
        assert answer.status_code == 200, answer.text
    return server


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_grid_screenshots_of_the_map_and_the_dashboard(language, gridded, open_page, tmp_path_factory):
    locale, map_title, dashboard_title = LANGUAGES[language]
    chosen = os.environ.get("DUEFLOW_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("grid-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page = open_page(locale)
    sign_in(page, DEMO["admin"])
    page.goto("/grid")
    page.wait_for_selector("#grid-map path")
    assert map_title in page.inner_text("h1") and page.locator("#grid-map path").count() == 3
    page.screenshot(path=str(folder / f"grid-map-{language}.png"), full_page=True)
    page.goto("/assessment?period=year")
    page.wait_for_selector("#trend-charts.drawn #trend-chart svg")  # ECharts has drawn
    assert dashboard_title in page.inner_text("h1")
    page.screenshot(path=str(folder / f"assessment-dashboard-{language}.png"), full_page=True)
    assert not page.errors
