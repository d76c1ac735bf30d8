"""Timer lateness at scale: 100,000 cases waiting on timers, 10,000 of them falling due within one minute, fired
by real `dueflow worker` processes (one, then two) beside the old loop that polled every 5 s, in the same run.

The cases are cloned from one real case (the notice procedure, waiting in its 15-day payment window): its row
and workflow state are bulk-inserted with the timer's due instant rewritten in each copy, so firing one runs
the real engine step (timer fired, case closed, audit events) without running the engine 100,000 times.
Lateness is the time between a timer's due instant and the time its timer_fired event records.

Run: .venv/bin/python -m bench.timer_bench [--quick] [--cases 100000] [--due 10000] [--window 60] [--no-sqlite]
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Table, bindparam, insert, select, text, update

from engine.domain import Actor, CaseStatus, DueflowError, FixedClock, Role, utcnow
from engine.services import cases, procedures, steps, tasks
from engine.services.runtime import Runtime
from engine.store import CaseRecord, Store, queries

ROOT = Path(__file__).resolve().parent.parent
NOTICE = [ROOT / "tests" / "fixtures" / "notice.bpmn", ROOT / "tests" / "fixtures" / "fine_amount.dmn"]
OFFICER = Actor("olga", Role.OFFICER, "cityscape")
SUPERVISOR = Actor("sam", Role.SUPERVISOR, "cityscape")
TEMPLATE_DUE = datetime(2026, 3, 17, 9, 0, tzinfo=timezone.utc)  # the template case's payment window ends here
SECRET = "timer-bench-" + "t" * 40
_CASES: Table = CaseRecord.__table__  # type: ignore[assignment]


@dataclass
class Result:
    database: str
    loop: str
    workers: int
    fired: int
    due: int
    seconds: float  # from the first due instant to the last firing
    lateness: list[float]
    after_start: float = 0.0  # seconds from starting the workers to the last firing

    def row(self) -> str:
        late = sorted(self.lateness) or [float("nan")]

        def pct(p: float) -> float:
            return late[min(len(late) - 1, int(p * len(late)))]
        rate = self.fired / self.seconds if self.seconds > 0 else float("nan")
        return (f"{self.database:18} {self.loop:28} {self.workers:7d} {self.fired:6d}/{self.due:<6d} {rate:8.0f} "
                f"{pct(0.50):8.2f} {pct(0.99):8.2f} {late[-1]:8.2f}")


# ---- data: one real case, cloned ----

def template_case(store: Store) -> dict:
    """A real case run through the engine to its payment window, as a row to clone."""
    rt = Runtime(store, FixedClock(TEMPLATE_DUE - timedelta(days=15)))
    procedures.deploy_procedure(rt, files={p.name: p.read_bytes() for p in NOTICE}, actor=Actor.system("bench"))
    case = cases.open_case(rt, procedure="notice", data={}, actor=OFFICER)
    case = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=OFFICER,
                               data={"findings": "crates", "severity": "serious", "fine_due": True})
    case = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data={"approved_by": "sam"}, actor=SUPERVISOR)
    assert case.next_due_at == TEMPLATE_DUE.isoformat() and not case.ready_tasks, case
    with store.engine.connect() as connection:
        row = dict(connection.execute(select(_CASES).where(_CASES.c.id == case.id)).mappings().one())
    marker = f'"event_value":"{TEMPLATE_DUE.isoformat()}"'
    assert row["workflow_state"].count(marker) == 1, "the template's timer is not where the bench expects it"
    return row


def clone(template: dict, due: datetime) -> dict:
    """The template's columns with the timer due at `due` (workflow state, deadlines and next_due_at)."""
    marker = f'"event_value":"{TEMPLATE_DUE.isoformat()}"'
    deadlines = [{**d, "due_at": due.isoformat()} for d in template["deadlines"]]
    return {"workflow_state": template["workflow_state"].replace(marker, f'"event_value":"{due.isoformat()}"'),
            "deadlines": deadlines, "next_due_at": due}


