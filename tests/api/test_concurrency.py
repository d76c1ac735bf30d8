"""Races: two clicks on one task at once, two timer workers on one database, the background timer loop."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from api.worker import TimerLoop
from engine.domain import Actor, Role
from engine.services import cases, tasks
from engine.services.runtime import Runtime
from engine.services.timers import fire_due_timers
from tests.api.conftest import SECRET
from tests.builders import the_notice

OFFICER = Actor("olga", Role.OFFICER, "cityscape")
INSPECTED = {"findings": "ok", "severity": "serious", "fine_due": True}


def test_two_completions_of_one_task_at_once_give_one_200_and_one_409(rt, app, login):
    the_notice(rt)
    headers = login("olga")
    clients = [TestClient(app), TestClient(create_app(rt, settings=Settings(secret=SECRET)))]
    for _ in range(3):  # a few rounds, so the two requests really overlap at least once
        case = cases.open_case(rt, procedure="notice", data={}, actor=OFFICER)
        task_id = case.ready_tasks[0].id
        start = threading.Barrier(2)

        def click(client):
            start.wait()
            return client.post(f"/api/tasks/{task_id}/complete", headers=headers, json={"data": INSPECTED})
        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(click, clients))
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409).json()["error"]
        assert loser["code"] in ("task_already_completed", "stale_case_version", "task_not_ready")
        completed = [e for e in cases.case_audit(rt, case_id=case.id, actor=OFFICER)
                     if e["event_type"] == "task_completed"]
        assert len(completed) == 1


def waiting_for_approval(rt, count: int) -> list[int]:
    """Cases whose approval deadline (36 h) will be due."""
    ids = []
    for _ in range(count):
        case = cases.open_case(rt, procedure="notice", data={}, actor=OFFICER)
        tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTED, actor=OFFICER)
        ids.append(case.id)
    return ids


def fired_per_case(rt, ids: list[int]) -> dict[int, int]:
    return {case_id: sum(e["event_type"] == "timer_fired" for e in cases.case_audit(rt, case_id=case_id,
                                                                                 actor=OFFICER))
            for case_id in ids}


def test_two_timer_workers_fire_each_due_case_exactly_once(rt, clock, staff):
    the_notice(rt)
    ids = waiting_for_approval(rt, 12)
    due = clock.advance(hours=37)
    # each worker has its own runtime (its own connections), as two `dueflow worker` processes would
    workers = [Runtime(rt.store, clock), Runtime(type(rt.store)(rt.store.url), clock)]
    start = threading.Barrier(2)

    def work(worker_rt):
        start.wait()
        return fire_due_timers(worker_rt, now=due)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(work, workers))
    workers[1].store.dispose()
    fired = [case_no for report in reports for case_no in report.cases]
    assert len(fired) == len(set(fired)) == 12
    assert fired_per_case(rt, ids) == {case_id: 1 for case_id in ids}
    assert all(cases.get_case(rt, case_id=i, actor=OFFICER).status == "closed" for i in ids)


def test_the_background_timer_loop_fires_due_timers_while_the_api_serves(rt, clock, staff, login):
    the_notice(rt)
    [case_id] = waiting_for_approval(rt, 1)
    app = create_app(rt, settings=Settings(secret=SECRET, timer_interval=0.05))
    with TestClient(app) as client:  # runs the lifespan: the loop starts here and stops at the end
        assert isinstance(app.state.timer_loop, TimerLoop)
        clock.advance(hours=37)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            view = client.get(f"/api/cases/{case_id}", headers=login("olga")).json()
            if view["status"] == "closed":
                break
            time.sleep(0.05)
        assert view["status"] == "closed" and view["outcome"] == "closed_unpaid"
    assert fired_per_case(rt, [case_id]) == {case_id: 1}
