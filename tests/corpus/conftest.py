"""Corpus fixtures: the API on a fresh SQLite database (PostgreSQL for the smoke test), with the API tests' staff."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.domain import Actor
from engine.services import users
from engine.services.runtime import Runtime
from tests.api.conftest import (PASSWORD, STAFF, WORKER_TOPICS, quick_password_hashing,  # noqa: F401
                                settings)
from tests.conftest import settings_for


def client_on(rt: Runtime, settings) -> TestClient:
    """The API on `rt`, with one account per role of tests/api/conftest.py."""
    setup = Actor.system("tests")
    for username, (role, department) in STAFF.items():
        users.add_user(rt, username=username, password=PASSWORD, role=role, department=department, actor=setup,
                       topics=WORKER_TOPICS if role == "worker" else None)
    return TestClient(create_app(rt, settings=settings))


@pytest.fixture
def corpus_rt(sqlite_store, clock, tmp_path) -> Runtime:
    return Runtime(sqlite_store, clock, settings=settings_for(tmp_path))


@pytest.fixture
def corpus_client(corpus_rt, settings) -> TestClient:
    return client_on(corpus_rt, settings)


@pytest.fixture
def corpus_pg_rt(pg_store, clock, tmp_path) -> Runtime:
    return Runtime(pg_store, clock, settings=settings_for(tmp_path))


def login_with(client: TestClient):
    """login('olga') -> the Authorization header of a token got through POST /api/auth/token."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            cache[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return cache[username]
    return headers
