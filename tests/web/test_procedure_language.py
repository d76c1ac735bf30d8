"""A procedure's own words (task names, form labels, enum values) in the reader's language, from the
translations written beside them in the BPMN: the worklist, the task form and the case page, in a real browser."""
from __future__ import annotations

import pytest

from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]

WORDS = {  # locale -> (the task, a field label, an enum value) of the ordinary procedure's investigation
    "zh-CN": ("调查取证", "违法情节", "轻微"),
    "en-US": ("Investigate the case", "Severity", "Minor"),
}


@pytest.mark.parametrize("locale", WORDS)
def test_the_ordinary_procedure_speaks_the_readers_language(open_page, server, locale):
    task, label, value = WORDS[locale]
    other = WORDS["en-US" if locale == "zh-CN" else "zh-CN"]
    case = server.open_case("ordinary_procedure", f"Translation Tea House {locale}", category="noise")
    case = server.complete(case, {"facts": "loud music after midnight", "legal_basis": "Noise Law art. 65"})
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto("/work")
    row = page.locator("tr", has_text=f"Translation Tea House {locale}")
    assert row.locator(f"a:text-is('{task}')").count() == 1
    assert other[0] not in row.inner_text()

    row.locator(f"a:text-is('{task}')").click()
    assert page.inner_text("h1").strip() == task
    assert page.inner_text("label[for='f-severity']").strip() == label
    assert value in page.locator("#f-severity option").all_inner_texts()
    assert other[2] not in page.locator("#f-severity option").all_inner_texts()

    page.goto(f"/cases/{case['id']}")
    assert page.inner_text("[data-next-task='investigate'] strong").strip() == task
