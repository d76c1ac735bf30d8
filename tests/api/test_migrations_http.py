"""POST /api/migrations and its approve / run / revert over HTTP: the plan's preview, four eyes, the move and
the way back, on both databases (docs/migration.md)."""
from __future__ import annotations

from engine.services import cases, procedures, tasks
from tests.api.conftest import assert_error
from tests.builders import FIXTURES, an_admin, an_officer

V1, V2 = (FIXTURES / "migration" / f"street_order_v{n}.bpmn" for n in (1, 2))


def _deployed(rt, path) -> None:
    procedures.deploy_procedure(rt, files={"street_order.bpmn": path.read_bytes()}, actor=an_admin())


def _waiting_case(rt):
    case = cases.open_case(rt, procedure="street_order", data={}, actor=an_officer())
    [task] = case.ready_tasks
    return tasks.complete_task(rt, task_id=task.id, data={"violation": "stall"}, actor=an_officer())


PLAN = {"procedure": "street_order", "source_version": 1, "target_version": 2, "case_filter": {"all": True},
        "mapping": {"inspect_site": "inspect_premises"}, "reason": "local rule 7"}


def test_a_plan_is_previewed_approved_by_other_eyes_run_and_reverted(rt, client, login):
    _deployed(rt, V1)
    case = _waiting_case(rt)
    _deployed(rt, V2)
    response = client.post("/api/migrations", json=PLAN, headers=login("ada"))
    assert response.status_code == 201, response.text
    plan = response.json()
    [row] = plan["cases"]
    assert (row["case_no"], row["status"]) == (case.case_no, "movable")
    assert row["preview"]["after"]["timers"] == row["preview"]["before"]["timers"]  # the running deadline is kept
    assert_error(client.post(f"/api/migrations/{plan['id']}/run", headers=login("ada")), 409, "migration_state")
    assert_error(client.post(f"/api/migrations/{plan['id']}/approve", json={"reason": "mine"}, headers=login("ada")),
                 403, "four_eyes")
    assert_error(client.post(f"/api/migrations/{plan['id']}/approve", json={"reason": "ok"}, headers=login("olga")),
                 403)
    approved = client.post(f"/api/migrations/{plan['id']}/approve", json={"reason": "checked"}, headers=login("lena"))
    assert approved.json()["status"] == "approved" and approved.json()["approved_by"] == "lena"
    assert_error(client.post(f"/api/migrations/{plan['id']}/run", headers=login("lena")), 403)
    ran = client.post(f"/api/migrations/{plan['id']}/run", headers=login("ada")).json()
    assert [c["status"] for c in ran["cases"]] == ["moved"]
    assert client.get(f"/api/cases/{case.id}", headers=login("ada")).json()["procedure_version"] == 2
    reverted = client.post(f"/api/migrations/{plan['id']}/revert", json={"reason": "too early"}, headers=login("ada"))
    assert [c["status"] for c in reverted.json()["cases"]] == ["reverted"]
    view = client.get(f"/api/cases/{case.id}", headers=login("ada")).json()
    assert view["procedure_version"] == 1 and view["deadlines"] == case.deadlines
    assert client.get("/api/migrations", headers=login("audrey")).json()[0]["status"] == "reverted"


def test_a_plan_names_what_is_wrong_with_it(rt, client, login):
    _deployed(rt, V1)
    _deployed(rt, V2)
    bad = {**PLAN, "mapping": {"inspect_site": "no_such_task"}, "case_filter": {"all": True, "stage": "filing"}}
    body = assert_error(client.post("/api/migrations", json=bad, headers=login("ada")), 422, "invalid_form_data")
    assert {d["field"] for d in body["details"]} == {"case_filter"}
    body = assert_error(client.post("/api/migrations", json={**PLAN, "mapping": {"inspect_site": "no_such_task"}},
                                    headers=login("ada")), 422)
    assert "'no_such_task' is no element of the target version" in body["details"][0]["message"]
    late = {**PLAN, "due_changes": {"acceptance_wait": {"due_at": "2026-04-01T00:00:00+00:00"}}}
    body = assert_error(client.post("/api/migrations", json=late, headers=login("ada")), 422)
    assert "say why this deadline moves" in body["details"][0]["message"]
    assert_error(client.post("/api/migrations", json={**PLAN, "target_version": 9}, headers=login("ada")), 404)


