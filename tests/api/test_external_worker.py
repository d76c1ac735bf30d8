"""The worker helper against a real `dueflow serve` process: it signs in as a worker account, fetches the
example procedure's tasks, and completes them or throws the BPMN error its handler raises; a handler that
breaks reports a failure, and with its retries used up the task waits as an incident."""
from __future__ import annotations

import httpx
import pytest

from api.external_worker import ExternalWorker
from examples import permit_worker
from tests.api.test_server import server  # noqa: F401  (the real server fixture)
from tests.builders import ROOT

pytestmark = pytest.mark.slow
EXAMPLE = ROOT / "examples" / "external_tasks.bpmn"


def _sign_in(http, username, password):
    token = http.post("/api/auth/token", data={"username": username, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _drain(worker: ExternalWorker) -> int:
    worked, rounds = 0, 0
    while rounds < 10:
        rounds += 1
        done = worker.run_once()
        worked += done
        if not done:
            return worked
    raise AssertionError("the worker kept finding tasks")


def test_the_helper_works_the_example_procedure_against_a_real_server(server):  # noqa: F811
    with httpx.Client(base_url=server, timeout=30) as http:
        admin = _sign_in(http, "ada", "admin pass")
        for body in ({"username": "olga", "password": "long enough", "role": "officer", "department": "cityscape"},
                     {"username": "walt", "password": "worker pass", "role": "worker",
                      "topics": ["registry-check", "org.example.SendNotice"]}):
            added = http.post("/api/users", headers=admin, json=body)
            assert added.status_code == 201, added.text
        deployed = http.post("/api/procedures", headers=admin,
                             files=[("files", (EXAMPLE.name, EXAMPLE.read_bytes(), "application/xml"))])
        assert deployed.status_code == 201, deployed.text
        officer = _sign_in(http, "olga", "long enough")
        known, unknown = (http.post("/api/cases", headers=officer, json={
            "procedure": "permit_check", "data": {"applicant": name}}).json() for name in ("Green Grocer", "Nobody"))

        worker = ExternalWorker(server, username="walt", password="worker pass", handlers={
            "registry-check": permit_worker.check_registry, "org.example.SendNotice": permit_worker.send_notice})
        try:
            assert _drain(worker) == 3  # two registry checks, one notice (the unknown one went to an officer)
        finally:
            worker.close()

        first = http.get(f"/api/cases/{known['id']}", headers=officer).json()
        assert (first["status"], first["ready_tasks"], first["data"]["registry_no"]) == \
            ("open", [], "91310000MA1K00001X")
        closed = http.post(f"/api/cases/{known['id']}/messages", headers=officer, json={"name": "receipt_confirmed"})
        assert closed.json()["status"] == "closed", closed.text
        second = http.get(f"/api/cases/{unknown['id']}", headers=officer).json()
        assert [t["element_id"] for t in second["ready_tasks"]] == ["check_by_hand"]
        events = [e["event_type"] for e in http.get(f"/api/cases/{known['id']}/audit", headers=admin).json()]
        assert events.count("external_task_locked") == 2 and events.count("external_task_completed") == 2
        assert http.get("/api/audit/verify", headers=admin).json()["ok"] is True


def test_a_breaking_handler_fails_the_task_until_an_incident_waits(server):  # noqa: F811
    with httpx.Client(base_url=server, timeout=30) as http:
        admin = _sign_in(http, "ada", "admin pass")
        assert http.post("/api/users", headers=admin, json={"username": "walt", "password": "worker pass",
                         "role": "worker", "topics": ["registry-check"]}).status_code == 201
        assert http.post("/api/procedures", headers=admin, files=[
            ("files", (EXAMPLE.name, EXAMPLE.read_bytes(), "application/xml"))]).status_code == 201
        case = http.post("/api/cases", headers=admin, json={"procedure": "permit_check", "data": {},
                                                            "department": "cityscape"})
        assert case.status_code == 201, case.text

        def broken(task):
            raise ConnectionError("the registry does not answer")

        worker = ExternalWorker(server, username="walt", password="worker pass", retries=2, retry_timeout_ms=0,
                                handlers={"registry-check": broken})
        try:
            assert _drain(worker) == 2  # tried twice: retries 1, then 0
        finally:
            worker.close()
        [incident] = http.get("/api/incidents", headers=admin).json()
        assert (incident["code"], incident["element_id"]) == ("external_task_failed", "check_registry")
        assert "ConnectionError" in incident["message"]
