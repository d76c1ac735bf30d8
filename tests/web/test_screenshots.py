"""The main pages in both languages, photographed in the browser: each must render in its language without a
script error. `DUEFLOW_SCREENSHOTS=docs/screenshots pytest -m web -k screenshots` refreshes the README's
pictures; otherwise they go to a temporary folder and only the checks count."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LANGUAGES = {"en": ("en-US", "Procedures"), "zh": ("zh-CN", "程序")}
TODAY = date.today().isoformat()


@pytest.fixture(scope="module")
def scene(server):
    """A case waiting for the party's statement, with evidence, and the demo case that went furthest."""
    case = server.open_case("web_penalty", "Harbour View Restaurant", category="street_order")
    access_code = case["access_code"]
    case = server.complete(case, {"findings": "Tables and chairs on the pavement", "inspected_on": TODAY,
                                  "severity": "serious"})
    case = server.complete(case, {"proposed_fine": 2000, "served_on": TODAY})
    with server.api(DEMO["officer"]) as client:
        summaries = client.get("/api/cases", params={"limit": 200}).json()["items"]
        views = [client.get(f"/api/cases/{s['id']}").json() for s in summaries]
        demo = [v for v in views if v["procedure"] == "ordinary_procedure" and v["status"] == "open"]
        furthest = max(demo, key=lambda v: v["row_version"], default=case)  # the most steps taken
        fresh = server.open_case("web_penalty", "Riverside Kiosk")
    return {"case": case, "code": access_code, "demo": furthest, "fresh": fresh}


def _folder(tmp_path_factory) -> Path:
    chosen = os.environ.get("DUEFLOW_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_main_pages_in_both_languages(language, server, scene, open_page, tmp_path_factory):
    locale, nav_word = LANGUAGES[language]
    folder = _folder(tmp_path_factory)
    shots: list[str] = []

    def shoot(page, name: str, wait: str | None = None, full: bool = True) -> None:
        if wait:
            page.wait_for_selector(wait)
        assert page.get_attribute("html", "lang") == ("zh-Hans" if language == "zh" else "en")
        assert page.locator("h1").count() >= 1
        page.screenshot(path=str(folder / f"{name}-{language}.png"), full_page=full)
        shots.append(name)

    officer = open_page(locale)
    sign_in(officer, DEMO["officer"])
    assert nav_word in officer.inner_text("header nav")
    shoot(officer, "officer-worklist")
    officer.goto(f"/cases/{scene['demo']['id']}")
    shoot(officer, "officer-case", ".diagram[data-ready='true']")
    officer.goto(f"/tasks/{scene['fresh']['ready_tasks'][0]['id']}")
    officer.click("form[action^='/tasks/'] button[type=submit]")
    officer.wait_for_selector(".error-text")
    shoot(officer, "officer-task-form", ".diagram[data-ready='true']")

    phone = open_page(locale, phone=True)
    sign_in(phone, DEMO["officer"])
    shoot(phone, "phone-worklist")
    phone.goto("/party")
    phone.context.clear_cookies()
    phone.goto("/party")
    phone.fill("#case_no", scene["case"]["case_no"])
    phone.fill("#code", scene["code"])
    phone.click("form[action='/party/login'] button")
    shoot(phone, "party-case", "#statement")

    admin = open_page(locale)
    sign_in(admin, DEMO["admin"])
    admin.goto("/admin/procedures")
    shoot(admin, "admin-procedures")
    admin.goto("/admin/modeler?key=ordinary_procedure")
    admin.wait_for_selector("#canvas[data-ready='true']")
    admin.click("#check")
    admin.wait_for_selector("#status.notice.ok, #status.notice.bad")
    admin.locator(".djs-element[data-element-id='investigate']").first.click()  # the panel shows a user task
    admin.wait_for_selector("#properties-panel [data-group-id='group-dueflow']")
    shoot(admin, "admin-modeler", full=False)
    admin.goto("/admin/users")
    shoot(admin, "admin-users")

    auditor = open_page(locale)
    sign_in(auditor, DEMO["auditor"])
    auditor.goto(f"/audit/cases/{scene['case']['id']}")
    auditor.click("#verify")
    auditor.wait_for_selector("#verify-result [data-verified]")
    shoot(auditor, "auditor-timeline", ".diagram[data-ready='true']")
    auditor.goto("/audit/verify?run=1")
    shoot(auditor, "auditor-verify", "[data-verified]")

    for page in (officer, phone, admin, auditor):
        assert page.errors == [], page.errors
    assert len(shots) == 10
