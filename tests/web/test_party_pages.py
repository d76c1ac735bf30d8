"""The regulated party's pages in a real browser, in Chinese and in English, on a 360 px phone: at every stage of
a real case of the bundled ordinary procedure they say what to do, by when (no seconds), whom to call and what
comes next; the timeline says what happened in the party's terms. Periods pass by firing the case's timers with a
later clock on the server's own database (engine.services.timers), as the server's loop would days later."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from api.demo import AGENCY_CONTACT
from tests.web.conftest import DEMO, PENALTY

pytestmark = [pytest.mark.web, pytest.mark.slow]
TODAY = date.today().isoformat()
SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
WORDS = {  # (locale, what the page must say)
    "zh": {"locale": "zh-CN", "remedy": "前改正责令改正的内容", "recheck": "复查", "phone": AGENCY_CONTACT["DUEFLOW_AGENCY_PHONE"],
           "hours": AGENCY_CONTACT["DUEFLOW_AGENCY_HOURS"], "statement": "陈述和申辩", "amount": "元",
           "heavier": "不得因您陈述、申辩而给予更重的处罚", "law45": "《中华人民共和国行政处罚法》第四十五条",
           "notice": "已向您送达《行政处罚事先告知书》。", "stated": "您提交了陈述申辩意见。",
           "ordered": "我们责令您改正违法行为。", "remedy_ended": "改正期限届满。", "pay": "前缴纳罚款",
           "surcharge": "3%", "per_day": "60 元", "bank": AGENCY_CONTACT["DUEFLOW_AGENCY_PAYMENT"][:12],
           "decision": "已向您送达《行政处罚决定书》。", "waived": "您放弃了陈述申辩的权利。", "step": "完成了一个步骤",
           "office_due": "最迟在", "served_order": "已向您送达《责令改正通知书》。"},
    "en": {"locale": "en-US", "remedy": "Correct what you were ordered to correct by", "recheck": "re-inspects",
           "phone": AGENCY_CONTACT["DUEFLOW_AGENCY_PHONE"], "hours": AGENCY_CONTACT["DUEFLOW_AGENCY_HOURS_EN"],
           "statement": "state your case", "amount": "yuan",
           "heavier": "The fine cannot be raised because you spoke", "law45": "Administrative Penalty Law, article 45",
           "notice": "We served you the notice of the proposed penalty and of your rights.",
           "stated": "You submitted a statement.", "ordered": "We ordered you to correct the violation.",
           "remedy_ended": "The period to correct ended.", "pay": "Pay the fine by", "surcharge": "3%",
           "per_day": "60 yuan", "bank": AGENCY_CONTACT["DUEFLOW_AGENCY_PAYMENT_EN"][:30],
           "decision": "We served you the penalty decision.", "waived": "You gave up your right to state your case.",
           "step": "completed a step", "office_due": "at the latest",
           "served_order": "We served you the document: Notice of order to correct."},
}


def _pass_days(server, days: int) -> None:
    """Fire every timer due within `days` on the server's database, as its timer loop would then."""
    from engine.bootstrap import build_runtime, settings_from_env
    from engine.services import timers

    later = datetime.now(timezone.utc) + timedelta(days=days)
    env = {"DUEFLOW_SECRET": "browser-journeys-" + "x" * 40, "DUEFLOW_VAR": str(server.db.parent / "var")}
    rt = build_runtime(settings_from_env(env, database_url=f"sqlite:///{server.db}"), clock=lambda: later,
                       migrate=False)
    timers.fire_due_timers(rt, now=later)
    rt.store.dispose()


def _view(server, case: dict) -> dict:
    with server.api(DEMO["officer"]) as client:
        return client.get(f"/api/cases/{case['id']}").json()


def _do(server, case: dict, data: dict, role: str = "officer") -> dict:
    return server.complete(_view(server, case), data, DEMO[role])


def _ordered_to_correct(server, party: str) -> tuple[dict, str]:
    """A real case of the ordinary procedure in its remedy period, and its access code."""
    opened = server.open_case("ordinary_procedure", party, category="noise")
    case = _do(server, opened, {"facts": "Amplified music after 22:00", "legal_basis": "Noise Law art. 87",
                                "filed_on": TODAY})
    case = _do(server, case, {"evidence_summary": "72 dB(A) at the nearest window", "second_officer": "oscar",
                              "severity": "moderate", "prior_offences": 1})
    case = _do(server, case, {"outcome": "violation"})
    case = _do(server, case, {"correction_required": "Turn the music off at 22:00", "remedy_days": 7})
    with server.api(DEMO["officer"]) as client:  # the order the step issued is served on the party
        issued = client.get(f"/api/cases/{case['id']}/issued-documents").json()
        order = next(d for d in issued if d["template"] == "order_to_correct")
        served = client.post(f"/api/cases/{case['id']}/issued-documents/{order['view']['id']}/service",
                             data={"method": "in_person", "served_at": datetime.now(timezone.utc).isoformat(),
                                   "recipient": "Manager Wang Wu"})
        assert served.status_code == 200, served.text
    return case, opened["access_code"]


def _notified(server, case: dict) -> dict:
    _pass_days(server, 8)
    case = _do(server, case, {"corrected": False})
    return _do(server, case, {"served_on": TODAY, "service_method": "in_person"})


