"""A city's caseload for bench/volume_bench.py: a sample of cases run through the engine (real workflow state,
tasks and chained audit events), then the volume by bulk COPY, each bulk case a copy of a sample case's
workflow state, deadlines and ready task under its own number, party, address, department and dates.

Bulk audit events carry the types and elements the assessment counts but are not hash-chained (a throwaway
database). Secondary indexes are dropped before the COPY and built after it, as a bulk load should.
"""
from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from engine.domain import Actor, FixedClock, Role
from engine.services import cases, procedures, tasks
from engine.services.runtime import Runtime
from engine.settings import Settings
from engine.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOTICE = [ROOT / "tests" / "fixtures" / "notice.bpmn", ROOT / "tests" / "fixtures" / "fine_amount.dmn"]
DEPARTMENTS = [f"dept{n:02d}" for n in range(20)]
NOW = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)  # the bench's "today": opened over the year before it
YEAR_MINUTES = 525_600
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉"
STREETS = [f"{a}{b}路" for a in "人民解放中山建设和平胜利新华朝阳东风" for b in "东西南北中"]
INSPECTED = {"findings": "货物占道经营 goods on the pavement", "severity": "serious", "fine_due": False}


def party_name(n: int) -> str:
    """A three-character Chinese name (some 50,000 of them: a name finds a few dozen cases in a million)."""
    surnames, given = len(SURNAMES), len(GIVEN)
    return SURNAMES[n % surnames] + GIVEN[(n // surnames) % given] + GIVEN[(n // (surnames * given)) % given]


def address(n: int) -> str:
    return f"{STREETS[(n * 7) % len(STREETS)]}{(n * 13) % 2000 + 1}号"


@dataclass
class Template:
    """A sample case's engine-made state, copied into bulk cases of the same kind."""
    status: str
    stage: str | None
    outcome: str | None
    workflow_state: str
    deadlines: str
    task: tuple[str, str, str | None, str] | None  # element, name, stage, role of its ready task


def progress(label: str, done: int, total: int, began: float) -> None:
    rate = done / max(time.perf_counter() - began, 1e-9)
    print(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", flush=True)


def engine_sample(store: Store, count: int) -> list[int]:
    """`count` cases through the engine: a third waiting for inspection, a third for approval (deadline in
    36 h), a third closed with a warning. Returns their ids."""
    clock = FixedClock(NOW - timedelta(days=30))
    rt = Runtime(store, clock, settings=Settings.ephemeral())
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE}, actor=Actor.system("bench"))
    ids, began = [], time.perf_counter()
    for n in range(count):
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        officer, supervisor = Actor(f"officer{n % 40}", Role.OFFICER, department), Actor(
            f"supervisor{n % 20}", Role.SUPERVISOR, department)
        view = cases.open_case(rt, procedure="notice", actor=officer, data={
            "party": {"name": party_name(n), "type": "person"}, "category": "street_vending",
            "location": {"address": address(n), "grid_cell": f"G-{n % 400:03d}"}})
        if n % 3:
            view = tasks.complete_task(rt, task_id=view.ready_tasks[0].id, data=INSPECTED, actor=officer)
        if n % 3 == 2:
            tasks.complete_task(rt, task_id=view.ready_tasks[0].id, data={"approved_by": supervisor.username},
                                actor=supervisor)
        ids.append(view.id)
        clock.advance(minutes=7)
        if (n + 1) % 100 == 0 or n + 1 == count:
            progress("engine sample (open, inspect, approve)", n + 1, count, began)
    return ids


def templates(store: Store, ids: list[int]) -> dict[str, Template]:
    """One template per kind (waiting for inspection, for approval, closed) from the sample cases."""
    found: dict[str, Template] = {}
    with store.engine.connect() as conn:
        for case_id in ids[:3]:
            row = conn.execute(text("SELECT status, stage, outcome, workflow_state, CAST(deadlines AS TEXT) "
                                    "FROM enforcement_case WHERE id = :id"), {"id": case_id}).one()
            task = conn.execute(text("SELECT element_id, name, stage, role FROM task WHERE case_id = :id AND "
                                     "state = 'ready'"), {"id": case_id}).first()
            kind = "closed" if row[0] == "closed" else task[0]
            found[kind] = Template(row[0], row[1], row[2], row[3], row[4], tuple(task) if task else None)
    return found


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def bulk_load(store: Store, *, first_id: int, count: int, version_id: int, kinds: dict[str, Template]) -> None:
    """`count` cases from id `first_id`: one in ten open (half waiting for inspection, half for approval with a
    deadline spread over the coming year), the rest closed; with their ready tasks and audit events."""
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET default_toast_compression = lz4")
        cur.execute("CREATE TEMP TABLE bulk_case (id integer, kind text, case_no text, party_name text, "
                    "address text, grid_cell text, department text, opened_by text, opened_at timestamptz, "
                    "closed_at timestamptz, next_due_at timestamptz)")
        began, step = time.perf_counter(), 50_000
        for start in range(0, count, step):
            cases_, tasks_, events = io.StringIO(), io.StringIO(), io.StringIO()
            for n in range(first_id + start, first_id + min(start + step, count)):
                _rows(n, kinds, cases_, tasks_, events)
            with cur.copy("COPY bulk_case FROM STDIN") as copy:
                copy.write(cases_.getvalue())
            for kind, template in kinds.items():  # the states join in on the server: no 8 kB a row on the wire
                cur.execute(
                    "INSERT INTO enforcement_case (id, case_no, procedure_version_id, status, stage, outcome, "
                    "category, party_name, party_type, party_contact, party_id_masked, address, grid_cell, "
                    "department, opened_by, opened_at, closed_at, next_due_at, deadlines, workflow_state, audit_seq, "
                    "audit_head, row_version) SELECT id, case_no, %s, %s, %s, %s, 'street_vending', party_name, "
                    "'person', '', '', address, grid_cell, department, opened_by, opened_at, closed_at, next_due_at, "
                    "%s, %s, 0, '', 1 FROM bulk_case WHERE kind = %s",
                    (version_id, template.status, template.stage, template.outcome, template.deadlines,
                     template.workflow_state, kind))
            cur.execute("TRUNCATE bulk_case")
            with cur.copy("COPY task (id, case_id, element_id, name, role, stage, department, state, created_at, "
                          "due_at) FROM STDIN") as copy:
                copy.write(tasks_.getvalue())
            with cur.copy("COPY audit_event (case_id, seq, occurred_at, actor, actor_role, event_type, element_id, "
                          "procedure_version, payload, prev_hash, hash, tag) FROM STDIN") as copy:
                copy.write(events.getvalue())
            progress("bulk COPY (cases, tasks, audit events)", min(start + step, count), count, began)
        cur.execute("DROP TABLE bulk_case")
        raw.commit()
    finally:
        raw.close()


def _rows(n: int, kinds: dict[str, Template], cases_: io.StringIO, tasks_: io.StringIO, events: io.StringIO) -> None:
    opened = NOW - timedelta(minutes=YEAR_MINUTES - (n * 7919) % YEAR_MINUTES)
    department = DEPARTMENTS[(n // 10) % len(DEPARTMENTS)]  # open ones (n % 10 == 0) in every department
    kind = ("inspect" if (n // 200) % 2 else "approve") if n % 10 == 0 else "closed"
    due = NOW + timedelta(minutes=(n * 104_729) % YEAR_MINUTES) if kind == "approve" else None
    closed = opened + timedelta(days=2 + n % 20) if kind == "closed" else None
    cases_.write("\t".join([str(n), kind, f"{opened.year}-{n:06d}", party_name(n), _escape(address(n)),
                            f"G-{(n // 7) % 400:03d}", department, f"officer{n % 40}", _ts(opened),
                            _ts(closed) if closed else "\\N", _ts(due) if due else "\\N"]) + "\n")
    template = kinds[kind]
    if template.task is not None:
        element, name, stage, role = template.task
        tasks_.write("\t".join([str(uuid.UUID(int=n)), str(n), element, _escape(name), role, stage or "\\N",
                                department, "ready", _ts(opened), _ts(due) if due else "\\N"]) + "\n")
    kinds_of = [("case_opened", "\\N", 0), ("case_dispatched", "\\N", 60), ("task_completed", "inspect", 600)]
    if n % 10 == 3:
        kinds_of.insert(2, ("case_returned", "\\N", 120))
    if closed is not None:
        kinds_of += [("task_completed", "feed_back", 1440), ("case_closed", "\\N", 2 * 1440)]
        if n % 8 == 1:
            kinds_of.insert(-1, ("task_completed", "feed_back", 2000))
        if n % 20 == 7:
            kinds_of.insert(-1, ("timer_fired", "\\N", 2500))
    elif kind == "inspect":
        kinds_of = kinds_of[:2]
    for seq, (event, element, after) in enumerate(kinds_of, start=1):
        events.write(f"{n}\t{seq}\t{_ts(opened + timedelta(minutes=after))}\tbench\tsystem\t{event}\t{element}\t"
                     f"notice:1\t{{}}\t\t\t\n")
