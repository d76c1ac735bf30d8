"""List reads at volume: the worklist and the case search select only the columns a list shows (never the
workflow state), page by keyset cursor (never OFFSET), and paging walks every row once, on both databases."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.sql import visitors

from engine.domain import InvalidDataError
from engine.services import cases, tasks
from engine.store import lists
from tests.builders import a_case, a_supervisor, an_admin, an_auditor, an_officer, the_notice

INSPECTION = {"findings": "goods on the pavement", "severity": "serious", "fine_due": True}


@contextmanager
def statements(store):
    """The SQL the engine sends while the block runs, and how many of its statements skip rows with OFFSET
    (read from the statement objects: SQLite's compiler writes `OFFSET ?` after every LIMIT)."""
    seen: list[str] = []
    offsets: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    def inspect(conn, clause, multiparams, params, execution_options):
        if any(getattr(node, "_offset_clause", None) is not None for node in visitors.iterate(clause)):
            offsets.append(str(clause))

    event.listen(store.engine, "before_cursor_execute", note)
    event.listen(store.engine, "before_execute", inspect)
    try:
        yield seen, offsets
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
        event.remove(store.engine, "before_execute", inspect)


def some_cases(rt, clock, *, opened: int = 5, inspected: int = 3) -> list[int]:
    """`opened` cases in cityscape, of which `inspected` wait for approval with a deadline (36 h after their
    inspection, an hour apart); the others wait for an inspection without one."""
    the_notice(rt)
    ids = []
    for n in range(opened):
        case = a_case(rt, party={"name": f"Stall {n}", "type": "person"},
                      location={"address": f"{n} Huaihai Road", "grid_cell": "HP-0412"})
        ids.append(case.id)
        if n < inspected:
            tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
        clock.advance(hours=1)
    return ids


def test_list_queries_never_read_workflow_state_nor_skip_with_offset(rt, clock):
    some_cases(rt, clock)
    with statements(rt.store) as (seen, offsets):
        first = tasks.ready_tasks(rt, actor=an_admin(), all_roles=True, limit=2)
        tasks.ready_tasks(rt, actor=an_admin(), all_roles=True, after=tasks.next_cursor(first, 2), limit=2)
        tasks.ready_tasks(rt, actor=an_officer())
        tasks.ready_tasks(rt, actor=a_supervisor())
        page = cases.search_cases(rt, actor=an_officer(), limit=2)
        cases.search_cases(rt, actor=an_officer(), after=page.next, limit=2)
        cases.search_cases(rt, actor=an_auditor(), text="Huaihai", status="open", stage="notice",
                           grid_cell="HP-0412", category="street_order", due_before=clock(), department="cityscape")
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 7, seen
    assert [s for s in selects if "workflow_state" in s] == [], "a list read the workflow state"
    assert offsets == [], "a list skipped rows with OFFSET"


def test_the_worklist_pages_by_cursor_through_dated_then_undated_tasks(rt, clock):
    some_cases(rt, clock)
    whole = tasks.ready_tasks(rt, actor=an_admin(), all_roles=True)
    assert [t.element_id for t in whole] == ["approve"] * 3 + ["inspect"] * 2, "soonest deadline first, undated last"
    walked, cursor = [], None
    while True:
        page = tasks.ready_tasks(rt, actor=an_admin(), all_roles=True, after=cursor, limit=2)
        walked += page
        cursor = tasks.next_cursor(page, 2)
        if cursor is None:
            break
    assert [t.id for t in walked] == [t.id for t in whole], "every task once, in the same order"
    with pytest.raises(InvalidDataError, match="after"):
        tasks.ready_tasks(rt, actor=an_officer(), after="not-a-cursor")


def test_cases_page_newest_first_by_cursor_and_count_up_to_a_cap(rt, clock, monkeypatch):
    ids = some_cases(rt, clock, inspected=0)
    walked, after = [], None
    while True:
        page = cases.search_cases(rt, actor=an_officer(), after=after, limit=2)
        assert (page.total, page.capped) == (5, False)
        walked += [c["id"] for c in page.items]
        if page.next is None:
            break
        after = page.next
    assert walked == sorted(ids, reverse=True)
    monkeypatch.setattr(lists, "COUNT_CAP", 3)
    capped = cases.search_cases(rt, actor=an_officer(), text="Stall")
    assert (capped.total, capped.capped, len(capped.items)) == (3, True, 5)
    assert cases.search_cases(rt, actor=an_officer(), text="3 Huaihai").items[0]["party_name"] == "Stall 3"
