"""Lists page by cursor, in both languages: the Cases page's Older link continues after the last case shown
(never an offset) and Newest returns to the top; the worklist's More tasks link continues after its last task."""
from __future__ import annotations

import pytest

from api.web import officer
from tests.builders import a_case
from tests.web.conftest import DEMO, sign_in

OLDER = {"zh-CN": "较早", "en-US": "Older"}
NEWEST = {"zh-CN": "最新", "en-US": "Newest"}
MORE = {"zh": "更多任务", "en": "More tasks"}


@pytest.fixture(scope="module")
def kiosks(server) -> list[dict]:
    return [server.open_case("web_penalty", f"Cursor Kiosk {n}", location={"address": "9 Cursor Road",
                                                                            "grid_cell": "CK-1"}) for n in range(51)]


@pytest.mark.web
@pytest.mark.slow
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_older_cases_follow_a_cursor_and_newest_returns_to_the_top(open_page, kiosks, locale):
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto("/cases?q=Cursor+Kiosk&grid=CK-1")
    numbers = page.locator("tbody tr td:first-child").all_inner_texts()
    assert numbers == [k["case_no"] for k in reversed(kiosks)][:50], "newest first"
    page.click(f"a.button:has-text('{OLDER[locale]}')")
    assert f"after={kiosks[1]['id']}" in page.url and "grid=CK-1" in page.url and "offset" not in page.url
    assert page.locator("tbody tr td:first-child").all_inner_texts() == [kiosks[0]["case_no"]]
    assert page.locator(f"a.button:has-text('{OLDER[locale]}')").count() == 0, "the last page has no Older"
    page.click(f"a.button:has-text('{NEWEST[locale]}')")
    assert page.locator("tbody tr").count() == 50 and "after=" not in page.url


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_worklist_continues_after_its_last_task(browser, rt, clock, penalty, monkeypatch, language):
    monkeypatch.setattr(officer, "WORKLIST_PAGE", 2)
    opened = []
    for n in range(3):
        opened.append(a_case(rt, penalty, party={"name": f"Queue Stall {n}", "type": "person"}))
        clock.advance(minutes=1)
    b = browser(language)
    first = b.sign_in("olga")
    assert [f"Queue Stall {n}" in first.text for n in range(3)] == [True, True, False], "soonest first"
    more = first.text.split(MORE[language])[0].rsplit('href="', 1)[1].split('"')[0]
    second = b.get(more.replace("&amp;", "&"))
    assert "Queue Stall 2" in second.text and "Queue Stall 0" not in second.text
    assert MORE[language] not in second.text, "the last page offers no more"
    assert opened[2].case_no in second.text
