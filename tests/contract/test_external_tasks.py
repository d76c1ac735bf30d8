"""External tasks on both databases: service and send tasks wait for workers of their topic, who fetch and lock
them, complete them, fail them (retries; none left: an incident) or throw a BPMN error a boundary event catches;
locks expire on the runtime clock; a receive task waits for its message. Every act is on the case's chain."""
import pytest

from engine.domain import (Actor, ExternalTaskLockError, ExternalTaskNotFoundError, ForbiddenError,
                           InvalidDataError, Role, TaskAlreadyCompletedError, TaskNotReadyError)
from engine.services import audit_trail, cases, external_tasks, incidents, procedures, tasks, users
from engine.store import external_tasks as external_tasks_store, queries
from tests.builders import ROOT, a_deployed, an_admin, an_officer

EXAMPLE = ROOT / "examples" / "external_tasks.bpmn"
WORKER = Actor("walt", Role.WORKER)
MINUTE = 60_000


@pytest.fixture
def permit_case(rt):
    users.add_user(rt, username="walt", password="long enough", role="worker", actor=Actor.system("tests"),
                   topics=["registry-check", "org.example.SendNotice"])
    procedures.deploy_procedure(rt, files={EXAMPLE.name: EXAMPLE.read_bytes()}, actor=an_admin())
    return cases.open_case(rt, procedure="permit_check", data={"applicant": "Green Grocer"}, actor=an_officer())


def _fetch(rt, topic="registry-check", worker="w1", lock=MINUTE, actor=WORKER):
    return external_tasks.fetch_and_lock(rt, actor=actor, worker_id=worker, max_tasks=5, topics=[(topic, lock)])


def _events(rt, case_id):
    with rt.store.transaction(write=False) as session:
        return [(e.event_type, e.actor, e.element_id) for e in queries.audit_events(session, case_id)]


def test_a_worker_fetches_completes_and_the_case_runs_on_to_its_receive_task(rt, permit_case):
    assert [(x["element_id"], x["topic"]) for x in permit_case.external_tasks] == [("check_registry",
                                                                                     "registry-check")]
    [task] = _fetch(rt)
    assert (task.topicName, task.activityId, task.businessKey, task.variables["applicant"]) == \
        ("registry-check", "check_registry", permit_case.case_no, "Green Grocer")
    assert _fetch(rt, worker="w2") == [], "a locked task is not fetched twice"
    external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w1", variables={
        "registered": {"value": True, "type": "Boolean"}, "registry_no": "91310000"})
    [notice] = _fetch(rt, topic="org.example.SendNotice")  # the send task's topic is its Java class
    assert notice.variables["registered"] is True and notice.activityId == "send_notice"
    external_tasks.complete(rt, actor=WORKER, task_id=notice.id, worker_id="w1", variables={})
    view = cases.get_case(rt, case_id=permit_case.id, actor=an_admin())
    assert view.status == "open" and not view.ready_tasks
    closed = cases.deliver_message(rt, case_id=permit_case.id, name="receipt_confirmed", payload={},
                                   actor=Actor.system("post"))
    assert closed.status == "closed"
    events = _events(rt, permit_case.id)
    assert [e for e in events if e[0].startswith("external_task")] == [
        ("external_task_locked", "walt", "check_registry"), ("external_task_completed", "walt", "check_registry"),
        ("external_task_locked", "walt", "send_notice"), ("external_task_completed", "walt", "send_notice")]
    assert ("message_received", "post", "wait_for_receipt") in events
    assert audit_trail.verify_audit(rt, actor=an_admin())["ok"]


def test_only_the_lock_holder_completes_and_an_expired_lock_goes_to_the_next_worker(rt, permit_case, clock):
    [task] = _fetch(rt, worker="w1", lock=MINUTE)
    with pytest.raises(ExternalTaskLockError):
        external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w2", variables={})
    clock.advance(minutes=2)  # the runtime clock moves: the lock expired
    with pytest.raises(ExternalTaskLockError):
        external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w1", variables={})
    [again] = _fetch(rt, worker="w2")
    assert again.id == task.id and again.workerId == "w2"
    external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w2", variables={})
    with pytest.raises(TaskAlreadyCompletedError):
        external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w2", variables={})


def test_failures_with_retries_wait_out_the_timeout_and_none_left_opens_an_incident_an_admin_retries(
        rt, permit_case, clock):
    [task] = _fetch(rt)
    external_tasks.failure(rt, actor=WORKER, task_id=task.id, worker_id="w1", error_message="registry down",
                           retries=1, retry_timeout_ms=5 * MINUTE)
    assert _fetch(rt) == [], "not before the retry timeout"
    clock.advance(minutes=6)
    [again] = _fetch(rt)
    assert (again.retries, again.errorMessage) == (1, "registry down")
    external_tasks.failure(rt, actor=WORKER, task_id=task.id, worker_id="w1", error_message="still down",
                           retries=0)
    clock.advance(minutes=60)
    assert _fetch(rt) == [], "no retries left: it waits for an admin"
    [incident] = incidents.list_incidents(rt, actor=an_admin())
    assert (incident.code, incident.kind, incident.element_id) == ("external_task_failed", "external",
                                                                   "check_registry")
    incidents.retry_incident(rt, incident_id=incident.id, actor=an_admin())
    [fresh] = _fetch(rt)
    assert fresh.id == task.id and fresh.retries is None
    kinds = [e[0] for e in _events(rt, permit_case.id)]
    assert kinds.count("external_task_failed") == 2 and "incident_opened" in kinds \
        and "external_task_released" in kinds


