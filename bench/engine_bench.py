"""Task completions per second through complete_task (SQLite WAL file, PostgreSQL when reachable), beside raw
SpiffWorkflow running the same BPMN in memory with a JSON round trip at every step; and bytes stored per case.

Run: .venv/bin/python -m bench.engine_bench [--cases 200] [--tasks 7] [--pg URL]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from io import BytesIO

from bench.procedures import sequential_bpmn
from engine.domain import Actor, Role
from engine.services import cases, procedures, tasks
from engine.services.runtime import Runtime
from engine.store import Store, queries

OFFICER = Actor("bench", Role.OFFICER, "bench")
ADMIN = Actor("admin", Role.ADMIN)


def raw_spiff(bpmn: bytes, n_cases: int) -> tuple[float, int]:
    """The baseline: stock SpiffWorkflow, stock serializer (spec included), JSON round trip every step."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = CamundaParser()
    parser.add_bpmn_io(BytesIO(bpmn), "bench.bpmn")
    spec = parser.get_spec("bench_line")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    completions, size = 0, 0
    started = time.perf_counter()
    for _ in range(n_cases):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        while True:
            workflow = serializer.deserialize_json(state)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            ready[0].data.update({"note": "ok"})
            ready[0].run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            completions += 1
        size = len(state)
    return completions / (time.perf_counter() - started), size


def persisted(store: Store, bpmn: bytes, n_cases: int, *, warm: bool = True) -> tuple[float, float, int]:
    """complete_task end to end: lock, load, run, audit, write; returns (completions/s, state bytes, db bytes).
    `warm=False` turns off the in-process cache of saved workflows, so every step deserializes its state."""
    store.migrate()
    rt = Runtime(store, warm_cases=512 if warm else 0)
    procedures.deploy_procedure(rt, files={"bench_line.bpmn": bpmn}, actor=ADMIN)
    opened = [cases.open_case(rt, procedure="bench_line", data={"party": {"name": f"P{i}"}}, actor=OFFICER)
              for i in range(n_cases)]
    pending = [case.ready_tasks[0] for case in opened]
    completions = 0
    started = time.perf_counter()
    while pending:
        following = []
        for task in pending:
            note = "note_" + task.element_id.rsplit("_", 1)[1]
            view = tasks.complete_task(rt, task_id=task.id, data={note: "ok"}, actor=OFFICER)
            completions += 1
            if view.ready_tasks:
                following.append(view.ready_tasks[0])
        pending = following
    rate = completions / (time.perf_counter() - started)
    with store.transaction(write=False) as session:
        sizes = [len(queries.case(session, c.id).workflow_state) for c in opened]
    return rate, sum(sizes) / len(sizes), store_bytes(store) // n_cases


def store_bytes(store: Store) -> int:
    if store.is_postgres:
        return int(store.execute_sql("SELECT pg_database_size(current_database())")[0][0])
    path = store.url.split("///", 1)[1]
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def pg_store(url: str, name: str | None = None) -> Store | None:
    """A fresh scratch database beside `url`: `name`, else $DUEFLOW_BENCH_DB, else dueflow_bench (give each
    concurrent run its own: the database is dropped first)."""
    name = name or os.environ.get("DUEFLOW_BENCH_DB", "dueflow_bench")
    try:
        admin = Store(url, app_role=None)  # creates the bench database: the login user, not the app role
        from sqlalchemy import text

        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return Store(url.rsplit("/", 1)[0] + "/" + name)
    except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
        print(f"PostgreSQL not reachable at {url} ({type(exc).__name__}); skipping it", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=7)
    parser.add_argument("--pg", default=os.environ.get("DUEFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args(argv)
    bpmn = sequential_bpmn(args.tasks)
    raw_rate, raw_size = raw_spiff(bpmn, args.cases)
    rows = [("raw SpiffWorkflow, in memory + JSON round trip per step", raw_rate, raw_size, None)]
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/bench.db")
        rate, state, total = persisted(store, bpmn, args.cases)
        store.dispose()
        rows.append(("Dueflow complete_task, SQLite file (WAL)", rate, state, total))
        cold = Store(f"sqlite:///{folder}/cold.db")
        rate, state, total = persisted(cold, bpmn, args.cases, warm=False)
        cold.dispose()
        rows.append(("  the same, every step deserializing its state (no cache)", rate, state, total))
    pg = pg_store(args.pg) if args.pg else None
    if pg is not None:
        rate, state, total = persisted(pg, bpmn, args.cases)
        pg.dispose()
        rows.append(("Dueflow complete_task, PostgreSQL", rate, state, total))
    print(f"{args.cases} cases x {args.tasks} user tasks; one completion = load, run, audit, write, commit")
    print(f"{'path':58} {'completions/s':>13} {'x raw':>6} {'state B/case':>13} {'db B/case':>10}")
    for name, rate, state, total in rows:
        print(f"{name:58} {rate:13.0f} {rate / raw_rate:6.2f} {state:13.0f} {total if total else '-':>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
