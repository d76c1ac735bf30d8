"""Reads at volume on PostgreSQL: an officer's worklist, case search, a case page and a month's assessment at
10,000 / 100,000 / 1,000,000 cases (one in ten open, 20 departments, a year of deadlines), each beside the
query shape it replaced (whole rows with workflow state, an exact count, OFFSET paging) in the same run.

Each size lives in its own schema of one scratch database (scale14a_bench) and is kept between runs: a
second run measures without loading again (--rebuild loads afresh). How the data is made: bench/volume_data.py.

Run: .venv/bin/python -m bench.volume_bench [--sizes 10000,100000,1000000] [--pg URL] [--repeats 200]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import text

from bench import volume_data as data
from engine.domain import Actor, FixedClock, Role
from engine.services import assessment, cases, tasks
from engine.services.runtime import Runtime
from engine.settings import Settings
from engine.store import Store

DATABASE = "scale14a_bench"
SAMPLE = 300  # cases made through the engine in each size; the rest are bulk copies of their states
TABLES = ("enforcement_case", "task", "audit_event")


def _store(base: str, schema: str) -> Store:
    return Store(f"{base.rsplit('/', 1)[0]}/{DATABASE}?options=-csearch_path%3D{schema}%2Cpublic", app_role=None)


def prepare(base: str, size: int, rebuild: bool) -> Store:
    """The schema holding `size` cases: reused when a previous run loaded it, else migrated and loaded."""
    admin = Store(base, app_role=None)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}).first():
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    schema = f"v{size}"
    store = _store(base, schema)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        loaded = conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{schema}.bench_meta"}).scalar()
        if loaded and not rebuild:
            print(f"{size:,} cases: reusing schema {schema} of {DATABASE}")
            return store
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    store.migrate()
    began = time.perf_counter()
    print(f"{size:,} cases: loading into schema {schema} of {DATABASE}")
    ids = data.engine_sample(store, SAMPLE)
    kinds = data.templates(store, ids)
    indexes = _drop_indexes(store, schema)
    with store.engine.begin() as conn:
        version_id = conn.execute(text("SELECT max(id) FROM procedure_version")).scalar()
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    data.bulk_load(store, first_id=SAMPLE + 1, count=size - SAMPLE, version_id=version_id, kinds=kinds)
    indexed = time.perf_counter()
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for definition in indexes:
            conn.execute(text(definition))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('enforcement_case', 'id'), :n)"), {"n": size})
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text("CREATE TABLE bench_meta (size integer, sample integer, load_seconds real)"))
        conn.execute(text("INSERT INTO bench_meta VALUES (:s, :k, :t)"),
                     {"s": size, "k": SAMPLE, "t": time.perf_counter() - began})
    print(f"  indexes built after the load, then VACUUM ANALYZE: {time.perf_counter() - indexed:.0f} s; "
          f"loaded in {time.perf_counter() - began:.0f} s")
    return store


def _drop_indexes(store: Store, schema: str) -> list[str]:
    """Drop the secondary indexes of the big tables (kept: keys and unique constraints); returns their DDL."""
    with store.engine.begin() as conn:
        rows = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_index x ON x.indexrelid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass WHERE i.schemaname = :s "
            "AND i.tablename = ANY(:t) AND NOT x.indisunique AND NOT x.indisprimary"),
            {"s": schema, "t": list(TABLES)}).all()
        for name, _ in rows:
            conn.execute(text(f'DROP INDEX "{schema}"."{name}"'))
    return [definition for _, definition in rows]


def timed(repeats: int, call: Callable[[int], object]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `call(i)` for i in range(repeats), after a few warm-up calls."""
    for i in range(5):
        call(i)
    spent = []
    for i in range(repeats):
        began = time.perf_counter()
        call(i)
        spent.append((time.perf_counter() - began) * 1000)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1]


def old_worklist(store: Store, department: str, role: str) -> None:
    """The worklist before: whole task and case rows (workflow state included), ordered by an expression."""
    with store.engine.connect() as conn:
        conn.execute(text("SELECT task.*, enforcement_case.* FROM task JOIN enforcement_case ON enforcement_case.id "
                          "= task.case_id WHERE task.state = 'ready' AND task.role IN (:r) AND task.department IN "
                          "(:d) ORDER BY task.due_at IS NULL, task.due_at, task.created_at LIMIT 200"),
                     {"r": role, "d": department}).all()


