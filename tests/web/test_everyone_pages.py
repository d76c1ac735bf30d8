"""Pages for everyone, in a real browser in both languages: error pages with a title, a language and a way
back; counts with the right plural; the officer's and the auditor's timelines on a 360 px phone."""
from __future__ import annotations

from datetime import date

import pytest

from tests.web import axe
from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
TODAY = date.today().isoformat()
LOCALES = {"zh": "zh-CN", "en": "en-US"}
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
NOT_FOUND = {"zh": ("未找到", "此地址没有页面"), "en": ("Not found", "There is no page at this address")}
FORBIDDEN = {"zh": "您的角色或部门不允许", "en": "Your role or department does not allow"}
BACK = {"zh": "返回上一页", "en": "Back to the previous page"}
START = {"zh": "首页", "en": "Start page"}
COUNTS = {"zh": ("1 件案件", "2 件案件"), "en": ("1 case", "2 cases")}
EVENTS = {"zh": "条事件", "en": "events"}


@pytest.mark.parametrize("language", LOCALES)
def test_a_missing_page_is_a_page_in_the_readers_language_with_a_way_back(server, open_page, language):
    page = open_page(LOCALES[language])
    axe.watch(page.context)
    sign_in(page, DEMO["officer"])
    page.goto("/work")
    answer = page.goto("/cases/no-such-place/really", referer=server.url + "/work")
    assert answer.status == 404
    title, explanation = NOT_FOUND[language]
    assert page.get_attribute("html", "lang") == HTML_LANG[language]
    assert title in page.title() and title in page.inner_text("h1")
    assert explanation in page.inner_text("main")
    assert axe.violations(page) == []
    assert page.get_attribute(f"main a:has-text('{START[language]}')", "href") == "/"
    page.click(f"text={BACK[language]}")
    page.wait_for_url("**/work")

    answer = page.goto("/admin/users")  # an officer may not manage accounts
    assert answer.status == 403
    assert FORBIDDEN[language] in page.inner_text("main")
    assert page.get_attribute("html", "lang") == HTML_LANG[language] and page.title().strip(" ·Dueflow")

    answer = page.goto("/api/public/statistics?year=1")  # the JSON API opened in the browser: a page, not JSON
    assert answer.status == 422 and "application/json" not in answer.headers["content-type"]
    assert page.get_attribute("html", "lang") == HTML_LANG[language]
    assert page.errors == []


@pytest.mark.parametrize("language", LOCALES)
def test_case_counts_use_the_plural_of_the_language(server, open_page, language):
    grid = f"PL-{language}"
    server.open_case("web_penalty", f"Plural Tea {language}", location={"address": "1 Count Lane", "grid_cell": grid})
    page = open_page(LOCALES[language])
    sign_in(page, DEMO["officer"])
    page.goto(f"/cases?grid={grid}")
    assert page.inner_text("[data-total]").strip() == COUNTS[language][0]
    server.open_case("web_penalty", f"Plural Noodles {language}", location={"address": "2 Count Lane", "grid_cell": grid})
    page.goto(f"/cases?grid={grid}")
    assert page.inner_text("[data-total]").strip() == COUNTS[language][1]


def _fits(page) -> None:
    wide = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide[0] <= wide[1], f"{page.url} scrolls sideways on a phone: {wide[0]} px of content in {wide[1]} px"


@pytest.mark.parametrize("language", LOCALES)
def test_the_officers_and_the_auditors_timelines_fit_a_360_px_phone(server, open_page, language):
    case = server.open_case("web_penalty", "Timeline Restaurant With A Rather Long Registered Name Limited",
                            category="street_order")
    case = server.complete(case, {"findings": "Tables, chairs and a sign board of 3 m on the pavement outside "
                                              "the entrance; photographs IMG_20261201_0001.jpg to _0014.jpg",
                                  "inspected_on": TODAY, "severity": "serious"})
    server.complete(case, {"proposed_fine": 2000, "served_on": TODAY})
    for who, path in (("officer", f"/cases/{case['id']}"), ("auditor", f"/audit/cases/{case['id']}")):
        page = open_page(LOCALES[language], phone=True)
        page.set_viewport_size({"width": 360, "height": 780})
        axe.watch(page.context)
        sign_in(page, DEMO[who])
        page.goto(path)
        page.wait_for_selector(".diagram[data-ready='true']")
        _fits(page)
        assert axe.violations(page) == []
        if who == "auditor":
            rows = page.locator(".timeline-table tbody tr").count()
            assert page.inner_text("#event-count").strip() == (
                f"{rows} 条事件" if language == "zh" else f"{rows} events")
            assert not page.locator(".timeline-table td:has-text('{\"')").count(), "no raw JSON in the timeline"
        assert page.errors == []
