"""The external-task endpoints in Camunda 7's shape, on both databases: fetch-and-lock, complete, failure and
bpmn-error, their refusals in the one error shape, and a worker account added over HTTP with its topics."""
from __future__ import annotations

from engine.services import cases
from tests.api.conftest import assert_error
from tests.builders import ROOT, an_officer

EXAMPLE = ROOT / "examples" / "external_tasks.bpmn"
FETCH = {"workerId": "w1", "maxTasks": 2, "topics": [{"topicName": "registry-check", "lockDuration": 60000,
                                                     "variables": ["applicant"]}]}


def _permit_case(client, login):
    deployed = client.post("/api/procedures", headers=login("ada"),
                           files=[("files", (EXAMPLE.name, EXAMPLE.read_bytes(), "application/xml"))])
    assert deployed.status_code == 201, deployed.text
    opened = client.post("/api/cases", headers=login("olga"), json={"procedure": "permit_check", "data": {
        "applicant": "Green Grocer"}})
    assert opened.status_code == 201, opened.text
    return opened.json()


def test_a_worker_fetches_completes_and_is_refused_what_it_does_not_hold(client, login):
    case = _permit_case(client, login)
    worker = login("walt")
    fetched = client.post("/api/external-tasks/fetch-and-lock", headers=worker, json=FETCH)
    assert fetched.status_code == 200, fetched.text
    [task] = fetched.json()
    assert (task["topicName"], task["activityId"], task["caseId"], task["workerId"], task["variables"]) == \
        ("registry-check", "check_registry", case["id"], "w1", {"applicant": "Green Grocer"})
    assert task["businessKey"] == case["case_no"]
    path = f"/api/external-tasks/{task['id']}"
    assert_error(client.post(f"{path}/complete", headers=worker, json={"workerId": "w2"}), 409,
                 "external_task_not_locked")
    assert_error(client.post(f"{path}/complete", headers=worker, json={"workerId": "w1", "variables": {
        "_secret": 1}}), 422, "invalid_form_data")
    done = client.post(f"{path}/complete", headers=worker, json={"workerId": "w1", "variables": {
        "registered": {"value": True, "type": "Boolean"}}})
    assert done.status_code == 204, done.text
    assert_error(client.post(f"{path}/complete", headers=worker, json={"workerId": "w1"}), 409,
                 "task_already_completed")
    assert_error(client.post("/api/external-tasks/00000000-0000-4000-8000-000000000000/failure", headers=worker,
                             json={"workerId": "w1", "retries": 1}), 404, "external_task_not_found")
    assert client.get(f"/api/cases/{case['id']}", headers=login("olga")).json()["data"]["registered"] is True


def test_bad_fetches_are_422_and_foreign_topics_403(client, login):
    worker = login("walt")
    for body in ({**FETCH, "maxTasks": 0}, {**FETCH, "topics": []}, {"maxTasks": 1, "topics": FETCH["topics"]},
                 {**FETCH, "topics": [{"topicName": "registry-check", "lockDuration": 0}]}):
        assert_error(client.post("/api/external-tasks/fetch-and-lock", headers=worker, json=body), 422)
    assert_error(client.post("/api/external-tasks/fetch-and-lock", headers=worker, json={
        **FETCH, "topics": [{"topicName": "payments", "lockDuration": 1000}]}), 403, "forbidden")


def test_a_failure_without_retries_and_a_caught_bpmn_error_over_http(client, login, rt):
    _permit_case(client, login)
    second = cases.open_case(rt, procedure="permit_check", data={}, actor=an_officer())
    worker = login("walt")
    first, other = client.post("/api/external-tasks/fetch-and-lock", headers=worker, json=FETCH).json()
    failed = client.post(f"/api/external-tasks/{first['id']}/failure", headers=worker, json={
        "workerId": "w1", "errorMessage": "registry down", "retries": 0, "retryTimeout": 0})
    assert failed.status_code == 204, failed.text
    [incident] = client.get("/api/incidents", headers=login("ada")).json()
    assert (incident["code"], incident["kind"]) == ("external_task_failed", "external")
    thrown = client.post(f"/api/external-tasks/{other['id']}/bpmn-error", headers=worker, json={
        "workerId": "w1", "errorCode": "not_registered", "errorMessage": "unknown company"})
    assert thrown.status_code == 204, thrown.text
    view = client.get(f"/api/cases/{other['caseId']}", headers=login("olga")).json()
    assert [t["element_id"] for t in view["ready_tasks"]] == ["check_by_hand"]
    assert other["caseId"] == second.id


def test_an_admin_adds_a_worker_with_topics(client, login):
    added = client.post("/api/users", headers=login("ada"), json={
        "username": "printer", "password": "long enough", "role": "worker", "topics": ["print-notice"]})
    assert added.status_code == 201, added.text
    assert added.json()["topics"] == ["print-notice"]
    assert_error(client.post("/api/users", headers=login("ada"), json={
        "username": "printer2", "password": "long enough", "role": "worker"}), 422, "invalid_form_data")
