"""The assessment exported: XLSX read back with openpyxl (a sheet per grouping, Chinese and English headers),
and the monthly bulletin as PDF read back with pypdf, against figures counted by hand."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from engine.domain import Actor, ForbiddenError, Role
from engine.services import assessment_export, grid, tasks
from tests.builders import FIXTURES, a_case, a_supervisor, an_admin, an_officer, the_notice


@pytest.fixture
def month(rt, clock):
    """Cityscape opens 2 cases and closes none, markets opens 1; one patrol, of HP-0412-07, on 2 March."""
    the_notice(rt)
    grid.import_cells(rt, cells=grid.parse_geojson((FIXTURES / "grid.geojson").read_bytes()), actor=an_admin())
    a_case(rt)
    a_case(rt)
    a_case(rt, actor=an_officer("mark", "markets"))
    grid.record_inspection(rt, actor=Actor("ivy", Role.INSPECTOR, "cityscape"), cell="HP-0412-07")


def test_the_xlsx_has_a_sheet_per_grouping_with_chinese_and_english_headers(rt, month):
    book = load_workbook(io.BytesIO(assessment_export.to_xlsx(rt, actor=an_admin(), period="month",
                                                              day=date(2026, 3, 2))))
    assert book.sheetnames == ["按部门 By department", "按网格 By grid cell", "按街道 By street", "按人员 By person"]
    sheet = book["按部门 By department"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["分组\nGroup", "上报数\nReported", "立案数\nFiled"] and "结案率\nClosure rate" in header
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, max_row=4, values_only=True)}
    assert {k: (v["上报数\nReported"], v["立案数\nFiled"], v["结案数\nClosed"]) for k, v in rows.items()} == {
        "cityscape": (2, 2, 0), "markets": (1, 1, 0), "合计 Total": (3, 3, 0)}
    assert rows["cityscape"]["结案率\nClosure rate"] == 0.0 and rows["cityscape"]["巡查数\nInspections"] == 1
    own = load_workbook(io.BytesIO(assessment_export.to_xlsx(rt, actor=a_supervisor(), period="month",
                                                             day=date(2026, 3, 2))))
    assert own.sheetnames == ["按部门 By department"]
    assert [r[0] for r in own.active.iter_rows(min_row=2, max_row=3, values_only=True)] == ["cityscape", "合计 Total"]
    assert not any("fine" in str(c.value).lower() for s in book for row in s.iter_rows() for c in row)


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.mark.parametrize("lang, words", [
    ("zh_Hans", ("城市管理考核通报", "各部门指标", "部门排名", "巡查盲区", "合计", "上报数")),
    ("en", ("Urban management assessment bulletin", "Indicators per department", "Ranking of departments",
            "Blind spots", "Total", "Reported"))])
def test_the_bulletin_pdf_states_the_months_figures_ranking_and_blind_spots(rt, month, clock, lang, words):
    clock.advance(days=26)  # 28 March: HP-0412-07 patrolled again, 3 days before the month ends
    grid.record_inspection(rt, actor=Actor("ivy", Role.INSPECTOR, "cityscape"), cell="HP-0412-07")
    clock.advance(days=14)  # issued in April about March: the blind spots are as they were on 31 March
    pdf = assessment_export.bulletin_pdf(rt, actor=an_admin(), month=date(2026, 3, 1), lang=lang)
    text = _text(pdf)
    assert pdf.startswith(b"%PDF") and all(word in text for word in words), text[:400]
    assert "2026-03" in text
    # per department: group, reported, filed, dispatched, handled, closed (the columns in order)
    assert "cityscape 2 2 0 0 0" in text and "markets 1 1 0 0 0" in text
    assert re.search(r"(合计|Total) 3 3 0 0 0", text)
    # cityscape and markets both close 0 %: ranked by name
    assert re.search(r"1 cityscape 0\.0% — — 2 markets 0\.0% —", text), text
    assert "HP-0412-08" in text and "XH-0101-01" in text and "HP-0412-07" not in text  # blind today, not then
    with pytest.raises(ForbiddenError):
        assessment_export.bulletin_pdf(rt, actor=an_officer(), month=date(2026, 3, 1), lang=lang)