def insert_clones(store: Store, template: dict, dues: list[datetime], label: str, prefix: str) -> list[int]:
    """Bulk-insert one case per due instant, printing progress; returns their ids in order."""
    fixed = {k: v for k, v in template.items() if k not in ("id", "case_no")}
    fixed.update(audit_seq=0, audit_head="", row_version=1)  # each copy starts an audit chain of its own
    ids: list[int] = []
    chunk = 2000
    started = time.monotonic()
    for start in range(0, len(dues), chunk):
        rows = [{**fixed, **clone(template, due), "case_no": f"{prefix}-{start + n:07d}"}
                for n, due in enumerate(dues[start:start + chunk])]
        with store.engine.begin() as connection:
            ids.extend(r[0] for r in connection.execute(insert(_CASES).returning(_CASES.c.id), rows))
        print(f"\r  {label}: {len(ids):,}/{len(dues):,} cases inserted ({time.monotonic() - started:.0f} s)",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return ids


def retime(store: Store, template: dict, ids: list[int], dues: list[datetime]) -> None:
    """Reopen the given cases, waiting again, with their timers due at `dues` (their audit chains go on)."""
    statement = (update(_CASES).where(_CASES.c.id == bindparam("case_id"))
                 .values(status="open", closed_at=None, outcome=None, stage=template["stage"],
                         workflow_state=bindparam("state"), deadlines=bindparam("dl"), next_due_at=bindparam("due"),
                         row_version=_CASES.c.row_version + 1))
    rows = []
    for case_id, due in zip(ids, dues):
        values = clone(template, due)
        rows.append({"case_id": case_id, "state": values["workflow_state"], "dl": values["deadlines"], "due": due})
    with store.engine.begin() as connection:
        connection.execute(statement, rows)


def fired_since(store: Store, since: datetime,
                due_by_id: dict[int, datetime]) -> tuple[int, list[float], float, float]:
    """(timers fired since `since`, their lateness in seconds, the first and last firing as timestamps)."""
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT case_id, occurred_at FROM audit_event WHERE event_type = 'timer_fired' "
                                       "AND occurred_at >= :since"), {"since": _db_time(store, since)}).all()
    lateness, first, last = [], float("inf"), 0.0
    rows = [r for r in rows if r[0] in due_by_id]  # the template case fires too, once: it is not counted
    for case_id, occurred in rows:
        moment = occurred if isinstance(occurred, datetime) else datetime.fromisoformat(occurred)
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        lateness.append((moment - due_by_id[case_id]).total_seconds())
        first, last = min(first, moment.timestamp()), max(last, moment.timestamp())
    return len(rows), lateness, first, last


def _db_time(store: Store, moment: datetime):
    return moment if store.is_postgres else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


# ---- the loops ----

def poll_worker(url: str, interval: float = 5.0, batch: int = 200) -> None:
    """The loop as it was before timers woke on deadlines, kept as the baseline: every `interval` seconds
    (at once again while a batch came back full), pick due cases one at a time and fire each."""
    store = Store(url)
    rt = Runtime(store)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        now, fired = rt.now(), 0
        for _ in range(batch):
            try:
                with store.transaction() as session:
                    due = queries.due_case_ids(session, now, limit=1, claim=store.is_postgres)
                    if not due:
                        break
                    step = steps.load(rt, session, due[0])
                    if step.case.status != CaseStatus.OPEN.value or not step.case.next_due_at \
                            or step.case.next_due_at > now:
                        continue
                    steps.save(session, step, step.run.step(now), actor=steps.TIMER, now=now)
                    fired += 1
            except DueflowError:
                break
        if fired < batch:
            stop.wait(interval)


def start_workers(url: str, loop: str, count: int, folder: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DUEFLOW_SECRET": SECRET, "PYTHONPATH": str(ROOT)}
    if loop == "poll":
        command = [sys.executable, "-m", "bench.timer_bench", "--poll-worker", url]
    else:
        command = [sys.executable, "-m", "api.cli", "worker", "--db", url]
    processes = []
    for n in range(count):
        log = open(folder / f"{loop}-{n}.log", "w")
        processes.append(subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT))
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(store: Store, template: dict, due_ids: list[int], *, database: str, loop: str, workers: int,
        window: float, lead: float, folder: Path, backlog: bool = False) -> Result:
    """Re-time the due cases into a window starting `lead` seconds from now (with `backlog`: a window that
    ended before the workers start, as if every process had been down), start the workers, wait until every
    timer fired (or far too long passed), and measure."""
    start = utcnow() + (timedelta(seconds=-window - 1) if backlog else timedelta(seconds=lead))
    dues = sorted(start + timedelta(seconds=random.uniform(0, window)) for _ in due_ids)
    retime(store, template, due_ids, dues)
    due_by_id = dict(zip(due_ids, dues))
    since = utcnow()
    processes = start_workers(store.url, loop, workers, folder)
    deadline = time.monotonic() + lead + window + 300
    try:
        while time.monotonic() < deadline:
            time.sleep(1.0)
            count = fired_since(store, since, due_by_id)[0]
            print(f"\r  {database}, {loop}, {workers} worker(s){', drain' if backlog else ''}: "
                  f"{count:,}/{len(due_ids):,} fired ", end="", file=sys.stderr, flush=True)
            if count >= len(due_ids):
                break
    finally:
        stop_workers(processes)
        print(file=sys.stderr)
    count, lateness, first, last = fired_since(store, since, due_by_id)
    # while due: from the first due instant to the last firing; a drain: from the first firing to the last
    seconds = (last - (first if backlog else dues[0].timestamp())) if lateness else 0.0
    result = Result(database, loop_label(loop), workers, count, len(due_ids), seconds, lateness)
    result.after_start = (last - since.timestamp()) if lateness else 0.0
    return result


