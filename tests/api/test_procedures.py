"""Deploying and reading procedures over HTTP: 201, idempotent redeploys, located problems, size limits."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from engine.services.procedures import MAX_FILE_BYTES
from tests.api.conftest import NOTICE_FILES, SECRET, assert_error, upload
from tests.builders import FIXTURES

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="bad_script" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>__import__('os')</bpmn:script></bpmn:scriptTask>
    <bpmn:scriptTask id="worse_script" scriptFormat="python"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:script>x = (lambda: 1)()</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="bad_script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="bad_script" targetRef="worse_script"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_admin_deploys_and_a_redeploy_of_the_same_files_is_that_version(client, login, staff):
    first = client.post("/api/procedures", headers=login("ada"), files=upload(*NOTICE_FILES))
    assert first.status_code == 201, first.text
    assert first.json()["key"] == "notice" and first.json()["version"] == 1 and first.json()["created"]
    again = client.post("/api/procedures", headers=login("ada"), files=upload(*NOTICE_FILES))
    assert again.status_code == 200 and again.json()["version"] == 1 and not again.json()["created"]
    listed = client.get("/api/procedures", headers=login("olga")).json()
    assert [(p["key"], p["version"]) for p in listed] == [("notice", 1)]
    assert listed[0]["files"] == ["fine_amount.dmn", "notice.bpmn"]


def test_the_deployed_bpmn_is_served_as_xml(client, login, staff):
    client.post("/api/procedures", headers=login("ada"), files=upload(*NOTICE_FILES))
    response = client.get("/api/procedures/notice/versions/1/bpmn", headers=login("audrey"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    assert response.content == (FIXTURES / "notice.bpmn").read_bytes()
    assert_error(client.get("/api/procedures/notice/versions/2/bpmn", headers=login("audrey")), 404,
                 "procedure_not_found")


def test_an_invalid_procedure_is_422_with_one_located_entry_per_problem(client, login, staff):
    response = client.post("/api/procedures", headers=login("ada"), files=[("files", ("broken.bpmn", BROKEN))])
    error = assert_error(response, 422, "invalid_procedure")
    assert len(error["details"]) >= 2
    for problem in error["details"]:
        assert set(problem) >= {"file", "line", "element_id", "rule", "message"}
        assert problem["file"] == "broken.bpmn"
    assert {"bad_script", "worse_script"} <= {p["element_id"] for p in error["details"]}
    assert client.get("/api/procedures", headers=login("ada")).json() == []


def test_malformed_xml_is_located_too(client, login, staff):
    response = client.post("/api/procedures", headers=login("ada"),
                           files=[("files", ("bad.bpmn", b"<?xml version='1.0'?>\n<bpmn:definitions>\n<oops"))])
    error = assert_error(response, 422, "invalid_procedure")
    assert error["details"][0]["file"] == "bad.bpmn" and error["details"][0]["line"]


def test_only_admins_deploy(client, login, staff):
    for username in ("olga", "sam", "dan", "audrey", "lena"):
        assert_error(client.post("/api/procedures", headers=login(username), files=upload(*NOTICE_FILES)), 403)


def test_an_oversized_file_is_413(client, login, staff):
    big = b"<x>" + b" " * (MAX_FILE_BYTES + 1) + b"</x>"
    response = client.post("/api/procedures", headers=login("ada"), files=[("files", ("big.bpmn", big))])
    assert_error(response, 413, "payload_too_large")


def test_a_request_over_the_body_limit_is_413_before_it_is_parsed(rt, login, staff):
    client = TestClient(create_app(rt, settings=Settings(secret=SECRET, max_request_bytes=64 * 1024)))
    big = b"<x>" + b" " * (100 * 1024) + b"</x>"
    response = client.post("/api/procedures", headers=login("ada"), files=[("files", ("big.bpmn", big))])
    assert_error(response, 413, "payload_too_large")

    def chunks():  # no Content-Length: counted while it streams in
        for _ in range(10):
            yield b"{" + b" " * 10_000
    streamed = client.post("/api/cases", headers={**login("olga"), "Content-Type": "application/json"},
                           content=chunks())
    assert_error(streamed, 413, "payload_too_large")


def _with_doctype(declaration: str, reference: str) -> bytes:
    text = (FIXTURES / "notice.bpmn").read_text(encoding="utf-8")
    head, _, rest = text.partition("?>")
    return (head + "?>\n" + declaration + rest.replace("fine &gt; 0", f"fine {reference} 0", 1)).encode()


ENTITIES = {
    "internal": ('<!DOCTYPE definitions [<!ENTITY gt2 "&gt;">]>', "&gt2;"),
    "external": ('<!DOCTYPE definitions [<!ENTITY who SYSTEM "file:///etc/passwd">]>', "&who;"),
    "billion laughs": ('<!DOCTYPE definitions [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                       '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>', "&c;"),
}


@pytest.mark.parametrize("kind", ENTITIES)
@pytest.mark.parametrize("target", ["bpmn", "dmn"])
def test_an_entity_declaration_in_bpmn_or_dmn_is_422_naming_the_file(client, login, staff, kind, target):
    declaration, reference = ENTITIES[kind]
    bpmn, dmn = (FIXTURES / "notice.bpmn").read_bytes(), (FIXTURES / "fine_amount.dmn").read_bytes()
    if target == "bpmn":
        bpmn = _with_doctype(declaration, reference)
    else:
        head, _, rest = dmn.decode().partition("?>")
        dmn = (head + "?>\n" + declaration + rest).encode()
    files = [("files", ("notice.bpmn", bpmn, "application/xml")), ("files", ("fine_amount.dmn", dmn, "text/xml"))]
    error = assert_error(client.post("/api/procedures", headers=login("ada"), files=files), 422, "invalid_procedure")
    assert [(d["file"], d["rule"]) for d in error["details"]] == [(f"{'notice' if target == 'bpmn' else 'fine_amount'}"
                                                                   f".{target}", "XML_DOCTYPE")]
    assert client.get("/api/procedures", headers=login("ada")).json() == []


@pytest.mark.parametrize("name", ["../notice.bpmn", "processes/notice.bpmn"])
def test_a_file_name_with_a_folder_is_422_and_nothing_is_stored(client, login, staff, name):
    files = [("files", (name, (FIXTURES / "notice.bpmn").read_bytes(), "application/xml")),
             ("files", ("fine_amount.dmn", (FIXTURES / "fine_amount.dmn").read_bytes(), "text/xml"))]
    response = client.post("/api/procedures", headers=login("ada"), files=files)
    error = assert_error(response, 422, "invalid_procedure")
    assert [d["rule"] for d in error["details"]] == ["FILE_NAME"]
    assert client.get("/api/procedures", headers=login("ada")).json() == []


LANES = FIXTURES / "elements" / "lanes_any_name.bpmn"


def test_a_lane_mapping_field_gives_lanes_their_roles_and_a_bad_one_is_422_naming_the_lane(client, login, staff):
    bad = client.post("/api/procedures", headers=login("ada"), files=upload(LANES), data={"lanes": '{"Boss": "chief"}'})
    error = assert_error(bad, 422, "invalid_procedure")
    assert [(d["file"], d["rule"]) for d in error["details"]] == [("dueflow-lanes.json", "LANE_ROLE")]
    assert "'Boss'" in error["details"][0]["message"]
    done = client.post("/api/procedures", headers=login("ada"), files=upload(LANES),
                       data={"lanes": '{"Boss": "supervisor", "HR": "officer"}'})
    assert done.status_code == 201, done.text
    assert [w["element_id"] for w in done.json()["lint"] if w["rule"] == "LANE_ROLE"] == ["lane_unnamed"]
    case = client.post("/api/cases", headers=login("olga"), json={"procedure": "leave_request", "data": {}}).json()
    assert [(t["element_id"], t["role"]) for t in case["ready_tasks"]] == [("approve", "supervisor")]
