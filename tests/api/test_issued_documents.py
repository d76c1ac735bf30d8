"""Issued documents, service and the court package over HTTP: role and department checked on every route,
bad input named by field, the stable error codes."""
from __future__ import annotations

import hashlib

import pytest

from engine.services import issuing
from tests.api.conftest import assert_error
from tests.builders import the_notice

FACTS = {"facts": "占道经营", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条", "proposed_fine": 200}


@pytest.fixture
def case(client, login, rt, staff) -> dict:
    the_notice(rt)
    return client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": {}}).json()


def test_a_document_the_record_cannot_fill_is_refused_naming_each_field(client, login, case):
    url = f"/api/cases/{case['id']}/issued-documents"
    error = assert_error(client.post(url, headers=login("olga"), json={"template": "rights_notice"}), 422)
    assert {d["field"] for d in error["details"]} == {"facts", "legal_basis", "proposed_fine"}
    assert_error(client.get(f"{url}/preview?template=rights_notice", headers=login("olga")), 422)
    assert_error(client.post(url, headers=login("olga"), json={"template": "poem"}), 422)
    assert_error(client.post(url, headers=login("audrey"), json={"template": "rights_notice"}), 403)
    assert_error(client.post(url, headers=login("mark"), json={"template": "rights_notice"}), 404)


def test_service_over_http_with_its_proof_then_never_again(client, login, case, rt, staff):
    issued = issuing.issue_document(rt, case_id=case["id"], template="rights_notice", data=FACTS, actor=staff["olga"])
    url = f"/api/cases/{case['id']}/issued-documents/{issued.view.id}/service"
    when = rt.now().isoformat()
    bad = client.post(url, headers=login("olga"), data={"method": "registered_mail", "served_at": when})
    assert [d["field"] for d in assert_error(bad, 422)["details"]] == ["tracking_no"]
    assert_error(client.post(url, headers=login("audrey"), data={"method": "in_person", "served_at": when,
                                                                 "recipient": "Wang"}), 403)
    served = client.post(url, headers=login("olga"), files={"proof": ("receipt.jpg", b"signed", "image/jpeg")},
                         data={"method": "in_person", "served_at": when, "recipient": "Wang Wu",
                               "refused": "true", "witnesses": "Li Si, Zhao Liu"})
    assert served.status_code == 200, served.text
    body = served.json()
    assert body["service"]["witnesses"] == ["Li Si", "Zhao Liu"]
    assert body["service"]["proof"]["sha256"] == hashlib.sha256(b"signed").hexdigest()
    assert_error(client.post(url, headers=login("olga"), data={"method": "in_person", "served_at": when,
                                                               "recipient": "Wang"}), 409)
    listed = client.get(f"/api/cases/{case['id']}/issued-documents", headers=login("audrey")).json()
    assert [d["number"] for d in listed] == [issued.number] and listed[0]["served_at"]
    fixed = client.post(f"/api/cases/{case['id']}/issued-documents/{issued.view.id}/correction",
                        headers=login("olga"), json={"reason": "wrong amount"})
    assert_error(fixed, 422)  # the record itself has no facts: a correction is rendered from the record too


def test_the_court_package_is_for_legal_reviewers_and_names_what_is_missing(client, login, case):
    url = f"/api/cases/{case['id']}/court-package"
    assert_error(client.post(url, headers=login("olga")), 403)
    error = assert_error(client.post(url, headers=login("lena")), 409, "court_package_incomplete")
    assert {"decision", "demand", "evidence"} <= {d["field"] for d in error["details"]}
