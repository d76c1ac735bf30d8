"""Dispatch, return, dispute and assignment on both databases: one holder at every instant, every hop audited."""
from __future__ import annotations

import json

import pytest

from engine.domain import Actor, CaseNotFoundError, ConflictError, ForbiddenError, InvalidDataError, Role
from engine.services import coordination, responsibilities, users
from engine.store import queries
from tests.builders import a_case, an_admin, an_officer, the_notice

LIST = """department,category,area,legal_basis,return_days
sanitation,street_vending,*,City Appearance Regulations art. 17,1
markets,street_vending,HP-0412,Market Rules art. 9,2
"""
DAN = Actor("dan", Role.DISPATCHER)
CORA = Actor("cora", Role.COORDINATOR)
SANI = Actor("sara", Role.OFFICER, "sanitation")
MARK = Actor("mark", Role.OFFICER, "markets")


@pytest.fixture
def listed(rt):
    for name, role, department in (("sara", "officer", "sanitation"), ("mark", "officer", "markets"),
                                   ("olga", "officer", "cityscape")):
        users.add_user(rt, username=name, password="correct horse", role=role, department=department,
                       actor=Actor.system("tests"))
    responsibilities.publish_csv(rt, text=LIST, actor=an_admin())
    the_notice(rt)
    return a_case(rt, category="street_vending")


def _events(rt, case_id):
    with rt.store.transaction(write=False) as session:
        return [(e.event_type, json.loads(e.payload)) for e in queries.audit_events(session, case_id)]


def test_the_list_is_versioned_and_public(rt, listed):
    [first, second] = responsibilities.published(rt)
    assert {first.area, second.area} == {"*", "HP-0412"} and first.version == 1
    with pytest.raises(InvalidDataError) as bad:
        responsibilities.publish_csv(rt, text="department,category,area,legal_basis\nSani tation,x,*,\n",
                                     actor=an_admin())
    assert "line 2" in bad.value.details[0]["field"]
    with pytest.raises(InvalidDataError):  # a stray carriage return is no CSV
        responsibilities.publish_csv(rt, text="IZ\u00eb)\r\u38c8$c", actor=an_admin())
    with pytest.raises(ForbiddenError):
        responsibilities.publish_csv(rt, text=LIST, actor=DAN)
    responsibilities.publish_csv(rt, text=LIST, actor=an_admin())
    assert {v.version for v in responsibilities.published(rt)} == {2}
    assert len(responsibilities.published(rt, version=1)) == 2


def test_the_dispatcher_holds_a_new_case_and_the_list_proposes_the_most_specific_entry(rt, listed):
    view = coordination.holder(rt, case_id=listed.id, actor=DAN)
    assert view.holder == "dispatcher" and view.proposal["department"] == "markets"
    with pytest.raises(ForbiddenError):
        coordination.dispatch_case(rt, case_id=listed.id, actor=an_officer())
    with pytest.raises(InvalidDataError):  # overriding the list needs a reason
        coordination.dispatch_case(rt, case_id=listed.id, actor=DAN, department="sanitation")
    view = coordination.dispatch_case(rt, case_id=listed.id, actor=DAN)
    assert (view.holder, view.department) == ("department", "markets")
    assert view.return_due_at.startswith("2026-03-04")  # 2 working days after Monday 2 March, end of day local
    assert coordination.holder(rt, case_id=listed.id, actor=MARK).holder == "department"


def test_return_dispute_and_assignment_keep_one_holder_and_audit_every_hop(rt, listed, clock):
    entry = next(v for v in responsibilities.published(rt) if v.department == "sanitation")
    coordination.dispatch_case(rt, case_id=listed.id, actor=DAN)
    with pytest.raises(CaseNotFoundError):  # only the holding department returns; others do not even see it
        coordination.return_case(rt, case_id=listed.id, actor=SANI, reason="not ours", entry=entry.id)
    with pytest.raises(InvalidDataError):
        coordination.return_case(rt, case_id=listed.id, actor=MARK, reason="not ours")
    clock.advance(hours=2)
    view = coordination.return_case(rt, case_id=listed.id, actor=MARK, reason="vending is sanitation's",
                                    entry=entry.id)
    assert view.holder == "dispatcher" and view.returns == 1
    clock.advance(hours=1)
    coordination.dispatch_case(rt, case_id=listed.id, actor=DAN, department="markets", reason="the cell is a market")
    clock.advance(hours=1)
    view = coordination.return_case(rt, case_id=listed.id, actor=MARK, reason="still not ours", entry=entry.id)
    assert view.holder == "coordinator" and view.assign_due_at.startswith("2026-03-04")
    with pytest.raises(ForbiddenError):
        coordination.assign_case(rt, case_id=listed.id, actor=DAN, department="sanitation", reason="x")
    clock.advance(hours=3)
    view = coordination.assign_case(rt, case_id=listed.id, actor=CORA, department="sanitation",
                                    reason="the stall stands on the pavement", legal_basis="Regulations art. 17")
    assert (view.holder, view.department, view.return_due_at) == ("department", "sanitation", None)
    with pytest.raises(ConflictError):  # the coordinator's decision is final
        coordination.return_case(rt, case_id=listed.id, actor=SANI, reason="no", entry=entry.id)
    assert [(h["holder"], h["department"]) for h in view.chain] == [
        ("dispatcher", None), ("department", "markets"), ("dispatcher", None), ("department", "markets"),
        ("dispatcher", None), ("coordinator", None), ("department", "sanitation")]
    hops = [t for t, _ in _events(rt, listed.id) if t.startswith(("case_d", "case_r", "coordinator"))]
    assert hops == ["case_dispatched", "case_returned", "case_dispatched", "case_returned", "case_disputed",
                    "coordinator_assigned"]
    amended = [v for v in responsibilities.published(rt) if v.area == "HP-0412"]
    assert [(v.department, v.version) for v in amended] == [("sanitation", 2)]
    with rt.store.transaction(write=False) as session:
        assert queries.case(session, listed.id).department == "sanitation"
        assert {t.department for t in queries.ready_tasks_of_case(session, listed.id)} == {"sanitation"}


def test_after_the_limit_the_case_is_the_departments(rt, listed, clock):
    entry = responsibilities.published(rt)[0]
    coordination.dispatch_case(rt, case_id=listed.id, actor=DAN)
    clock.advance(days=3)
    with pytest.raises(ConflictError, match="has passed"):
        coordination.return_case(rt, case_id=listed.id, actor=MARK, reason="late", entry=entry.id)


def test_an_explicit_dispute_goes_to_the_coordinator(rt, listed):
    with pytest.raises(CaseNotFoundError):  # markets neither holds nor sees the case
        coordination.dispute_case(rt, case_id=listed.id, actor=MARK, reason="x")
    view = coordination.dispute_case(rt, case_id=listed.id, actor=DAN, reason="two departments claim it")
    assert view.holder == "coordinator"
    with pytest.raises(ConflictError):
        coordination.dispatch_case(rt, case_id=listed.id, actor=DAN)
