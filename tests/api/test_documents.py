"""Evidence over HTTP (upload, list, download with its hash checked) and suspending a case."""
from __future__ import annotations

import hashlib

import pytest

from engine.services.documents import MAX_EVIDENCE_BYTES
from tests.api.conftest import assert_error
from tests.builders import the_notice

PHOTO = b"\xff\xd8\xff\xe0 a photo of crates on the pavement"


@pytest.fixture
def case(client, login, rt, staff) -> dict:
    the_notice(rt)
    return client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": {}}).json()


def upload(client, headers, case_id, content=PHOTO, name="crates.jpg"):
    return client.post(f"/api/cases/{case_id}/documents", headers=headers,
                       files={"file": (name, content, "image/jpeg")}, data={"note": "north side"})


def test_evidence_is_stored_with_its_hash_audited_and_downloaded_intact(client, login, case):
    added = upload(client, login("olga"), case["id"])
    assert added.status_code == 201, added.text
    assert added.json()["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    listed = client.get(f"/api/cases/{case['id']}/documents", headers=login("audrey")).json()
    assert [d["filename"] for d in listed] == ["crates.jpg"]
    download = client.get(f"/api/cases/{case['id']}/documents/{listed[0]['id']}", headers=login("sam"))
    assert download.content == PHOTO and download.headers["x-dueflow-intact"] == "true"
    added_event, viewed = client.get(f"/api/cases/{case['id']}/audit", headers=login("olga")).json()[-2:]
    assert (added_event["event_type"], added_event["actor"], added_event["actor_role"]) == (
        "evidence_added", "olga", "officer")
    assert added_event["payload"]["sha256"] == added.json()["sha256"]
    assert (viewed["event_type"], viewed["actor"]) == ("evidence_viewed", "sam"), "the view is on the custody record"
    assert viewed["payload"] == {"document_id": listed[0]["id"], "sha256": added.json()["sha256"], "intact": True}


def test_evidence_refusals(client, login, case):
    assert_error(upload(client, login("audrey"), case["id"]), 403)
    assert_error(upload(client, login("mark"), case["id"]), 404, "case_not_found")  # not theirs to know
    assert_error(upload(client, login("olga"), case["id"], content=b""), 422)
    assert_error(upload(client, login("olga"), case["id"], content=b"x" * (MAX_EVIDENCE_BYTES + 1)), 413,
                 "payload_too_large")
    assert_error(client.get(f"/api/cases/{case['id']}/documents/99", headers=login("olga")), 404)


def test_a_suspended_case_takes_no_completions_until_resumed(client, login, case):
    url = f"/api/cases/{case['id']}"
    assert_error(client.post(f"{url}/suspend", headers=login("olga"), json={"reason": "challenged"}), 403)
    suspended = client.post(f"{url}/suspend", headers=login("sam"), json={"reason": "challenged in court"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    task_id = case["ready_tasks"][0]["id"]
    refused = client.post(f"/api/tasks/{task_id}/complete", headers=login("olga"),
                          json={"data": {"findings": "x", "fine_due": False}})
    assert refused.status_code == 409, refused.text
    resumed = client.post(f"{url}/resume", headers=login("sam"))
    assert resumed.status_code == 200 and resumed.json()["status"] == "open"
    assert_error(client.post(f"{url}/resume", headers=login("sam")), 409)


@pytest.mark.parametrize("name", ["现场照片.jpg", "📷 north side.jpg"])
def test_evidence_named_in_chinese_or_with_an_emoji_downloads_under_its_own_name(client, login, case, name):
    from urllib.parse import unquote

    added = upload(client, login("olga"), case["id"], name=name)
    assert added.status_code == 201, added.text
    download = client.get(f"/api/cases/{case['id']}/documents/{added.json()['id']}", headers=login("olga"))
    assert download.status_code == 200 and download.content == PHOTO
    disposition = download.headers["content-disposition"]
    fallback, encoded = disposition.split('; filename="')[1].split("\"; filename*=UTF-8''")
    assert unquote(encoded) == name and fallback.isascii() and fallback.endswith(".jpg")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_an_oversized_form_field_is_422_naming_the_field(client, login, case):
    response = client.post(f"/api/cases/{case['id']}/documents", headers=login("olga"),
                           files={"file": ("crates.jpg", PHOTO, "image/jpeg")}, data={"note": "n" * 2_000_000})
    error = assert_error(response, 422, "invalid_form_data")
    assert [d["field"] for d in error["details"]] == ["note"]
    assert client.get(f"/api/cases/{case['id']}/documents", headers=login("olga")).json() == []
    token = client.post("/api/auth/token", data={"username": "olga", "password": "p" * 2_000_000})
    assert [d["field"] for d in assert_error(token, 422, "invalid_form_data")["details"]] == ["password"]


def test_custody_over_http_opens_with_the_collection_and_follows_each_handover(client, login, case):
    added = client.post(f"/api/cases/{case['id']}/documents", headers=login("olga"),
                        files={"file": ("crates.jpg", PHOTO, "image/jpeg")},
                        data={"collected_where": "12 Huaihai Road", "collected_at": "2026-03-02T08:00:00",
                              "description": "crates across the pavement"}).json()
    url = f"/api/cases/{case['id']}/documents/{added['id']}"
    chain = client.get(f"{url}/custody", headers=login("audrey")).json()
    assert (chain["collected_by"], chain["collected_where"], chain["collected_at"], chain["holder"]) == (
        "olga", "12 Huaihai Road", "2026-03-02T08:00:00.000000Z", "olga")
    assert_error(client.post(f"{url}/handover", headers=login("lena"), json={"to": "lena"}), 403)
    assert_error(client.post(f"{url}/handover", headers=login("olga"), json={"to": "nobody"}), 422)
    moved = client.post(f"{url}/handover", headers=login("olga"), json={"to": "sam", "where": "station"})
    assert moved.status_code == 200 and moved.json()["holder"] == "sam"
    assert moved.json()["events"][-1]["payload"]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert_error(client.post(f"/api/cases/{case['id']}/evidence-citations", headers=login("olga"),
                             json={"task_id": case["ready_tasks"][0]["id"], "document_ids": [added["id"]]}), 409)
