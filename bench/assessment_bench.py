"""A month's assessment at volume: N cases over a year (default 1,000,000) with their hop and handling events,
assessed for one month by grouped SQL (engine.services.assessment) beside a baseline that reads the month's
cases and their events into Python and counts there (what a report module usually does).

Rows are generated inside the database (generate_series on PostgreSQL, a recursive CTE on SQLite): the bench
measures reading, not the engine. The audit rows are not chained (this is a throwaway database).

Run: .venv/bin/python -m bench.assessment_bench [--cases 1000000] [--pg URL] [--sqlite-cases 100000]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import text

from engine.domain import Actor, FixedClock
from engine.services import assessment, procedures
from engine.services.runtime import Runtime
from engine.settings import Settings
from engine.store import Store

ROOT = Path(__file__).resolve().parent.parent
NOTICE = [ROOT / "tests" / "fixtures" / "notice.bpmn", ROOT / "tests" / "fixtures" / "fine_amount.dmn"]
DEPARTMENTS = ["sanitation", "greening", "markets", "water", "traffic", "cityscape", "works", "parks"]
START = "2026-01-01 00:00:00+00"
SERIES = {"postgresql": "SELECT g AS n FROM generate_series(1, :n) AS g",
          "sqlite": "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :n) SELECT n FROM s"}


def _time(dialect: str, column: str, minutes: str) -> str:
    if dialect == "postgresql":
        return f"(TIMESTAMPTZ '{START}' + ({minutes}) * INTERVAL '1 minute')"
    return f"strftime('%Y-%m-%d %H:%M:%S.000000', '2026-01-01 00:00:00', '+' || ({minutes}) || ' minutes')"


def fill(store: Store, n: int) -> None:
    """N cases opened every ~30 minutes through 2026, in 8 departments and 400 grid cells; every case dispatched,
    one in ten returned, three in four fed back (one in eight of those twice) and closed."""
    dialect = store.dialect
    rt = Runtime(store, FixedClock(), settings=Settings.ephemeral())
    version = procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE},
                                          actor=Actor.system("bench")).version
    series = SERIES[dialect]
    depts = "CASE n % 8 " + " ".join(f"WHEN {i} THEN '{d}'" for i, d in enumerate(DEPARTMENTS)) + " END"
    opened = _time(dialect, "opened_at", "(CAST(n AS BIGINT) * 525600 / :n)")
    closed = _time(dialect, "closed_at", "(CAST(n AS BIGINT) * 525600 / :n) + 2880")
    with store.engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        pv = conn.execute(text("SELECT id FROM procedure_version WHERE version = :v"), {"v": version}).scalar()
        conn.execute(text(
            f"INSERT INTO enforcement_case (id, case_no, procedure_version_id, status, category, party_name, "
            f"party_type, party_contact, party_id_masked, address, grid_cell, department, opened_by, opened_at, "
            f"closed_at, deadlines, workflow_state, audit_seq, audit_head, row_version, outcome) "
            f"SELECT n + 1000, 'B-' || n, {pv}, CASE WHEN n % 4 = 0 THEN 'open' ELSE 'closed' END, "
            f"'street_vending', "
            f"'', 'person', '', '', '', 'HP-' || (n % 400), {depts}, 'inspector' || (n % 50), {opened}, "
            f"CASE WHEN n % 4 = 0 THEN NULL ELSE {closed} END, '[]', '', 0, "
            f"'', 1, CASE WHEN n % 4 = 0 THEN NULL ELSE 'resolved' END FROM ({series}) AS s"), {"n": n})
        events = [("case_dispatched", None, "60", "1 = 1"), ("case_returned", None, "120", "n % 10 = 0"),
                  ("task_completed", "'feed_back'", "1440", "n % 4 <> 0"),
                  ("task_completed", "'feed_back'", "2000", "n % 4 <> 0 AND n % 8 = 1"),
                  ("timer_fired", None, "2500", "n % 20 = 0")]
        for seq, (kind, element, after, where) in enumerate(events, start=1):
            conn.execute(text(
                f"INSERT INTO audit_event (case_id, seq, occurred_at, actor, actor_role, event_type, element_id, "
                f"procedure_version, payload, prev_hash, hash, tag) SELECT n + 1000, {seq}, "
                f"{_time(dialect, '', f'(CAST(n AS BIGINT) * 525600 / :n) + {after}')}, 'bench', 'system', '{kind}', "
                f"{element or 'NULL'}, 'notice:1', '{{}}', '', '', '' FROM ({series}) AS s WHERE {where}"),
                {"n": n})
        if dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
            conn.execute(text("ANALYZE"))


def baseline(store: Store, start, end) -> Counter:
    """Read the month's cases and all their events into Python, then count: the usual report module."""
    counts: Counter = Counter()
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, department, status FROM enforcement_case WHERE opened_at >= :s AND "
                                 "opened_at < :e"), {"s": start, "e": end}).all()
        ids = [r[0] for r in rows]
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk:chunk + 5000]
            for case_id, kind in conn.execute(text(
                    f"SELECT case_id, event_type FROM audit_event WHERE case_id IN ({','.join(map(str, part))})")):
                counts[kind] += 1
        for _, department, status in rows:
            counts[(department, status)] += 1
    return counts


def measure(label: str, store: Store, repeats: int = 3) -> None:
    rt = Runtime(store, FixedClock(), settings=Settings.ephemeral())
    admin = Actor.system("bench")
    day = date(2026, 6, 15)
    start, end = assessment.period_bounds("month", day, rt.settings.timezone)
    ours, theirs = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        result = assessment.assess(rt, actor=admin, period="month", day=day, by="department")
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        baseline(store, start, end)
        theirs.append(time.perf_counter() - began)
    total = result["total"]
    print(f"{label}: month 2026-06 by department: reported {total['reported']}, dispatched {total['dispatched']}, "
          f"handled {total['handled']}, closed {total['closed']}")
    print(f"  assessment (grouped SQL): median {statistics.median(ours):.3f} s over {repeats} runs")
    print(f"  baseline (rows into Python): median {statistics.median(theirs):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases on PostgreSQL")
    parser.add_argument("--sqlite-cases", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("DUEFLOW_TEST_PG",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/bench.db")
        store.migrate()
        began = time.perf_counter()
        fill(store, args.sqlite_cases)
        print(f"SQLite: {args.sqlite_cases} cases generated in {time.perf_counter() - began:.1f} s")
        measure(f"SQLite, {args.sqlite_cases} cases", store)
        store.dispose()
    if args.pg.lower() in ("", "off"):
        return
    name = f"dueflow_bench_{os.getpid()}"
    admin = Store(args.pg, app_role=None)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        store = Store(url, app_role=None)
        store.migrate()
        began = time.perf_counter()
        fill(store, args.cases)
        print(f"PostgreSQL: {args.cases} cases generated in {time.perf_counter() - began:.1f} s")
        measure(f"PostgreSQL, {args.cases} cases", store)
        store.dispose()
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
