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


# ---- the browser journeys: a real server process and Debian's chromium driven by Playwright ----

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent.parent


def _why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return "no /usr/bin/chromium: `make test` installs Debian's chromium (scripts/setup-test-tools.sh)"
    if not (ROOT / "node_modules" / "bpmn-js" / "dist").is_dir():
        return "no node_modules/bpmn-js: `make install` runs npm install for the diagrams and the modeler"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


class Server:
    """`dueflow serve --demo` on a free port with a fresh SQLite file, and the JSON API to set up journeys."""

    def __init__(self, folder: Path):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = folder / "web.db"
        self.log = folder / "server.log"
        self.process = None
        self._tokens: dict[str, str] = {}

    def start(self) -> None:
        import os
        import subprocess
        import sys
        import time

        import httpx

        env = {**os.environ, "DUEFLOW_SECRET": "browser-journeys-" + "x" * 40}
        command = [sys.executable, "-m", "api.cli", "serve", "--db", f"sqlite:///{self.db}", "--port",
                   str(self.port), "--demo", "--timer-interval", "1", "--no-access-log"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.db.parent, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dueflow serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"dueflow serve did not answer within 90 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except Exception:  # noqa: BLE001 - it would not stop: make sure it does
                self.process.kill()

    def api(self, username: str):
        """An httpx client signed in to the JSON API as a demo user."""
        import httpx

        from api.demo import PASSWORD

        if username not in self._tokens:
            answer = httpx.post(self.url + "/api/auth/token", data={"username": username, "password": PASSWORD})
            answer.raise_for_status()
            self._tokens[username] = answer.json()["access_token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self._tokens[username]}"},
                            timeout=30)

    def deploy(self, name: str, text: str) -> dict:
        with self.api(DEMO["admin"]) as client:
            answer = client.post("/api/procedures", files=[("files", (name, text.encode(), "application/xml"))])
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

    def open_case(self, procedure: str, party: str, **data) -> dict:
        with self.api(DEMO["officer"]) as client:
            answer = client.post("/api/cases", json={"procedure": procedure, "data": {
                "party": {"name": party, "type": "organisation"},
                "location": {"address": "8 Fuxing Road", "grid_cell": "HP-0415"}, **data}})
            assert answer.status_code == 201, answer.text
            return answer.json()

    def complete(self, case: dict, data: dict, username: str | None = None) -> dict:
        with self.api(username or DEMO["officer"]) as client:
            answer = client.post(f"/api/tasks/{case['ready_tasks'][0]['id']}/complete", json={"data": data})
            assert answer.status_code == 200, answer.text
            return answer.json()


def _demo_users() -> dict[str, str]:
    from api.demo import USERS

    return {role.value: name for role, name in USERS.items()}


DEMO = _demo_users()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    running = Server(tmp_path_factory.mktemp("web-server"))
    running.start()
    running.deploy(PENALTY.name, PENALTY.read_text())
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chromium(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def open_page(chromium, server):
    """open_page(locale="en-US", phone=False) -> a page in a fresh browser context (its own cookies)."""
    contexts = []

    def new(locale: str = "en-US", phone: bool = False):
        options = PHONE if phone else {"viewport": {"width": 1280, "height": 900}}
        context = chromium.new_context(locale=locale, base_url=server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page
    yield new
    for context in contexts:
        context.close()


def sign_in(page, username: str) -> None:
    from api.demo import PASSWORD

    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
