"""The party's access: case number + code opens one case; what they see; statements and hearing requests."""
from __future__ import annotations

import hashlib

import pytest

from engine.domain import Actor, Role
from engine.services import cases, procedures, tasks
from engine.store import DocumentRecord
from tests.api.conftest import API_FIXTURES, assert_error

OFFICER = Actor("olga", Role.OFFICER, "cityscape")


@pytest.fixture
def served(rt, staff):
    """A case whose prior notice was served: it waits for a statement, a hearing request or the period's end."""
    files = {"statement.bpmn": (API_FIXTURES / "statement.bpmn").read_bytes()}
    procedures.deploy_procedure(rt, files=files, actor=Actor("ada", Role.ADMIN))
    view = cases.open_case(rt, procedure="prior_notice", actor=OFFICER, data={"party": {"name": "Wang Fang"}})
    code = view.access_code
    tasks.complete_task(rt, task_id=view.ready_tasks[0].id, actor=OFFICER,
                        data={"internal_note": "owner was rude; check licence history"})
    return {"id": view.id, "case_no": view.case_no, "code": code}


def party_login(client, case_no, code):
    return client.post("/api/party/token", data={"case_no": case_no, "code": code})


@pytest.fixture
def party(client, served) -> dict[str, str]:
    response = party_login(client, served["case_no"], served["code"])
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_party_reads_stage_periods_rights_and_a_timeline_without_internal_notes(client, party):
    response = client.get("/api/party/case", headers=party)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["stage"] == "statement_period" and view["status"] == "open"
    assert [d["name"] for d in view["deadlines"]] == ["Statement period ends"]
    assert any(r["basis"] == "Administrative Penalty Law, articles 7, 44 and 45" for r in view["rights"])
    assert view["can_send"] == ["hearing_requested", "statement_received"]
    assert [e["what"] for e in view["timeline"]] == ["opened", "rights_notice_served"], "in the party's terms"
    assert view["guidance"]["situation"] == "statement_period"
    assert view["guidance"]["due_at"] == view["deadlines"][0]["due_at"], "the period they must act in"
    assert "rude" not in response.text and "internal_note" not in response.text and "olga" not in response.text


def test_a_code_typed_from_paper_works_in_any_case_and_without_the_dash(client, served):
    loose = served["code"].replace("-", "").lower()
    assert party_login(client, served["case_no"], loose).status_code == 200


def test_a_statement_arrives_as_a_bpmn_message_and_an_audit_event_naming_the_party(rt, client, login, party,
                                                                                   served):
    response = client.post("/api/party/statement", headers=party, json={"text": "The crates were mine for an hour."})
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["timeline"][-1]["by"] == "you" and after["timeline"][-1]["what"] == "you_stated"
    assert after["guidance"]["situation"] == "statement_received", "the page now says the office must re-check it"
    staff_view = client.get(f"/api/cases/{served['id']}", headers=login("olga")).json()
    assert [t["element_id"] for t in staff_view["ready_tasks"]] == ["recheck"]
    audit = client.get(f"/api/cases/{served['id']}/audit", headers=login("audrey")).json()
    received = [e for e in audit if e["event_type"] == "message_received"][-1]
    assert received["actor"] == f"party:{served['case_no']}" and received["actor_role"] == "party"
    assert received["payload"]["data"] == {"text": "The crates were mine for an hour."}
    assert_error(client.post("/api/party/statement", headers=party, json={"text": "and again"}), 409,
                 "message_not_expected")


def test_a_hearing_request_goes_to_the_hearing_lane(client, login, party, served):
    response = client.post("/api/party/hearing-request", headers=party, json={"reason": "the fine is large"})
    assert response.status_code == 200, response.text
    tasks_now = client.get(f"/api/cases/{served['id']}", headers=login("lena")).json()["ready_tasks"]
    assert [(t["element_id"], t["role"]) for t in tasks_now] == [("hold_hearing", "legal_reviewer")]


def test_a_wrong_code_is_401_and_says_nothing_about_the_case_number(client, served):
    wrong = assert_error(party_login(client, served["case_no"], "AAAAA-AAAAA"), 401, "invalid_access_code")
    unknown = assert_error(party_login(client, "2026-999999", served["code"]), 401, "invalid_access_code")
    assert wrong["message"] == unknown["message"]


def test_guessing_codes_is_slowed_down(client, served):
    for attempt in range(10):
        assert_error(party_login(client, served["case_no"], f"GUESS-{attempt:05d}"), 401)
    refused = party_login(client, served["case_no"], served["code"])
    assert_error(refused, 429, "too_many_attempts")
    assert int(refused.headers["retry-after"]) >= 1


def test_a_party_token_opens_no_other_case_and_no_staff_endpoint(rt, client, party, served):
    other = cases.open_case(rt, procedure="prior_notice", actor=OFFICER, data={"party": {"name": "Li Wei"}})
    assert_error(client.get(f"/api/cases/{other.id}", headers=party), 403)
    assert_error(client.get(f"/api/cases/{served['id']}", headers=party), 403)
    assert_error(client.get(f"/api/cases/{served['id']}/audit", headers=party), 403)
    assert_error(client.get("/api/tasks", headers=party), 403)
    assert client.get("/api/party/case", headers=party).json()["case_no"] == served["case_no"]


def test_staff_tokens_do_not_open_the_party_endpoints(client, login, served):
    assert_error(client.get("/api/party/case", headers=login("ada")), 403)
    assert_error(client.get("/api/party/case"), 401)


def test_documents_served_are_listed_and_downloadable_and_others_are_not(rt, client, party, served):
    notice = b"%PDF-1.4 prior notice"
    with rt.store.transaction() as session:
        for kind, name, content, visible in (("notice", "prior-notice.pdf", notice, True),
                                             ("evidence", "photo.jpg", b"\xff\xd8 internal", False)):
            session.add(DocumentRecord(case_id=served["id"], kind=kind, filename=name, media_type="application/pdf",
                                       sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                                       content=content, visible_to_party=visible, created_by="olga",
                                       created_at=rt.now()))
    documents = client.get("/api/party/case", headers=party).json()["documents"]
    assert [d["filename"] for d in documents] == ["prior-notice.pdf"]
    download = client.get(f"/api/party/documents/{documents[0]['id']}", headers=party)
    assert download.status_code == 200 and download.content == notice
    assert_error(client.get(f"/api/party/documents/{documents[0]['id'] + 1}", headers=party), 404,
                 "document_not_found")