def loop_label(loop: str) -> str:
    return "poll every 5 s (before)" if loop == "poll" else "sleep until due, wake (now)"


def bench_database(store: Store, database: str, args, folder: Path, configurations) -> list[Result]:
    store.migrate()
    template = template_case(store)
    rest = args.cases - args.due
    far = [utcnow() + timedelta(hours=1) + timedelta(seconds=random.uniform(0, 30 * 86400)) for _ in range(rest)]
    insert_clones(store, template, far, f"{database}, waiting days ahead", "LATER")
    due_ids = insert_clones(store, template, [TEMPLATE_DUE] * args.due, f"{database}, to fall due in the window", "SOON")
    with store.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    results = []
    for loop, workers in configurations:
        results.append(run(store, template, due_ids, database=database, loop=loop, workers=workers,
                           window=args.window, lead=args.lead, folder=folder))
        print(results[-1].row(), flush=True)
    drains = []
    for loop, workers in configurations:
        drains.append(run(store, template, due_ids, database=database, loop=loop, workers=workers,
                          window=args.window, lead=args.lead, folder=folder, backlog=True))
    print(f"  drain: all {args.due:,} already due when the workers start (every process was down):")
    for drained in drains:
        print(f"  {drained.database:18} {drained.loop:28} {drained.workers:7d} "
              f"{drained.fired:6d}/{drained.due:<6d} {drained.fired / max(drained.seconds, 1e-9):8.0f}/s, "
              f"all fired {drained.after_start:.1f} s after the workers started", flush=True)
    return results + drains


def bench_postgres(args, folder: Path) -> None:
    """The PostgreSQL rows, on a database of this run's own (dropped at the end)."""
    admin, name = Store(args.pg), f"dueflow_timer_bench_{os.getpid()}"
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
        print(f"PostgreSQL not reachable at {args.pg} ({type(exc).__name__}); skipping it", file=sys.stderr)
        admin.dispose()
        return
    pg = Store(args.pg.rsplit("/", 1)[0] + "/" + name)
    try:
        bench_database(pg, "PostgreSQL", args, folder, [("poll", 1), ("wake", 1), ("wake", 2)])
    finally:
        pg.dispose()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000, help="cases waiting on a timer")
    parser.add_argument("--due", type=int, default=10_000, help="of which fall due within the window")
    parser.add_argument("--window", type=float, default=60.0, help="seconds the due timers are spread over")
    parser.add_argument("--lead", type=float, default=10.0, help="seconds between starting workers and the window")
    parser.add_argument("--quick", action="store_true", help="5,000 cases, 1,000 due within 10 s")
    parser.add_argument("--pg", default=os.environ.get("DUEFLOW_BENCH_PG",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--poll-worker", metavar="URL", help=argparse.SUPPRESS)  # the baseline's worker process
    args = parser.parse_args(argv)
    if args.poll_worker:
        poll_worker(args.poll_worker)
        return 0
    if args.quick:
        args.cases, args.due, args.window = 5_000, 1_000, 10.0
    random.seed(9)
    print(f"{args.cases:,} cases waiting on timers, {args.due:,} of them due within {args.window:g} s; rows "
          f"cloned from one real case (notice procedure in its payment window) with each timer's due instant "
          f"rewritten, bulk-inserted; real `dueflow worker` processes; lateness = timer_fired time - due time")
    print(f"{'database':18} {'timer loop':28} {'workers':>7} {'fired/due':>13} {'fired/s':>8} "
          f"{'p50 s':>8} {'p99 s':>8} {'max s':>8}", flush=True)
    with tempfile.TemporaryDirectory(prefix="timer-bench-") as tmp:
        folder = Path(tmp)
        if not args.no_pg:
            bench_postgres(args, folder)
        if not args.no_sqlite:
            lite = Store(f"sqlite:///{folder / 'timers.db'}")
            try:
                bench_database(lite, "SQLite file (WAL)", args, folder, [("poll", 1), ("wake", 1)])
            finally:
                lite.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
