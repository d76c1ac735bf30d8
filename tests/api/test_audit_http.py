"""The audit log over HTTP: a case's chained events, verification, and an event naming user and role for every
HTTP action that changes a case."""
from __future__ import annotations

from engine.domain import Actor
from engine.services import audit_trail
from tests.api.conftest import NOTICE_FILES, assert_error, upload

INSPECTED = {"findings": "sign over the pavement", "severity": "serious", "fine_due": True}


def walk_a_case(client, login) -> dict:
    client.post("/api/procedures", headers=login("ada"), files=upload(*NOTICE_FILES))
    case = client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": {}}).json()
    inspected = client.post(f"/api/tasks/{case['ready_tasks'][0]['id']}/complete", headers=login("olga"),
                            json={"data": INSPECTED}).json()
    client.post(f"/api/tasks/{inspected['ready_tasks'][0]['id']}/complete", headers=login("sam"),
                json={"data": {"approved_by": "sam"}})
    client.post(f"/api/cases/{case['id']}/messages", headers=login("olga"), json={"name": "fine_paid"})
    return case


def test_every_http_action_on_a_case_is_audited_with_user_and_role(client, login, staff):
    case = walk_a_case(client, login)
    events = client.get(f"/api/cases/{case['id']}/audit", headers=login("audrey")).json()
    by_type = {(e["event_type"], e["element_id"]): (e["actor"], e["actor_role"]) for e in events}
    assert by_type[("case_opened", None)] == ("olga", "officer")
    assert by_type[("task_completed", "inspect")] == ("olga", "officer")
    assert by_type[("task_completed", "approve")] == ("sam", "supervisor")
    assert by_type[("message_received", "paid")] == ("olga", "officer")
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    for previous, event in zip(events, events[1:]):
        assert event["prev_hash"] == previous["hash"]


def test_a_cancellation_is_audited_with_its_reason(client, login, staff):
    client.post("/api/procedures", headers=login("ada"), files=upload(*NOTICE_FILES))
    case = client.post("/api/cases", headers=login("olga"), json={"procedure": "notice", "data": {}}).json()
    client.post(f"/api/cases/{case['id']}/cancel", headers=login("sam"), json={"reason": "wrong address"})
    last = client.get(f"/api/cases/{case['id']}/audit", headers=login("sam")).json()[-1]
    assert (last["event_type"], last["actor"], last["actor_role"]) == ("case_cancelled", "sam", "supervisor")
    assert last["payload"]["reason"] == "wrong address"


def test_verify_reports_an_intact_log_and_names_a_tampered_event(rt, client, login, staff):
    case = walk_a_case(client, login)
    report = client.get("/api/audit/verify", headers=login("audrey")).json()
    assert report["ok"] is True and report["cases"] == 1 and report["problems"] == []
    one = client.get(f"/api/audit/verify?case={case['id']}", headers=login("ada")).json()
    assert one["ok"] and one["events"] == len(client.get(f"/api/cases/{case['id']}/audit",
                                                         headers=login("ada")).json())
    _rewrite_history(rt, case["id"])
    broken = client.get("/api/audit/verify", headers=login("audrey")).json()
    assert broken["ok"] is False
    assert broken["problems"][0]["case_id"] == case["id"] and broken["problems"][0]["seq"] == 2


def test_verify_since_the_checkpoint_reads_only_new_events_and_refuses_one_case_with_it(rt, client, login, staff):
    first = walk_a_case(client, login)
    audit_trail.take_checkpoint(rt, actor=Actor.system("checkpoint"))
    second = walk_a_case(client, login)
    since = client.get("/api/audit/verify?since_checkpoint=true", headers=login("audrey")).json()
    written = len(client.get(f"/api/cases/{second['id']}/audit", headers=login("ada")).json())
    assert since["ok"] and since["since_checkpoint"] and since["cases"] == 1 and since["events"] == written
    _rewrite_history(rt, first["id"])  # before the checkpoint: the full verify's to find
    assert client.get("/api/audit/verify?since_checkpoint=true", headers=login("audrey")).json()["ok"]
    assert client.get("/api/audit/verify", headers=login("audrey")).json()["problems"][0]["case_id"] == first["id"]
    assert_error(client.get(f"/api/audit/verify?since_checkpoint=true&case={first['id']}",
                            headers=login("audrey")), 422)
    assert_error(client.get("/api/audit/verify?since_checkpoint=true", headers=login("olga")), 403)


def _rewrite_history(rt, case_id: int) -> None:
    """Change a stored event the way someone with database access would (the triggers must be dropped first)."""
    if rt.store.is_postgres:
        rt.store.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        rt.store.execute_sql("UPDATE audit_event SET actor = 'mallory' WHERE case_id = :c AND seq = 2", c=case_id)
        rt.store.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")
    else:
        triggers = rt.store.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'audit_event'")
        for name, _ in triggers:
            rt.store.execute_sql(f"DROP TRIGGER {name}")
        rt.store.execute_sql("UPDATE audit_event SET actor = 'mallory' WHERE case_id = :c AND seq = 2", c=case_id)
        for _, sql in triggers:
            rt.store.execute_sql(sql)


def test_only_auditors_and_admins_verify_and_officers_read_only_their_departments_audit(client, login, staff):
    case = walk_a_case(client, login)
    for username in ("olga", "sam", "lena", "dan"):
        assert_error(client.get("/api/audit/verify", headers=login(username)), 403)
    assert_error(client.get(f"/api/cases/{case['id']}/audit", headers=login("mark")), 404, "case_not_found")
    assert client.get(f"/api/cases/{case['id']}/audit", headers=login("dan")).status_code == 200
