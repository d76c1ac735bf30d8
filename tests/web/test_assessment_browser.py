"""The assessment and the case's place in a real browser, in both languages: ECharts draws the last twelve
months under the strict CSP, every figure links to the cases behind it, the monthly bulletin downloads as a PDF,
and a case found at a point shows its cell with the point. `DUEFLOW_SCREENSHOTS=docs/screenshots pytest -m web
-k assessment_browser` refreshes the bulletin's and the case cell's pictures in docs/ (the bulletin's first
page rendered to PNG with pypdfium2)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.builders import FIXTURES
from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LANGUAGES = {"en": ("en-US", "Assessment", "Cases behind a figure", "Grid cell HP-0412-08", "Urban management"),
             "zh": ("zh-CN", "考核评价", "指标对应的案件", "网格 HP-0412-08", "城市管理考核通报")}


@pytest.fixture(scope="module")
def found(server) -> dict:
    """The grid imported and an officer's patrol whose finding opened a case at a point in HP-0412-08."""
    with server.api(DEMO["admin"]) as client:
        answer = client.post("/api/grid/cells", json=json.loads((FIXTURES / "grid.geojson").read_text()))
        assert answer.status_code == 200, answer.text
    with server.api(DEMO["officer"]) as client:
        answer = client.post("/api/grid/inspections", json={
            "cell": "HP-0412-08", "findings": "占道经营 / stall on the pavement", "open_case": {
                "procedure": "web_penalty", "category": "street_vending", "address": "淮海中路 300 号",
                "lon": 121.478, "lat": 31.225}})
        assert answer.status_code == 201, answer.text
        return answer.json()


def _folder(tmp_path_factory, name: str) -> Path:
    chosen = os.environ.get("DUEFLOW_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp(name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _csp_watch(page) -> list[str]:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return refused


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_dashboard_charts_link_every_figure_and_print_the_bulletin(language, found, open_page, tmp_path_factory):
    locale, title, behind, _, bulletin_title = LANGUAGES[language]
    folder = _folder(tmp_path_factory, "assessment-browser")
    page = open_page(locale)
    refused = _csp_watch(page)
    sign_in(page, DEMO["admin"])
    page.goto("/assessment?period=year")
    page.wait_for_selector("#trend-charts.drawn #trend-chart svg")
    assert title in page.inner_text("h1") and page.locator("#rate-chart svg").count() == 1
    assert page.locator("#trend-table tbody tr").count() == 12  # the accessible fallback: the same numbers
    reported = page.locator('#figures tr[data-group="total"] a[data-indicator="reported"]')
    count = int(reported.inner_text())
    unlinked = page.evaluate("""() => [...document.querySelectorAll('#figures td, #ranking td, #trend-table td')]
        .filter(td => /\\d/.test(td.innerText) && !td.querySelector('a.figure-link') && td.cellIndex > 0)
        .map(td => td.innerText)""")
    assert count >= 1 and unlinked == []  # every number on the dashboard is a link to its cases
    reported.click()
    page.wait_for_selector("#behind")
    assert behind in page.inner_text("h1")
    assert page.locator("#behind tbody tr[data-case]").count() == min(count, 50)
    assert page.locator(f'#behind tr[data-case="{found["case_no"]}"]').count() == 1
    page.go_back()
    page.wait_for_selector("#bulletin")
    for link, media in (("#csv-export", "text/csv"), ("#xlsx-export", "application/vnd.openxmlformats")):
        download = page.request.get(page.get_attribute(link, "href"))  # the session's cookie, no bearer token
        assert download.status == 200 and download.headers["content-type"].startswith(media), link
    pdf = page.request.get(page.get_attribute("#bulletin", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    _render_first_page(pdf.body(), folder / f"assessment-bulletin-{language}.png", bulletin_title)
    assert not page.errors and not refused


def _render_first_page(pdf: bytes, path: Path, title: str) -> None:
    """The bulletin's first page as a PNG (pypdfium2, no system binaries), after checking its title."""
    import io

    import pypdfium2
    from pypdf import PdfReader

    assert title in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    document = pypdfium2.PdfDocument(pdf)
    try:
        document[0].render(scale=1.6).to_pil().save(path)
    finally:
        document.close()
    assert path.stat().st_size > 10_000


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_case_page_shows_its_cell_with_the_point(language, found, open_page, tmp_path_factory):
    locale, _, _, caption, _ = LANGUAGES[language]
    folder = _folder(tmp_path_factory, "case-cell")
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto(f"/cases/{found['case_id']}")
    page.wait_for_selector("#case-cell svg path")
    assert caption in page.inner_text("#case-cell figcaption")
    assert "121.478000" in page.inner_text("#case-point") and "31.225000" in page.inner_text("#case-point")
    point = page.locator("#case-cell-point")
    assert point.count() == 1 and float(point.get_attribute("cx")) > 0
    page.locator("#case-cell").screenshot(path=str(folder / f"case-cell-{language}.png"))
    assert not page.errors
