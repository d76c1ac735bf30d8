"""Values JSON cannot carry, or the database cannot hold, are refused at the edge with a 422 naming the field,
before anything is written; a value that slipped in earlier never turns reading its case into a 500."""
from __future__ import annotations

import pytest

from engine.services import procedures
from tests.api.conftest import assert_error
from tests.builders import an_admin, files_of, the_notice

PARTY = {"name": "Green Grocer Ltd", "type": "organisation"}
LOCATION = {"address": "12 Huaihai Road", "grid_cell": "HP-0412"}
JSON = {"Content-Type": "application/json"}
# (raw JSON of the bad value or object member, the field the refusal must name)
BAD_DATA = [
    ('"ratio": NaN', "ratio"),
    ('"ratio": Infinity', "ratio"),
    ('"ratio": -Infinity', "ratio"),
    ('"ratio": 1e400', "ratio"),  # Python reads it as infinity
    ('"note": "\\ud800"', "note"),
    ('"\\udfff": 1', "\\udfff"),
    ('"items": [1, 2, "\\ud83d"]', "items[2]"),
    ('"nested": ' + "[" * 40 + "]" * 40, "nested" + "[0]" * 31),
    ('"count": 18446744073709551616', "count"),
    ('"count": -9223372036854775809', "count"),
    ('"party": {"name": "\\udc00", "type": "person"}', "party.name"),
]


@pytest.fixture
def notice(rt, staff):
    return the_notice(rt)


def _open(client, headers, member: str):
    body = ('{"procedure": "notice", "data": {"location": {"address": "12 Huaihai Road"}, ' + member + "}}")
    return client.post("/api/cases", content=body.encode(), headers={**headers, **JSON})


def _case_count(client, headers) -> int:
    return client.get("/api/cases", headers=headers).json()["total"]


@pytest.mark.parametrize("member,field", BAD_DATA, ids=[field for _, field in BAD_DATA])
def test_case_data_json_cannot_carry_is_422_naming_the_field_and_no_case_is_opened(client, login, notice,
                                                                                   member, field):
    headers = login("olga")
    error = assert_error(_open(client, headers, member), 422, "invalid_form_data")
    assert [d["field"] for d in error["details"]] == [field], error
    assert _case_count(client, headers) == 0


def test_a_body_nested_too_deep_to_parse_is_422_not_a_bare_400(client, login, notice):
    headers = login("olga")
    error = assert_error(_open(client, headers, '"nested": ' + "[" * 100_000 + "]" * 100_000), 422)
    assert [d["field"] for d in error["details"]] == ["body"]
    assert _case_count(client, headers) == 0


def test_large_but_storable_values_are_accepted(client, login, notice):
    headers = login("olga")
    member = '"count": 9223372036854775807, "ratio": 1.5e300, "nested": ' + "[" * 30 + "]" * 30
    response = _open(client, headers, member)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["count"] == 2**63 - 1


@pytest.fixture
def opened(client, login, notice) -> dict:
    response = client.post("/api/cases", headers=login("olga"), json={
        "procedure": "notice", "data": {"party": PARTY, "location": LOCATION}})
    assert response.status_code == 201, response.text
    return response.json()


def _unchanged(client, headers, opened) -> None:
    again = client.get(f"/api/cases/{opened['id']}", headers=headers)
    assert again.status_code == 200 and again.json()["row_version"] == opened["row_version"]


@pytest.mark.parametrize("data,field", [
    ('{"findings": NaN, "fine_due": true}', "findings"),
    ('{"findings": "\\ud800 crates", "fine_due": true}', "findings"),
    ('{"findings": "crates", "fine_due": true, "prior_offences": "99999999999999999999"}', "prior_offences"),
])
def test_task_data_json_cannot_carry_is_422_naming_the_field_and_the_case_is_unchanged(client, login, opened,
                                                                                       data, field):
    headers = login("olga")
    task_id = opened["ready_tasks"][0]["id"]
    response = client.post(f"/api/tasks/{task_id}/complete", content=('{"data": ' + data + "}").encode(),
                           headers={**headers, **JSON})
    error = assert_error(response, 422, "invalid_form_data")
    assert field in [d["field"] for d in error["details"]], error
    _unchanged(client, headers, opened)


