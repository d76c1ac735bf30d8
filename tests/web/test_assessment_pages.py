"""The dashboard and the public statistics in both languages: figures, inline SVG charts, ranking, CSV link."""
from __future__ import annotations

import pytest

from tests.builders import a_case

WORDS = {"en": ("Assessment", "Closure rate", "Ranking of departments, 2026Q1", "Public statistics"),
         "zh": ("考核评价", "结案率", "部门排名（2026Q1）", "公开统计")}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_dashboard_shows_figures_charts_and_ranking(browser, rt, penalty, language):
    words = WORDS[language]
    a_case(rt, penalty)
    ada = browser(language)
    ada.sign_in("ada")
    page = ada.get("/assessment?period=month&date=2026-03-02&by=department")
    assert page.status_code == 200 and words[0] in page.text and words[1] in page.text and words[2] in page.text
    assert 'id="closure-chart"' in page.text and 'id="trend-chart"' in page.text
    assert 'data-group="cityscape"' in page.text and "format=csv" in page.text
    public = browser(language).get("/statistics?year=2026")  # no sign-in
    assert public.status_code == 200 and words[3] in public.text and "2026-03" in public.text
    assert "olga" not in public.text


def test_officers_have_no_dashboard(browser, penalty):
    olga = browser()
    olga.sign_in("olga")
    assert olga.get("/assessment").status_code == 403
