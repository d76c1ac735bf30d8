"""Errors as a person sees them: a browser gets an HTML page in its language (title, lang, a plain explanation,
a way back) for 401, 403, 404, 409, 422 and 500; the JSON API keeps its JSON error shape."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.web import officer
from tests.builders import a_case

LANGUAGES = {"zh": ("zh-CN,zh;q=0.9", "zh-Hans"), "en": ("en", "en")}
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what a browser sends
EXPLAINED = {  # status -> the start of its explanation in each language
    401: {"zh": "您需要登录", "en": "You need to sign in"},
    403: {"zh": "您的角色或部门不允许", "en": "Your role or department does not allow"},
    404: {"zh": "此地址没有页面", "en": "There is no page at this address"},
    409: {"zh": "案件已有变化", "en": "The case has changed"},
    422: {"zh": "提交的部分内容无法接受", "en": "Some of what was sent could not be accepted"},
    500: {"zh": "我们这边出了问题", "en": "Something went wrong on our side"},
}


def _assert_error_page(answer, status: int, language: str, *, back: str | None = None) -> str:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert f'<html lang="{LANGUAGES[language][1]}">' in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert title and not title.startswith("·"), f"the page has no title: {title!r}"
    assert EXPLAINED[status][language] in html
    assert 'href="/"' in html or 'href="/party' in html, "a way home"
    if back:
        assert f'href="{back}" rel="prev"' in html, "a way back to the page the reader came from"
    return html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_browser_gets_pages_for_401_403_404_409_and_422(browser, rt, penalty, language):
    b = browser(LANGUAGES[language][0])
    anonymous = b.client
    _assert_error_page(anonymous.get("/no/such/page", headers={"accept": HTML}), 404, language)
    html = _assert_error_page(anonymous.get("/api/cases", headers={"accept": HTML}), 401, language)
    assert 'href="/login"' in html, "a way to sign in"
    _assert_error_page(anonymous.get("/api/public/statistics?year=1", headers={"accept": HTML}), 422, language)

    assert b.sign_in("olga").status_code == 200
    _assert_error_page(b.get("/admin/users", headers={"accept": HTML, "referer": "http://dueflow.test/work"}),
                       403, language, back="/work")
    case = a_case(rt, penalty)
    b.get(f"/cases/{case.id}")
    conflict = b.post(f"/cases/{case.id}/messages", {"message": "no_such_message"},
                      headers={"referer": f"http://dueflow.test/cases/{case.id}"})
    _assert_error_page(conflict, 409, language, back=f"/cases/{case.id}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_crash_is_a_page_in_the_readers_language(app, staff, monkeypatch, language):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk fell off")

    monkeypatch.setattr(officer.tasks, "ready_tasks", broken)
    client = TestClient(app, base_url="http://dueflow.test", raise_server_exceptions=False)
    client.headers["Accept-Language"] = LANGUAGES[language][0]
    client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"csrf_token": token, "username": "olga", "password": "correct horse"})
    html = _assert_error_page(client.get("/work", headers={"accept": HTML}), 500, language)
    assert "the disk fell off" not in html, "the page never shows the internals"


def test_the_json_api_keeps_its_json_errors(browser):
    client = browser().client
    for path, status, code in (("/api/no-such-thing", 404, "not_found"), ("/api/cases", 401, "not_authenticated"),
                               ("/api/public/statistics?year=1", 422, "invalid_request")):
        answer = client.get(path)
        assert answer.status_code == status and answer.headers["content-type"].startswith("application/json")
        assert answer.json()["error"]["code"] == code and set(answer.json()["error"]) == {"code", "message", "details"}
    asked = client.get("/no/such/page", headers={"accept": "application/json"})
    assert asked.status_code == 404 and asked.json()["error"]["code"] == "not_found"
