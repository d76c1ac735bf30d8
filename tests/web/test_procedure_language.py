"""A procedure's own words (task names, form labels, enum values, deadlines, diagram labels) in the reader's
language, from the translations written beside them in the BPMN: officer, auditor and party pages in a real
browser, both languages."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]

WORDS = {  # locale -> (the task, a field label, an enum value, the step before) of the ordinary procedure
    "zh-CN": ("调查取证", "违法情节", "轻微", "立案登记"),
    "en-US": ("Investigate the case", "Severity", "Minor", "Register the case"),
}
CASE_WORDS = {  # the procedure, the department and the category on the case page
    "zh-CN": ("行政处罚普通程序", "市容", "噪声"),
    "en-US": ("Ordinary administrative penalty procedure", "Cityscape", "Noise"),
}
REMEDY_PERIOD = {"zh-CN": "改正期限届满", "en-US": "Remedy period ends"}
REGISTER = {"facts": "loud music after midnight", "legal_basis": "Noise Law art. 65",
            "filed_on": date.today().isoformat()}


def _other(locale: str) -> str:
    return "en-US" if locale == "zh-CN" else "zh-CN"


@pytest.mark.parametrize("locale", WORDS)
def test_the_ordinary_procedure_speaks_the_officers_language(open_page, server, locale):
    task, label, value, before = WORDS[locale]
    other = WORDS[_other(locale)]
    case = server.complete(server.open_case("ordinary_procedure", f"Language Check Teahouse {locale}", category="noise"), REGISTER)
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto("/work")
    row = page.locator("tr", has_text=f"Language Check Teahouse {locale}")
    assert row.locator(f"a:text-is('{task}')").count() == 1
    assert other[0] not in row.inner_text()
    assert row.locator("time.countdown").count() == 1, "PL 60: the decision is due 90 days after filing"

    row.locator(f"a:text-is('{task}')").click()
    assert page.inner_text("h1").strip() == task
    assert page.inner_text("label[for='f-severity']").strip() == label
    assert value in page.locator("#f-severity option").all_inner_texts()
    assert other[2] not in page.locator("#f-severity option").all_inner_texts()

    page.goto(f"/cases/{case['id']}")
    assert page.inner_text("[data-next-task='investigate'] strong").strip() == task
    assert before in page.inner_text("body") and other[3] not in page.inner_text("body")
    for word in CASE_WORDS[locale]:
        assert word in page.inner_text("main")
    page.wait_for_selector(".diagram[data-ready='true']")
    drawn = page.locator(".djs-element[data-element-id='investigate'] text").first.text_content() or ""
    assert drawn.replace("\n", "").replace(" ", "") == task.replace(" ", ""), "the diagram's label"


@pytest.mark.parametrize("locale", WORDS)
def test_the_party_reads_its_deadline_in_its_language_on_a_phone(open_page, server, locale):
    opened = server.open_case("ordinary_procedure", f"Noodle Stall {locale}", category="noise")
    case = server.complete(opened, REGISTER)
    case = server.complete(case, {"evidence_summary": "sound level 78 dB at 00:40", "second_officer": "Li Wei",
                                  "severity": "minor", "prior_offences": 0})
    case = server.complete(case, {"outcome": "violation"})
    case = server.complete(case, {"correction_required": "keep the music below 55 dB after 22:00", "remedy_days": 7})
    phone = open_page(locale, phone=True)
    phone.goto("/party")
    phone.fill("#case_no", case["case_no"])
    phone.fill("#code", opened["access_code"])
    phone.click("form[action='/party/login'] button")
    assert REMEDY_PERIOD[locale] in phone.inner_text("#now")
    assert REMEDY_PERIOD[_other(locale)] not in phone.inner_text("#now")
    shown = phone.inner_text("main")
    assert re.search(r"\d{1,2}:\d{2}", shown) and not re.search(r"\d{1,2}:\d{2}:\d{2}", shown), "no seconds"


@pytest.mark.parametrize("locale,empty", [("zh-CN", "请选择…"), ("en-US", "Choose…")])
def test_a_choice_that_decides_the_case_starts_empty(open_page, server, locale, empty):
    opened = server.open_case("ordinary_procedure", f"Choice Bakery {locale}", category="noise")
    case = server.complete(opened, REGISTER)
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto(f"/tasks/{case['ready_tasks'][0]['id']}")
    assert page.input_value("#f-severity") == "" and page.inner_text("#f-severity option:checked") == empty
    assert page.input_value("#f-prior_offences") == "", "no default count of prior offences either"
    page.fill("#f-evidence_summary", "sound level 78 dB")
    page.fill("#f-second_officer", "Li Wei")
    page.click("form[action^='/tasks/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#severity-error").count() == 1 and page.locator("#prior_offences-error").count() == 1


FACTS = {"zh-CN": ("案件情况", "立案登记", "查明的事实"), "en-US": ("The case so far", "Register the case", "Facts found")}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_task_page_shows_the_facts_beside_the_form_on_a_phone_too(open_page, server, locale):
    title, step, label = FACTS[locale]
    case = server.complete(server.open_case("ordinary_procedure", f"Facts Cafe {locale}", category="noise"), REGISTER)
    for phone in (False, True):
        page = open_page(locale, phone=phone)
        sign_in(page, DEMO["officer"])
        page.goto(f"/tasks/{case['ready_tasks'][0]['id']}")
        facts = page.locator("#facts")
        assert title in facts.inner_text()
        earlier = page.locator("#facts-steps [data-step='register_case']")
        assert step in earlier.inner_text() and label in earlier.inner_text()
        assert REGISTER["facts"] in earlier.inner_text() and REGISTER["legal_basis"] in earlier.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert width, "nothing sticks out sideways"
