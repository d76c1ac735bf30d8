"""axe-core on every page every role reaches from the navigation (and the pages those link to), in Chinese
and English, at a desktop's width and a 360 px phone's: no serious or critical violation, each named by page,
rule and element. Each page is loaded once and checked at both widths (the pages' CSS switches on width)."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from tests.web import axe
from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LOCALES = {"zh": "zh-CN", "en": "en-US"}
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 360, "height": 780}
EXTRA_ROLES = {"coordinator": None, "inspector": "cityscape", "worker": None}  # not among the demo's users
# Links that act or leave the pages rather than show one: signing out, switching language, files
_NOT_PAGES = re.compile(r"^/(logout|lang/|static/|api/|party/documents/)|/documents/\d+|\.bpmn$|/export")
PASSWORD = "accessible-" + "p" * 12


def _shape(href: str) -> str:
    """One page per template: /cases/12 and /cases/15 look alike, so only the first is checked."""
    parts = urlsplit(href)
    path = "/".join("N" if re.search(r"\d", segment) else segment for segment in parts.path.split("/"))
    return path + ("?" + re.sub(r"=[^&]*", "=", parts.query) if parts.query else "")


def _links(page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href') || '')")
    return [h for h in hrefs if h.startswith("/") and not h.startswith("//")
            and not _NOT_PAGES.search(urlsplit(h).path)]


def _both_viewports(page, name: str) -> list[str]:
    """The page as a desktop shows it, then as a 360 px phone does (the CSS of both), then back."""
    found = [f"[desktop] {p}" for p in axe.violations(page, name=name)]
    page.set_viewport_size(PHONE)
    found += [f"[phone] {p}" for p in axe.violations(page, name=name)]
    page.set_viewport_size(DESKTOP)
    return found


def _check_everything(page, start: str) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()

    def visit(href: str) -> list[str]:
        if _shape(href) in seen:
            return []
        seen.add(_shape(href))
        response = page.goto(href)
        if response is not None and "text/html" not in response.headers.get("content-type", ""):
            return []  # a file the page offers (the bulletin's PDF, an export), not a page
        problems.extend(_both_viewports(page, href))
        return _links(page, "main a[href]")

    page.goto(start)
    navigation = _links(page, "header nav a[href]")
    assert navigation, f"no navigation on {start}"
    for href in navigation:
        for link in visit(href):
            visit(link)
    visit("/no-such-page")  # the error page too
    return problems


@pytest.fixture(scope="module")
def everyone(server):
    """The demo's users plus the roles it does not seed, and a case waiting for its party's statement."""
    with server.api(DEMO["admin"]) as client:
        for role, department in EXTRA_ROLES.items():
            answer = client.post("/api/users", json={
                "username": f"axe_{role}", "password": PASSWORD, "role": role, "department": department,
                **({"topics": ["registry-check"]} if role == "worker" else {})})
            assert answer.status_code in (201, 409, 422), answer.text
    case = server.open_case("web_penalty", "Accessible Tea House", category="street_order")
    code = case["access_code"]
    today = date.today().isoformat()
    case = server.complete(case, {"findings": "Chairs on the pavement", "inspected_on": today, "severity": "serious"})
    case = server.complete(case, {"proposed_fine": 500, "served_on": today})
    return {"case": case, "code": code}


ROLES = sorted(DEMO) + sorted(EXTRA_ROLES)


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("role", ROLES + ["party"])
def test_no_serious_violation_on_any_page(server, open_page, everyone, role, language):
    page = open_page(LOCALES[language])
    axe.watch(page.context)
    if role == "party":
        page.goto("/party")
        problems = _both_viewports(page, "/party")
        page.fill("#case_no", everyone["case"]["case_no"])
        page.fill("#code", everyone["code"])
        page.click("form[action='/party/login'] button")
        page.wait_for_url("**/party/case")
        problems += _check_everything(page, "/party/case")
    else:
        page.goto("/login")
        problems = _both_viewports(page, "/login")
        if role in DEMO:
            sign_in(page, DEMO[role])
        else:
            _sign_in_with(page, f"axe_{role}")
        problems += _check_everything(page, "/")
    assert not problems, f"{role} ({language}):\n" + "\n".join(problems)
    assert page.errors == [], page.errors


def _sign_in_with(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