def test_a_message_payload_json_cannot_carry_is_422_naming_the_field(client, login, opened):
    headers = login("olga")
    body = b'{"name": "fine_paid", "payload": {"receipt": "B-1", "amount": NaN}}'
    error = assert_error(client.post(f"/api/cases/{opened['id']}/messages", content=body,
                                     headers={**headers, **JSON}), 422, "invalid_form_data")
    assert [d["field"] for d in error["details"]] == ["payload.amount"]
    _unchanged(client, headers, opened)


def test_a_party_statement_with_a_lone_surrogate_is_422_naming_the_field(client, login, opened):
    token = client.post("/api/party/token", data={"case_no": opened["case_no"], "code": opened["access_code"]})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}", **JSON}
    response = client.post("/api/party/statement", content=b'{"text": "I object \\ud800"}', headers=headers)
    error = assert_error(response, 422)
    assert "text" in error["message"], error
    _unchanged(client, login("olga"), opened)


def test_a_case_whose_stored_data_holds_nan_still_reads(client, login, opened, rt):
    """A value that slipped in before these checks existed (or past them) is sent as null, not a 500."""
    headers = login("olga")
    case_id = opened["id"]
    rt.store.execute_sql("UPDATE enforcement_case SET workflow_state = REPLACE(workflow_state, '\"Green Grocer Ltd\"', "
                         f"'NaN') WHERE id = {case_id}")
    response = client.get(f"/api/cases/{case_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["party_name"] is None
    assert client.get(f"/api/cases/{case_id}/audit", headers=headers).status_code == 200


def _scripted(rt, script: str) -> None:
    """The notice procedure with a script between the inspection and the approval."""
    files = files_of("notice.bpmn", "fine_amount.dmn")
    task = (f'<bpmn:scriptTask id="score" scriptFormat="python"><bpmn:incoming>f2</bpmn:incoming>'
            f'<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
            f'<bpmn:sequenceFlow id="f2b" sourceRef="score" targetRef="approve"/>').encode()
    files["notice.bpmn"] = files["notice.bpmn"].replace(
        b'<bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="approve"/>',
        b'<bpmn:sequenceFlow id="f2" sourceRef="inspect" targetRef="score"/>' + task)
    procedures.deploy_procedure(rt, files=files, actor=an_admin())


@pytest.mark.parametrize("script", ["score = '\\ud800'", "score = 'a\\x00b'", "score = 2 ** 64",
                                    "score = " + "[" * 34 + "1" + "]" * 34])
def test_data_a_step_produced_that_cannot_be_stored_fails_the_step_naming_the_variable(client, login, rt, staff,
                                                                                       script):
    """(NaN made by a script is stopped by the sandbox worker itself: tests/security/test_sandbox.py.)"""
    _scripted(rt, script)
    headers = login("olga")
    opened = client.post("/api/cases", headers=headers, json={"procedure": "notice", "data": {
        "party": PARTY, "location": LOCATION}}).json()
    task_id = opened["ready_tasks"][0]["id"]
    response = client.post(f"/api/tasks/{task_id}/complete", headers=headers,
                           json={"data": {"findings": "crates", "fine_due": True}})
    error = assert_error(response, 422, "workflow_error")
    assert [d["field"].split("[")[0] for d in error["details"]] == ["data.score"], error
    after = client.get(f"/api/cases/{opened['id']}", headers=headers).json()
    assert [t["id"] for t in after["ready_tasks"]] == [task_id] and "score" not in after["data"]
    last = client.get(f"/api/cases/{opened['id']}/audit", headers=headers).json()[-1]
    assert last["event_type"] == "incident_opened" and "data.score" in last["payload"]["reason"]
