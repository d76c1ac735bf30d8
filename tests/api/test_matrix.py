"""Every role against every endpoint: 401 without a token, 403 for the wrong role, 404 (the body of a missing
case or task) for a caller who may not see the case at all, so refusals never tell which case ids exist, and
an allowed cell never refused. (Until issue 8 the cells of markets' staff on the cityscape case were 403.)"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import pytest

from engine.domain import Actor, Role
from engine.services import cases, procedures, users
from engine.store import external_tasks
from tests.api.conftest import NOTICE_FILES, STAFF, upload
from tests.builders import ROOT, an_admin, the_notice

EXAMPLE = ROOT / "examples" / "external_tasks.bpmn"

ANONYMOUS, PARTY = "(no token)", "(party)"
EVERYONE = [ANONYMOUS, PARTY, *STAFF]
ALL_STAFF = set(STAFF)
SEES_CITYSCAPE = {"ada", "olga", "sam", "lena", "dan", "audrey"}  # not mark and sue (markets)
HIDDEN_FROM = ALL_STAFF - SEES_CITYSCAPE  # the cityscape case does not exist for them


@dataclass
class World:
    case_id: int
    case_no: str
    task_id: str
    spare_case_id: int  # cancelled during the walk, so the cancel cell does not disturb the others
    code: str  # the party's access code of the case
    external_id: str  # the permit case's registry check, waiting for a worker


@dataclass
class Row:
    method: str
    path: str
    allowed: set[str]
    body: Callable[[str], dict] | None = None  # keyword arguments for the request, by caller
    about_case: bool = False  # the path names the cityscape case (or its task): refusals must not leak it


def rows(world: World) -> list[Row]:
    case, task = f"/api/cases/{world.case_id}", f"/api/tasks/{world.task_id}"
    external = f"/api/external-tasks/{world.external_id}"
    opened = {"procedure": "notice", "data": {}}
    return [
        Row("GET", "/api/auth/me", ALL_STAFF),
        Row("GET", "/api/procedures", ALL_STAFF),
        Row("POST", "/api/procedures", {"ada"}, lambda who: {"files": upload(*NOTICE_FILES)}),
        Row("GET", "/api/procedures/notice/versions/1/bpmn", ALL_STAFF),
        Row("GET", "/api/users", {"ada", "audrey"}),
        Row("GET", "/api/migrations", {"ada", "lena", "audrey"}),
        Row("POST", "/api/migrations", {"ada"}, lambda who: {"json": {  # version 1 to 1: 422 for the admin
            "procedure": "notice", "source_version": 1, "target_version": 1, "case_filter": {"all": True},
            "reason": "matrix"}}),
        Row("POST", "/api/users", {"ada"}, lambda who: {"json": {
            "username": f"new-{abs(hash(who)) % 10_000}", "password": "long enough", "role": "auditor"}}),
        Row("POST", "/api/users/zed/disable", {"ada"}),
        Row("POST", "/api/cases", {"ada", "olga", "mark", "sam", "sue", "dan"}, lambda who: {"json": {
            **opened, "department": STAFF.get(who, (None, None))[1] or "cityscape"}}),
        Row("GET", "/api/cases", ALL_STAFF),
        Row("GET", case, SEES_CITYSCAPE, about_case=True),
        Row("GET", f"{case}/audit", SEES_CITYSCAPE, about_case=True),
        Row("GET", "/api/audit/verify", {"ada", "audrey"}),
        Row("GET", "/api/tasks", ALL_STAFF),
        Row("GET", task, SEES_CITYSCAPE, about_case=True),
        Row("POST", f"{case}/messages", {"olga", "sam", "lena"}, lambda who: {"json": {"name": "fine_paid"}},
            about_case=True),
        Row("POST", f"{case}/documents", {"ada", "olga", "sam", "lena"},
            lambda who: {"files": {"file": ("photo.jpg", b"\xff\xd8 photo", "image/jpeg")}}, about_case=True),
        Row("GET", f"{case}/documents", SEES_CITYSCAPE, about_case=True),
        Row("GET", f"{case}/documents/1", SEES_CITYSCAPE, about_case=True),
        Row("GET", f"{case}/documents/1/custody", SEES_CITYSCAPE, about_case=True),
        # ada added document 1 (the first allowed caller above), so ada holds it; a supervisor may move it on
        Row("POST", f"{case}/documents/1/handover", {"ada", "sam"},
            lambda who: {"json": {"to": f"Evidence room of {who}", "external": True}}, about_case=True),
        Row("POST", f"{case}/evidence-citations", {"olga"},  # the officer's task (it takes no decision: 409)
            lambda who: {"json": {"task_id": world.task_id, "document_ids": [1]}}, about_case=True),
        Row("GET", f"{case}/export", {"ada", "audrey"}, about_case=True),
        Row("POST", f"/api/cases/{world.spare_case_id}/suspend", {"ada", "sam"},
            lambda who: {"json": {"reason": "matrix"}}, about_case=True),
        Row("POST", f"/api/cases/{world.spare_case_id}/resume", {"ada", "sam"}, about_case=True),
        Row("POST", f"/api/cases/{world.spare_case_id}/cancel", {"ada", "sam"},
            lambda who: {"json": {"reason": "matrix"}}, about_case=True),
        Row("POST", f"{task}/complete", {"olga"}, lambda who: {"json": {"data": {
            "findings": "ok", "fine_due": False}}}, about_case=True),
        Row("POST", "/api/external-tasks/fetch-and-lock", {"walt"}, lambda who: {"json": {
            "workerId": "matrix", "maxTasks": 1, "topics": [{"topicName": "registry-check", "lockDuration": 60000}]}}),
        Row("POST", f"{external}/complete", {"walt"}, lambda who: {"json": {"workerId": "matrix"}}),
        Row("POST", f"{external}/failure", {"walt"}, lambda who: {"json": {"workerId": "matrix", "retries": 0}}),
        Row("POST", f"{external}/bpmn-error", {"walt"}, lambda who: {"json": {"workerId": "matrix",
                                                                             "errorCode": "not_registered"}}),
        Row("GET", "/api/party/case", {PARTY}),
        Row("POST", "/api/party/statement", {PARTY}, lambda who: {"json": {"text": "hello"}}),
        Row("POST", "/api/party/hearing-request", {PARTY}, lambda who: {"json": {"reason": ""}}),
    ]


@pytest.fixture
def world(rt, staff) -> World:
    the_notice(rt)
    users.add_user(rt, username="zed", password="long enough", role="auditor", actor=Actor.system("tests"))
    officer = Actor("olga", Role.OFFICER, "cityscape")
    case = cases.open_case(rt, procedure="notice", data={}, actor=officer)
    spare = cases.open_case(rt, procedure="notice", data={}, actor=officer)
    procedures.deploy_procedure(rt, files={EXAMPLE.name: EXAMPLE.read_bytes()}, actor=an_admin())
    permit = cases.open_case(rt, procedure="permit_check", data={}, actor=officer)
    with rt.store.transaction(write=False) as session:
        [external] = external_tasks.ready_of_case(session, permit.id)
    return World(case.id, case.case_no, case.ready_tasks[0].id, spare.id, case.access_code, external.id)


def test_every_role_against_every_endpoint(client, login, world):
    party = client.post("/api/party/token", data={"case_no": world.case_no, "code": world.code}).json()
    headers = {ANONYMOUS: {}, PARTY: {"Authorization": f"Bearer {party['access_token']}"},
               **{name: login(name) for name in STAFF}}
    wrong, table = [], []
    for row in rows(world):
        cells = {}
        # refusals first: an allowed call may change the case (complete, cancel) for the callers after it
        for who in sorted(EVERYONE, key=lambda w: w in row.allowed):
            kwargs = row.body(who) if row.body else {}
            response = client.request(row.method, row.path, headers=headers[who], **kwargs)
            status, cells[who] = response.status_code, response.status_code
            if who == ANONYMOUS:
                expected = "401"
                ok = status == 401
            elif who in row.allowed:
                expected = "allowed"
                ok = status < 500 and status not in (401, 403, 404)
            elif row.about_case and who in HIDDEN_FROM:
                expected = "the answer for a missing case (404, or 403 when the role alone refuses)"
                ok = status in (403, 404) and (status, response.json()) == _missing(client, headers[who], row)
            else:
                expected = "403"
                ok = status == 403
            if ok and status in (401, 403, 404) and row.about_case and world.case_no in response.text:
                ok, expected = False, f"{expected} without the case number"
            if not ok:
                wrong.append(f"{row.method} {row.path} as {who}: {status}, expected {expected}: {response.text[:120]}")
        table.append(f"{row.method:5} {row.path:48} " + " ".join(f"{cells[w]:>3}" for w in EVERYONE))
    header = f"{'':54} " + " ".join(f"{w[:3]:>3}" for w in EVERYONE)
    assert not wrong, "\n".join(wrong) + "\n\n" + header + "\n" + "\n".join(table)


def _missing(client, headers, row: Row) -> tuple[int, dict]:
    """What the same request gets for a case (or task) that does not exist, with the ids put back."""
    case_id, task_id = row.path.split("/")[3], "00000000-0000-4000-8000-000000000000"
    path = row.path.replace(f"/cases/{case_id}", "/cases/999999")
    is_task = path.startswith("/api/tasks/")
    if is_task:
        case_id, path = path.split("/")[3], "/".join(path.split("/")[:3] + [task_id] + path.split("/")[4:])
    kwargs = row.body("mark") if row.body else {}
    response = client.request(row.method, path, headers=headers, **kwargs)
    text = json.dumps(response.json()).replace(task_id if is_task else "999999", case_id)
    return response.status_code, json.loads(text)


def test_an_unknown_case_is_404_for_everyone_who_may_read_cases_but_401_without_a_token(client, login, world):
    for name in STAFF:
        assert client.get("/api/cases/999999", headers=login(name)).status_code == 404
    assert client.get("/api/cases/999999").status_code == 401