def _party_page(open_page, locale: str, case: dict, code: str):
    page = open_page(locale, phone=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/party")
    page.fill("#case_no", case["case_no"])
    page.fill("#code", code)
    page.click("form[action='/party/login'] button")
    page.wait_for_selector("#now")
    return page


def _shoot(page, name: str) -> None:
    """With DUEFLOW_SCREENSHOTS=docs/screenshots, the README's picture of this page (tests/web/test_screenshots.py)."""
    folder = os.environ.get("DUEFLOW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _fits_and_has_no_seconds(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == 360, f"no horizontal scroll on a 360 px phone: {width}"
    assert not SECONDS.search(page.inner_text("main")), "dates and times without seconds"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_stage_says_what_to_do_by_when_whom_to_call_and_what_follows(language, server, open_page):
    words = WORDS[language]
    case, code = _ordered_to_correct(server, f"Night Owl Bar {language}")
    page = _party_page(open_page, words["locale"], case, code)
    assert page.get_attribute("#now", "data-situation") == "remedy_period"
    todo = page.inner_text("#todo")
    assert words["remedy"] in todo and re.search(r"\d{1,2}:\d{2}", todo), "what to correct by which date and hour"
    assert "Turn the music off at 22:00" in page.inner_text("#orders"), "the order as the officer wrote it"
    assert words["recheck"] in page.inner_text("#next"), "how it will be checked"
    contact = page.inner_text("#contact")
    assert words["phone"] in contact and words["hours"] in contact
    assert page.get_attribute("#contact a[href^='tel:']", "href") == "tel:021-63201234"
    assert page.locator(".timeline li[data-what='document_served']").count() == 1, "the served order"
    _fits_and_has_no_seconds(page)
    page.goto("/party/documents")
    assert page.locator("#served-documents tr[data-document]").count() == 1
    _fits_and_has_no_seconds(page)
    page.goto("/party/case")

    notified = _notified(server, case)
    page.reload()
    assert page.get_attribute("#now", "data-situation") == "statement_period"
    assert words["statement"] in page.inner_text("#todo") and words["law45"] in page.inner_text("#next")
    proposed = notified["data"]["proposed_fine"]
    assert f"{proposed:,}" in page.inner_text("#amount") and words["amount"] in page.inner_text("#amount")
    _fits_and_has_no_seconds(page)

    with server.api(DEMO["officer"]) as client:
        client.post(f"/api/cases/{case['id']}/messages", json={"name": "waiver_received", "payload": {}})
    decided = _do(server, case, {"review_opinion": "facts, evidence and basis are sound", "approved": True},
                  "legal_reviewer")
    decided = _do(server, decided, {"fine_amount": 2000, "decision_no": f"CG-{language}", "decided_on": TODAY},
                  "supervisor")
    _do(server, decided, {"decision_served_on": TODAY, "decision_service_method": "in_person"})
    page.reload()
    assert page.get_attribute("#now", "data-situation") == "payment"
    assert words["pay"] in page.inner_text("#todo") and "2,000" in page.inner_text("#amount")
    assert words["bank"] in page.inner_text("#where-to-pay"), "where to pay, from the agency's settings"
    surcharge = page.inner_text("#surcharge")
    assert words["surcharge"] in surcharge and words["per_day"] in surcharge, "3% of 2,000 a day after the last day"
    timeline = page.inner_text(".timeline")
    for said in ("ordered", "served_order", "remedy_ended", "notice", "waived", "decision"):
        assert words[said] in timeline, said
    assert words["step"] not in timeline, "no anonymous 'a step was completed'"
    assert page.locator(".timeline li[data-what='internal'] + li[data-what='internal']").count() == 0
    _fits_and_has_no_seconds(page)
    _shoot(page, f"party-phone-{language}")
    assert page.errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_after_a_statement_the_page_says_the_office_must_recheck_it_by_a_date(language, server, open_page):
    words = WORDS[language]
    case, code = _ordered_to_correct(server, f"Corner Shop {language}")
    _notified(server, case)
    page = _party_page(open_page, words["locale"], case, code)
    page.fill("#text", "The music was off at 21:55; the noise came from the street.")
    page.click("form[action='/party/statement'] button[type=submit]")
    page.wait_for_selector(".flash")
    assert page.get_attribute("#now", "data-situation") == "statement_received"
    follows = page.inner_text("#next")
    assert words["heavier"] in follows and words["law45"] in follows
    assert words["office_due"] in follows and re.search(r"\d{1,2}:\d{2}", follows), "re-checked by a date"
    assert "before the period ends" not in page.inner_text("main")
    assert page.locator(".timeline li").first.inner_text().endswith(words["stated"]), "newest first, in their terms"
    _fits_and_has_no_seconds(page)
    assert page.errors == []


STAGE = '<camunda:property name="stage" value="statement_period"/>'
GUIDED = (STAGE + '<camunda:property name="party_guidance" '
          'value="Bring your business licence when you come to state your case."/>'
          '<camunda:property name="party_guidance_zh" value="前来陈述申辩时，请携带营业执照原件。"/>')


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_procedure_adds_its_own_words_to_a_stage(language, server, open_page):
    marker = ('<camunda:property name="stage" value="statement_period"/><camunda:property name="name_zh" '
              'value="陈述申辩期届满"/>')
    text = PENALTY.read_text().replace('id="web_penalty"', 'id="guided_penalty"')
    assert marker in text
    server.deploy("guided_penalty.bpmn", text.replace(marker, marker.replace(STAGE, GUIDED)))
    opened = server.open_case("guided_penalty", f"Guided Noodles {language}")
    case = server.complete(opened, {"findings": "Tables on the pavement", "inspected_on": TODAY,
                                    "severity": "minor"})
    case = server.complete(case, {"proposed_fine": 300, "served_on": TODAY})
    page = _party_page(open_page, WORDS[language]["locale"], case, opened["access_code"])
    expected = "前来陈述申辩时，请携带营业执照原件。" if language == "zh" else \
        "Bring your business licence when you come to state your case."
    assert page.inner_text("#procedure-guidance") == expected
    _fits_and_has_no_seconds(page)