def test_a_bpmn_error_takes_the_boundary_path_and_an_uncaught_one_is_an_incident(rt, permit_case):
    [task] = _fetch(rt)
    external_tasks.bpmn_error(rt, actor=WORKER, task_id=task.id, worker_id="w1", error_code="not_registered",
                              error_message="no such company")
    view = cases.get_case(rt, case_id=permit_case.id, actor=an_admin())
    assert [t.element_id for t in view.ready_tasks] == ["check_by_hand"]
    assert view.data["error_code"] == "not_registered"
    kinds = [e[0] for e in _events(rt, permit_case.id)]
    assert kinds.index("bpmn_error_thrown") < kinds.index("external_task_cancelled")

    other = cases.open_case(rt, procedure="permit_check", data={}, actor=an_officer())
    [task] = _fetch(rt)
    external_tasks.bpmn_error(rt, actor=WORKER, task_id=task.id, worker_id="w1", error_code="unknown_code")
    [incident] = incidents.list_incidents(rt, actor=an_admin(), case_id=other.id)
    assert incident.kind == "external" and "caught by no error boundary event" in incident.message
    assert _fetch(rt) == [], "the task waits for an admin, not for the next worker"


def test_workers_fetch_only_their_topics_and_only_workers_fetch(rt, permit_case):
    with pytest.raises(ForbiddenError):
        _fetch(rt, topic="payments")
    with pytest.raises(ForbiddenError):
        _fetch(rt, actor=an_officer())
    users.add_user(rt, username="pat", password="long enough", role="worker", actor=Actor.system("tests"),
                   topics=["payments"])
    [task] = _fetch(rt)
    with pytest.raises(ExternalTaskNotFoundError):  # another topic's task does not exist for this worker
        external_tasks.complete(rt, actor=Actor("pat", Role.WORKER), task_id=task.id, worker_id="w1",
                                variables={})
    with pytest.raises(InvalidDataError):
        external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w1", variables={"class": 1})
    with pytest.raises(InvalidDataError):
        users.add_user(rt, username="nobody", password="long enough", role="worker", actor=Actor.system("t"))
    with pytest.raises(InvalidDataError):
        users.add_user(rt, username="oops", password="long enough", role="auditor", actor=Actor.system("t"),
                       topics=["payments"])
    with pytest.raises(InvalidDataError):  # a worker reads no department's cases
        users.add_user(rt, username="insider", password="long enough", role="worker", actor=Actor.system("t"),
                       topics=["payments"], department="cityscape")


def test_external_tasks_are_no_ones_user_tasks(rt, permit_case):
    assert tasks.ready_tasks(rt, actor=an_officer()) == []


def test_a_deadline_that_passed_withdraws_the_task_before_a_late_worker_completes_it(rt, permit_case, clock):
    a_deployed(rt, "external_deadline.bpmn")
    case = cases.open_case(rt, procedure="external_deadline", data={}, actor=an_officer())
    [task] = [t for t in _fetch(rt, lock=3 * 3600_000) if t.caseId == case.id]
    clock.advance(hours=2)  # the lock still holds, but the step's one hour is over
    with pytest.raises(TaskNotReadyError):
        external_tasks.complete(rt, actor=WORKER, task_id=task.id, worker_id="w1", variables={})
    view = cases.get_case(rt, case_id=case.id, actor=an_admin())
    assert (view.status, view.outcome, view.external_tasks) == ("closed", "not_checked", [])
    with rt.store.transaction(write=False) as session:
        assert external_tasks_store.external_task(session, task.id).state == "cancelled"
    assert ("external_task_cancelled", "timer", "check_registry") in _events(rt, case.id)


def test_two_workers_fetching_at_the_same_moment_never_get_the_same_task(rt, permit_case):
    import threading

    cases.open_case(rt, procedure="permit_check", data={}, actor=an_officer())
    barrier, got = threading.Barrier(2), {}

    def fetch(worker):
        barrier.wait()
        got[worker] = [t.id for t in external_tasks.fetch_and_lock(rt, actor=WORKER, worker_id=worker, max_tasks=2,
                                                                   topics=[("registry-check", MINUTE)])]

    threads = [threading.Thread(target=fetch, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got["w1"]) + len(got["w2"]) == 2 and not set(got["w1"]) & set(got["w2"]), got
    assert audit_trail.verify_audit(rt, actor=an_admin())["ok"]
