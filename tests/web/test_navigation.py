"""Every page a signed-in user can reach from the navigation, and every page those link to, answers without a
server error: for every role, in Chinese and in English, on both databases."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from engine.domain import Actor, Role
from engine.services import tasks, users
from tests.builders import a_case, an_officer
from tests.web.conftest import PASSWORD

_NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
_HREF = re.compile(r'href="(/[^"#]*)"')
# Links that act or leave the pages rather than show one: signing out, switching language, files
_NOT_PAGES = re.compile(r"^/(logout|lang/|static/|api/|party/documents/)|/documents/\d+$|\.bpmn$")
STAFF_ROLES = [role for role in Role if role not in (Role.PARTY, Role.SYSTEM)]
LANGUAGES = {"zh": "zh-CN,zh;q=0.9", "en": "en"}


def _links(html: str, *, nav_only: bool = False) -> list[str]:
    scope = "".join(_NAV.findall(html)) if nav_only else html
    return [href for href in _HREF.findall(scope) if not _NOT_PAGES.search(urlsplit(href).path)]


def _crawl(b, start: str) -> dict[str, int]:
    """Status of every navigation page and of every page it links to (one level further)."""
    first = b.get(start)
    assert first.status_code < 500, f"{start}: {first.status_code}"
    seen: dict[str, int] = {}
    navigation = _links(first.text, nav_only=True)
    assert navigation, f"no navigation on {start}"
    for href in navigation:
        page = b.get(href)
        seen[href] = page.status_code
        for link in _links(page.text):
            if link not in seen:
                seen[link] = b.get(link).status_code
    return seen


@pytest.fixture
def a_case_in_each_state(rt, penalty):
    """Cases with a worklist task, one further on, and one whose notice is served (the party's pages show it)."""
    a_case(rt, penalty)
    case = a_case(rt, penalty)
    view = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                               data={"findings": "stall on the pavement", "inspected_on": "2026-03-02"})
    tasks.complete_task(rt, task_id=view.ready_tasks[0].id, actor=an_officer(),
                        data={"proposed_fine": 300, "served_on": "2026-03-02"})
    return case


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", STAFF_ROLES, ids=lambda r: r.value)
def test_every_page_of_the_navigation_loads_for_every_role(browser, rt, a_case_in_each_state, role, language):
    username = f"nav_{role.value}"
    department = None if role in (Role.ADMIN, Role.AUDITOR, Role.WORKER) else "cityscape"
    users.add_user(rt, username=username, password=PASSWORD, role=role.value, department=department,
                   actor=Actor.system("tests"), topics=["registry-check"] if role == Role.WORKER else None)
    b = browser(LANGUAGES[language])
    assert b.sign_in(username).status_code == 200
    statuses = _crawl(b, "/")
    errors = {href: status for href, status in statuses.items() if status >= 500}
    assert not errors, f"{role.value} ({language}): server errors on {errors}"
    if role != Role.AUDITOR:
        assert statuses.get("/cases") == 200, "the Cases page opens"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_of_the_party_portal_loads(browser, a_case_in_each_state, language):
    case = a_case_in_each_state
    b = browser(LANGUAGES[language])
    b.get("/party")
    assert b.post("/party/login", {"case_no": case.case_no, "code": case.access_code}).status_code == 200
    statuses = _crawl(b, "/party/case")
    errors = {href: status for href, status in statuses.items() if status >= 500}
    assert not errors, f"party ({language}): server errors on {errors}"
