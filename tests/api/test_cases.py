"""Cases and tasks over HTTP: open, read, list, complete, messages, cancel, and every refusal's status."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, upload
from tests.builders import FIXTURES, the_notice

PARTY = {"name": "Green Grocer Ltd", "type": "organisation", "id_number": "91310000MA1K00001X"}
INSPECTED = {"findings": "crates on the pavement", "severity": "serious", "fine_due": True}


@pytest.fixture
def notice(rt, staff):
    return the_notice(rt)


@pytest.fixture
def opened(client, login, notice) -> dict:
    response = client.post("/api/cases", headers=login("olga"), json={
        "procedure": "notice", "data": {"party": PARTY, "location": {"address": "12 Huaihai Road",
                                                                     "grid_cell": "HP-0412"}}})
    assert response.status_code == 201, response.text
    return response.json()


def complete(client, headers, task_id, data=None, **extra):
    return client.post(f"/api/tasks/{task_id}/complete", headers=headers, json={"data": data or {}, **extra})


def test_opening_a_case_answers_201_with_the_view_and_the_party_access_code_once(client, login, opened):
    assert opened["status"] == "open" and opened["department"] == "cityscape"
    assert opened["party"]["id_number"] == "913***********001X"
    assert len(opened["access_code"]) == 11
    assert [t["element_id"] for t in opened["ready_tasks"]] == ["inspect"]
    again = client.get(f"/api/cases/{opened['id']}", headers=login("olga")).json()
    assert again["access_code"] is None and again["case_no"] == opened["case_no"]


def test_a_case_runs_to_its_end_over_http(client, login, opened):
    inspect = opened["ready_tasks"][0]["id"]
    after = complete(client, login("olga"), inspect, INSPECTED)
    assert after.status_code == 200, after.text
    approve = after.json()["ready_tasks"][0]
    assert approve["element_id"] == "approve" and approve["role"] == "supervisor" and approve["due_at"]
    task = client.get(f"/api/tasks/{approve['id']}", headers=login("sam")).json()
    assert [f["id"] for f in task["form"]] == ["approved_by"]
    assert [t["id"] for t in client.get("/api/tasks", headers=login("sam")).json()] == [approve["id"]]
    waiting = complete(client, login("sam"), approve["id"], {"approved_by": "sam"}).json()
    assert waiting["data"]["fine"] == 2000 and waiting["ready_tasks"] == []
    paid = client.post(f"/api/cases/{opened['id']}/messages", headers=login("olga"),
                       json={"name": "fine_paid", "payload": {"receipt": "B-1"}})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "closed" and paid.json()["outcome"] == "closed_paid"


def test_invalid_form_data_is_422_with_one_entry_per_field_and_nothing_written(client, login, opened):
    headers = login("olga")
    before = client.get(f"/api/cases/{opened['id']}/audit", headers=headers).json()
    error = assert_error(complete(client, headers, opened["ready_tasks"][0]["id"],
                                  {"severity": "dreadful", "prior_offences": -1}), 422, "invalid_form_data")
    assert sorted(d["field"] for d in error["details"]) == ["findings", "fine_due", "prior_offences", "severity"]
    assert client.get(f"/api/cases/{opened['id']}/audit", headers=headers).json() == before
    assert client.get(f"/api/cases/{opened['id']}", headers=headers).json()["row_version"] == opened["row_version"]


def test_a_second_completion_is_409_and_a_stale_version_is_409(client, login, opened):
    headers, task_id = login("olga"), opened["ready_tasks"][0]["id"]
    assert complete(client, headers, task_id, INSPECTED).status_code == 200
    assert_error(complete(client, headers, task_id, INSPECTED), 409, "task_already_completed")
    approve = client.get(f"/api/tasks?case_id={opened['id']}", headers=login("sam")).json()[0]
    stale = complete(client, login("sam"), approve["id"], {"approved_by": "sam"},
                     expected_version=opened["row_version"])
    assert_error(stale, 409, "stale_case_version")


def test_a_task_in_another_lane_is_403_and_in_a_case_the_caller_cannot_see_404(client, login, opened):
    task_id = opened["ready_tasks"][0]["id"]
    assert_error(complete(client, login("sam"), task_id, INSPECTED), 403, "forbidden")
    assert_error(complete(client, login("mark"), task_id, INSPECTED), 404, "task_not_found")
    assert_error(complete(client, login("audrey"), task_id, INSPECTED), 403, "forbidden")


def test_unknown_case_and_task_are_404(client, login, notice):
    assert_error(client.get("/api/cases/999999", headers=login("ada")), 404, "case_not_found")
    assert_error(client.get("/api/tasks/0a0a0a0a-0000-4000-8000-000000000000", headers=login("ada")), 404,
                 "task_not_found")
    assert_error(complete(client, login("olga"), "0a0a0a0a-0000-4000-8000-000000000000"), 404, "task_not_found")
    assert_error(client.post("/api/cases", headers=login("olga"), json={"procedure": "nothing_here"}), 404,
                 "procedure_not_found")


def test_a_message_the_case_does_not_wait_for_is_409(client, login, opened):
    response = client.post(f"/api/cases/{opened['id']}/messages", headers=login("olga"),
                           json={"name": "fine_paid", "payload": {}})
    assert_error(response, 409, "message_not_expected")


def test_malformed_requests_are_422_in_the_error_shape(client, login, notice):
    headers = login("olga")
    error = assert_error(client.post("/api/cases", headers=headers, json={"data": []}), 422, "invalid_request")
    assert {d["field"] for d in error["details"]} == {"body.procedure", "body.data"}
    assert_error(client.post("/api/cases", headers=headers, content=b"{not json",
                             params={}, ), 422, "invalid_request")
    assert_error(client.get("/api/cases?limit=0", headers=headers), 422, "invalid_request")
    assert_error(client.get("/api/cases/0", headers=headers), 422, "invalid_request")
    assert_error(client.post("/api/cases", headers=headers,
                             json={"procedure": "notice", "data": {"party": {"name": "a\x00b"}}}), 422)


def test_listing_filters_and_pages_within_the_callers_departments(client, login, notice):
    for who, name in (("olga", "Alpha"), ("olga", "Beta"), ("olga", "Gamma"), ("mark", "Delta")):
        client.post("/api/cases", headers=login(who), json={"procedure": "notice", "data": {"party": {"name": name}}})
    page = client.get("/api/cases?limit=2", headers=login("olga")).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["limit"] == 2
    found = client.get("/api/cases?text=Beta", headers=login("olga")).json()["items"]
    assert [c["party_name"] for c in found] == ["Beta"]
    assert client.get("/api/cases", headers=login("audrey")).json()["total"] == 4
    assert client.get("/api/cases?department=markets", headers=login("dan")).json()["total"] == 1
    assert_error(client.get("/api/cases?department=markets", headers=login("olga")), 403)


def test_cancelling_needs_a_reason_and_a_supervisor(client, login, opened):
    url = f"/api/cases/{opened['id']}/cancel"
    assert_error(client.post(url, headers=login("olga"), json={"reason": "duplicate"}), 403)
    assert_error(client.post(url, headers=login("sam"), json={"reason": ""}), 422)
    cancelled = client.post(url, headers=login("sam"), json={"reason": "filed twice"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(client.post(url, headers=login("sam"), json={"reason": "again"}), 409, "case_not_open")


def test_values_too_long_for_their_columns_are_422_not_a_database_error(client, login, notice):
    for data, field in (({"category": "x" * 100}, "category"), ({"location": {"grid_cell": "y" * 100}},
                                                                 "location.grid_cell"),
                        ({"party": {"id_number": "1" * 80}}, "party.id_number")):
        response = client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": data})
        assert [d["field"] for d in assert_error(response, 422, "invalid_form_data")["details"]] == [field]


def test_unknown_routes_and_methods_answer_in_the_error_shape(client, login, notice):
    assert_error(client.get("/api/nothing-here", headers=login("olga")), 404, "not_found")
    assert_error(client.delete("/api/cases", headers=login("olga")), 405, "method_not_allowed")


def test_a_start_form_field_missing_when_opening_a_case_is_422_naming_it(client, login, staff):
    start_form = FIXTURES / "elements" / "start_form.bpmn"
    assert client.post("/api/procedures", headers=login("ada"), files=upload(start_form)).status_code == 201
    refused = client.post("/api/cases", headers=login("olga"), json={"procedure": "permit_request",
                                                                      "data": {"stalls": 3}})
    error = assert_error(refused, 422, "invalid_form_data")
    assert [d["field"] for d in error["details"]] == ["applicant"]
    opened = client.post("/api/cases", headers=login("olga"), json={"procedure": "permit_request",
                                                                     "data": {"applicant": "Li Wei"}})
    assert opened.status_code == 201 and opened.json()["data"]["stalls"] == 1


def test_any_message_name_bpmn_allows_is_delivered_and_the_case_lists_what_it_waits_for(client, login, staff):
    files = upload(FIXTURES / "elements" / "message_names.bpmn")
    assert client.post("/api/procedures", headers=login("ada"), files=files).status_code == 201
    case = client.post("/api/cases", headers=login("olga"), json={"procedure": "zaak", "data": {}}).json()
    assert case["waiting_messages"] == ["zaakdossier-created"]
    early = client.post(f"/api/cases/{case['id']}/messages", headers=login("olga"),
                        json={"name": "Payment received", "payload": {}})
    assert_error(early, 409)
    after = client.post(f"/api/cases/{case['id']}/messages", headers=login("olga"),
                        json={"name": "zaakdossier-created", "payload": {"zaak": "Z-1"}})
    assert after.status_code == 200, after.text
    assert after.json()["waiting_messages"] == ["Payment received"]
    done = client.post(f"/api/cases/{case['id']}/messages", headers=login("olga"),
                       json={"name": "Payment received", "payload": {}}).json()
    assert (done["status"], done["waiting_messages"]) == ("closed", [])
    assert client.get(f"/api/cases/{case['id']}", headers=login("olga")).json()["waiting_messages"] == []
    control = client.post(f"/api/cases/{case['id']}/messages", headers=login("olga"),
                          json={"name": "bad\nname", "payload": {}})
    assert_error(control, 422)
