"""A real `dueflow serve` process (uvicorn) on a free port: a case completed over the network with httpx."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.api.conftest import NOTICE_FILES, upload

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dueflow(*args: str, cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def server(tmp_path):
    """`dueflow serve` on a fresh SQLite file, with an admin added through `dueflow users add`."""
    url, port = f"sqlite:///{tmp_path / 'dueflow.db'}", free_port()
    env = {**os.environ, "DUEFLOW_SECRET": "server-test-" + "k" * 40, "PYTHONPATH": os.getcwd()}
    added = dueflow("users", "add", "ada", "--role", "admin", "--password", "admin pass", "--db", url,
                    cwd=tmp_path, env=env)
    assert added.returncode == 0, added.stderr
    log = open(tmp_path / "serve.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--db", url, "--port", str(port),
                                "--timer-interval", "1"], cwd=tmp_path, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dueflow serve exited: {(tmp_path / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("dueflow serve did not answer within 60 s")
    yield base
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_a_case_is_completed_over_the_network(server):
    with httpx.Client(base_url=server, timeout=30) as http:
        def sign_in(username, password):
            token = http.post("/api/auth/token", data={"username": username, "password": password})
            assert token.status_code == 200, token.text
            return {"Authorization": f"Bearer {token.json()['access_token']}"}
        admin = sign_in("ada", "admin pass")
        for username, role in (("olga", "officer"), ("sam", "supervisor")):
            added = http.post("/api/users", headers=admin, json={
                "username": username, "password": "long enough", "role": role, "department": "cityscape"})
            assert added.status_code == 201, added.text
        deployed = http.post("/api/procedures", headers=admin, files=upload(*NOTICE_FILES))
        assert deployed.status_code == 201, deployed.text
        officer, supervisor = sign_in("olga", "long enough"), sign_in("sam", "long enough")
        case = http.post("/api/cases", headers=officer, json={"procedure": "notice", "data": {
            "party": {"name": "Green Grocer Ltd", "type": "organisation"}}}).json()
        inspected = http.post(f"/api/tasks/{case['ready_tasks'][0]['id']}/complete", headers=officer, json={
            "data": {"findings": "crates", "severity": "serious", "fine_due": True}})
        assert inspected.status_code == 200, inspected.text
        approve = inspected.json()["ready_tasks"][0]["id"]
        assert http.post(f"/api/tasks/{approve}/complete", headers=supervisor,
                         json={"data": {"approved_by": "sam"}}).status_code == 200
        again = http.post(f"/api/tasks/{approve}/complete", headers=supervisor, json={"data": {"approved_by": "sam"}})
        assert again.status_code == 409 and again.json()["error"]["code"] == "task_already_completed"
        paid = http.post(f"/api/cases/{case['id']}/messages", headers=officer, json={"name": "fine_paid"})
        assert paid.json()["status"] == "closed"
        assert http.get("/api/audit/verify", headers=admin).json()["ok"] is True


def test_a_runaway_procedure_is_stopped_while_the_server_keeps_answering(server):
    import threading

    from tests.security.procedures import probe

    with httpx.Client(base_url=server, timeout=60) as http:
        token = http.post("/api/auth/token", data={"username": "ada", "password": "admin pass"}).json()
        admin = {"Authorization": f"Bearer {token['access_token']}"}
        runaway = probe(script="total = 0\nfor i in range(10 ** 11):\n    total += i")
        assert http.post("/api/procedures", headers=admin,
                         files=[("files", ("probe.bpmn", runaway["probe.bpmn"], "application/xml"))]).status_code == 201
        assert http.post("/api/users", headers=admin, json={"username": "olga", "password": "long enough",
                         "role": "officer", "department": "cityscape"}).status_code == 201
        token = http.post("/api/auth/token", data={"username": "olga", "password": "long enough"}).json()
        officer = {"Authorization": f"Bearer {token['access_token']}"}
        case = http.post("/api/cases", headers=officer, json={"procedure": "probe", "data": {}}).json()
        task = case["ready_tasks"][0]["id"]
        answered: list[str] = []

        def complete():
            with httpx.Client(base_url=server, timeout=60) as other:
                reply = other.post(f"/api/tasks/{task}/complete", headers=officer, json={"data": {}})
            answered.append(f"completion {reply.status_code} {reply.json()['error']['code']}")

        worker = threading.Thread(target=complete)
        worker.start()
        while worker.is_alive():  # meanwhile other requests are served
            if http.get("/api/health").status_code == 200 and not answered:
                answered.append("health")
            time.sleep(0.05)
        worker.join()
    assert "health" in answered and answered[-1] == "completion 422 budget_exceeded", answered
    with httpx.Client(base_url=server, timeout=30) as http:
        still = http.get(f"/api/cases/{case['id']}", headers=admin).json()
        assert [t["id"] for t in still["ready_tasks"]] == [task], "the case kept its state"
        assert http.get("/api/incidents", headers=admin).json()[0]["code"] == "budget_exceeded"
