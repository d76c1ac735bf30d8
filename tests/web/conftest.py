"""Web fixtures: the app with its pages on the contract `rt`, staff of every role, a browser-like client that
keeps cookies and sends the CSRF token the pages render."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from engine.domain import Actor
from engine.services import procedures, users
from tests.builders import an_admin

WEB_FIXTURES = Path(__file__).resolve().parent / "fixtures"
PENALTY = WEB_FIXTURES / "web_penalty.bpmn"
PASSWORD = "correct horse"
STAFF = {"ada": ("admin", None), "olga": ("officer", "cityscape"), "sam": ("supervisor", "cityscape"),
         "audrey": ("auditor", None), "mark": ("officer", "markets")}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_HASHER", fast)
    monkeypatch.setattr(users, "_DUMMY_HASH", fast.hash("no such user"))


@pytest.fixture
def app(rt):
    return create_app(rt, settings=Settings(secret="web-tests-" + "s" * 40))


@pytest.fixture
def staff(rt):
    for username, (role, department) in STAFF.items():
        users.add_user(rt, username=username, password=PASSWORD, role=role, department=department,
                       actor=Actor.system("tests"))


@pytest.fixture
def penalty(rt) -> str:
    return procedures.deploy_procedure(rt, files={PENALTY.name: PENALTY.read_bytes()}, actor=an_admin()).key


class Browser:
    """A TestClient that behaves like a browser on the pages: cookies, and the CSRF token of the last page."""

    def __init__(self, app, language: str = "en"):
        self.client = TestClient(app, base_url="http://dueflow.test", follow_redirects=True)
        self.client.headers["Accept-Language"] = language
        self.token = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        found = _TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: dict | None = None, *, token: str | None = None, **kwargs):
        if not self.token:
            self.get("/login")
        fields = {"csrf_token": self.token if token is None else token, **(data or {})}
        response = self.client.post(url, data=fields, **kwargs)
        found = _TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def sign_in(self, username: str, password: str = PASSWORD):
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})


@pytest.fixture
def browser(app, staff):
    return lambda language="en": Browser(app, language)
