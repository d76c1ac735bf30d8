"""API test fixtures: the app on the contract `rt` (SQLite and PostgreSQL), staff of every role, tokens."""
from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from engine.domain import Actor
from engine.services import users
from tests.builders import FIXTURES

SECRET = "api-tests-" + "s" * 40
PASSWORD = "correct horse"
API_FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTICE_FILES = [FIXTURES / "notice.bpmn", FIXTURES / "fine_amount.dmn"]
# username -> (role, department): two departments, so "another department" can be tested
STAFF = {"ada": ("admin", None), "olga": ("officer", "cityscape"), "sam": ("supervisor", "cityscape"),
         "lena": ("legal_reviewer", "cityscape"), "dan": ("dispatcher", None), "audrey": ("auditor", None),
         "mark": ("officer", "markets"), "sue": ("supervisor", "markets"), "walt": ("worker", None)}
WORKER_TOPICS = ["registry-check", "org.example.SendNotice"]  # walt's topics (examples/external_tasks.bpmn)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """argon2 with tiny costs: the tests check the flow, not the cost parameters (130 ms a hash here)."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_HASHER", fast)
    monkeypatch.setattr(users, "_DUMMY_HASH", fast.hash("no such user"))


@pytest.fixture
def settings() -> Settings:
    return Settings(secret=SECRET)


@pytest.fixture
def app(rt, settings):
    return create_app(rt, settings=settings)


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def staff(rt) -> dict[str, Actor]:
    """One account per role (and a second department's officer and supervisor)."""
    setup = Actor.system("tests")
    for username, (role, department) in STAFF.items():
        users.add_user(rt, username=username, password=PASSWORD, role=role, department=department, actor=setup,
                       topics=WORKER_TOPICS if role == "worker" else None)
    return {name: users.current_actor(rt, username=name) for name in STAFF}


@pytest.fixture
def login(client, staff):
    """login('olga') -> the Authorization header of a token got through POST /api/auth/token."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            cache[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return cache[username]
    return headers


def upload(*paths: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (path.name, path.read_bytes(), "application/xml")) for path in paths]


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape, with the status and (when given) the stable code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