def old_search(store: Store, where: str, params: dict, offset: int = 0) -> None:
    """The search before: whole case rows, an exact count of every match, OFFSET paging."""
    with store.engine.connect() as conn:
        conn.execute(text(f"SELECT count(*) FROM enforcement_case WHERE {where}"), params).scalar()
        conn.execute(text(f"SELECT * FROM enforcement_case WHERE {where} ORDER BY id DESC LIMIT 50 OFFSET {offset}"),
                     params).all()


def measure(store: Store, size: int, repeats: int) -> dict[str, tuple[float, float]]:
    rt = Runtime(store, FixedClock(data.NOW), settings=Settings.ephemeral())
    pick = random.Random(size)
    officers = [Actor(f"officer{n}", Role.OFFICER, d) for n, d in enumerate(data.DEPARTMENTS)]
    supervisors = [Actor(f"supervisor{n}", Role.SUPERVISOR, d) for n, d in enumerate(data.DEPARTMENTS)]
    admin = Actor("ada", Role.ADMIN)
    ids = [pick.randrange(1, size + 1) for _ in range(repeats)]
    searches: list[dict] = [
        {"text": f"-{pick.randrange(SAMPLE + 1, size):06d}"}, {"text": data.party_name(pick.randrange(size))},
        {"text": data.address(pick.randrange(size))}, {"status": "open"}, {"stage": "closure"},
        {"grid_cell": f"G-{pick.randrange(400):03d}"}, {"due_before": data.NOW + timedelta(days=30)},
        {"department": "own"}, {"text": data.STREETS[5], "status": "open"}]

    def search(actor: Actor, i: int) -> None:
        query = searches[i % len(searches)]
        if query.get("department") == "own":
            query = {"department": actor.department or data.DEPARTMENTS[i % 20]}
        cases.search_cases(rt, actor=actor, **query)

    figures = {
        "worklist, officer": timed(repeats, lambda i: tasks.ready_tasks(rt, actor=officers[i % 20])),
        "worklist, supervisor": timed(repeats, lambda i: tasks.ready_tasks(rt, actor=supervisors[i % 20])),
        "worklist, before (whole rows)": timed(repeats, lambda i: old_worklist(store, data.DEPARTMENTS[i % 20],
                                                                             "supervisor")),
        "search, officer (9 kinds)": timed(repeats, lambda i: search(officers[i % 20], i)),
        "search, admin (all departments)": timed(repeats, lambda i: search(admin, i)),
        "search by address, before (exact count)": timed(min(repeats, 40), lambda i: old_search(
            store, "address LIKE :q", {"q": f"%{data.address(i * 7)}%"})),
        "search page 200, before (OFFSET)": timed(min(repeats, 40), lambda i: old_search(
            store, "department = :d", {"d": data.DEPARTMENTS[i % 20]}, offset=50 * 199)),
        "case page": timed(repeats, lambda i: cases.get_case(rt, case_id=ids[i], actor=admin)),
    }
    last = cases.search_cases(rt, actor=officers[0])
    for _ in range(198):
        if last.next is None:
            break
        last = cases.search_cases(rt, actor=officers[0], after=last.next)
    figures["search page 200, by cursor"] = timed(min(repeats, 40), lambda i: cases.search_cases(
        rt, actor=officers[i % 20], after=last.next))
    figures["assessment, a month"] = timed(3, lambda i: assessment.assess(
        rt, actor=admin, period="month", day=date(2026, 6, 15), by="department"))
    return figures


def report(results: dict[int, dict[str, tuple[float, float]]]) -> None:
    sizes = sorted(results)
    names = list(results[sizes[0]])
    print("\np50 / p95 in ms on PostgreSQL, one process, 2 shared cores")
    print(f"{'':42}" + "".join(f"{f'{s:,} cases':>22}" for s in sizes))
    for name in names:
        print(f"{name:42}" + "".join(f"{results[s][name][0]:>11.1f} /{results[s][name][1]:>8.1f}" for s in sizes))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pg", default=os.environ.get("DUEFLOW_TEST_PG",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="load afresh even where a previous run loaded")
    args = parser.parse_args()
    results = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        store = prepare(args.pg, size, args.rebuild)
        load = os.getloadavg()[0]
        results[size] = measure(store, size, args.repeats)
        print(f"  measured {size:,} cases; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
        store.dispose()
    report(results)
    print(f"\nData: {SAMPLE} cases per size through the engine (open, inspect, approve: real state, tasks, chained "
          f"audit), the rest by COPY with those cases' states; bulk audit events are typed but not chained.")


if __name__ == "__main__":
    main()
