"""Audit verification throughput and memory: the full verify over the whole log and the incremental verify of what
was written since the newest signed checkpoint, beside a baseline measured in the same run (streaming the same
rows without checking them: the database read alone), on SQLite and PostgreSQL, at two log sizes.

Data: a sample of cases is opened and walked through the engine (complete_task, real hashes, tags and case rows);
the volume is bulk-inserted: case rows copied from the sample and chains of events sealed with the same audit key
(the same hash and HMAC as audit.record writes). A signed checkpoint is taken; then more cases are walked through
the engine, which is what the incremental verify reads. Each measurement runs in a fresh process, so its peak
memory (VmHWM) is its own; "MiB before" is that process after its imports, before it reads anything.

Run: .venv/bin/python -m bench.verify_bench [--quick] [--events 200000,1000000] [--per-chain 10] [--pg URL]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text

from bench.procedures import sequential_bpmn
from engine import audit
from engine.domain import Actor, Role
from engine.services import audit_trail, cases, procedures, tasks, users
from engine.services.runtime import Runtime
from engine.settings import Settings
from engine.store import AuditEventRecord, CaseRecord, Store, audit_rows

SETUP = Actor.system("bench")
OFFICER = Actor("officer", Role.OFFICER, "bench")
AUDITOR = Actor("auditor", Role.AUDITOR, None)
KEYS = {"audit_key": b"verify-bench-audit-key-" + b"k" * 16, "signing_seed": b"verify-bench-seed-" + b"s" * 16}
BATCH = 20_000


def settings() -> Settings:
    return replace(Settings.ephemeral(), **KEYS)


def walk_cases(rt: Runtime, count: int) -> int:
    """Open `count` cases and complete every task of each through the engine; the events they wrote."""
    for i in range(count):
        view = cases.open_case(rt, procedure="bench_line", data={"party": {"name": f"P{i}"}}, actor=OFFICER)
        while view.ready_tasks:
            view = tasks.complete_task(rt, task_id=view.ready_tasks[0].id, data={}, actor=OFFICER)
    return count


def bulk_chains(rt: Runtime, chains: int, per_chain: int) -> None:
    """Case rows copied from an engine-made case and `per_chain` events each, sealed as audit.record seals them."""
    store = rt.store
    [(version_id, department)] = store.execute_sql("SELECT procedure_version_id, department FROM enforcement_case "
                                                   "ORDER BY id LIMIT 1")
    samples = store.execute_sql("SELECT actor, actor_role, event_type, element_id, procedure_version, payload "
                                "FROM audit_event WHERE case_id = (SELECT min(id) FROM enforcement_case) ORDER BY seq")
    [(first_id,)] = store.execute_sql("SELECT coalesce(max(id), 0) + 1 FROM enforcement_case")
    start, key = datetime(2020, 1, 1, tzinfo=timezone.utc), rt.settings.audit_key
    case_rows, event_rows, written = [], [], 0
    for n in range(chains):
        case_id, prev = first_id + n, audit.GENESIS
        for seq in range(1, per_chain + 1):
            actor, role, kind, element, version, payload = samples[(seq - 1) % len(samples)]
            event = AuditEventRecord(case_id=case_id, seq=seq, occurred_at=start + timedelta(minutes=n + seq),
                                     actor=actor, actor_role=role, event_type=kind, element_id=element,
                                     procedure_version=version, payload=payload, prev_hash=prev)
            event.hash = audit.event_hash(prev, event)
            event.tag = audit.event_tag(key, event.hash)
            event_rows.append({c: getattr(event, c) for c in ("case_id", "seq", "occurred_at", "actor", "actor_role",
                                                               "event_type", "element_id", "procedure_version",
                                                               "payload", "prev_hash", "hash", "tag")})
            prev = event.hash
        case_rows.append({"id": case_id, "case_no": f"B-{case_id:08d}", "procedure_version_id": version_id,
                          "status": "closed", "department": department, "opened_at": start, "deadlines": [],
                          "audit_seq": per_chain, "audit_head": prev})
        if len(event_rows) >= BATCH or n == chains - 1:
            with store.owner_connection() as connection:
                connection.execute(insert(CaseRecord.__table__), case_rows)
                connection.execute(insert(AuditEventRecord.__table__), event_rows)
            written += len(event_rows)
            case_rows, event_rows = [], []
            print(f"  bulk: {written:,} / {chains * per_chain:,} events", file=sys.stderr, flush=True)
    if store.is_postgres:
        with store.owner_connection() as connection:  # ids were given: move the case id sequence past them
            connection.execute(text("SELECT setval(pg_get_serial_sequence('enforcement_case', 'id'), "
                                    "(SELECT max(id) FROM enforcement_case))"))
            connection.execute(text("ANALYZE"))


def build(url: str, events: int, per_chain: int, sample: int, new: int) -> dict:
    """A log of about `events` events with a signed checkpoint over most of it and `new` cases after it."""
    store = Store(url)
    store.migrate()
    rt = Runtime(store, settings=settings())
    users.add_user(rt, username="officer", password="bench-password-1", role="officer", department="bench",
                   actor=SETUP)
    procedures.deploy_procedure(rt, files={"bench_line.bpmn": sequential_bpmn(3)}, actor=SETUP)
    walk_cases(rt, sample)
    bulk_chains(rt, max(events // per_chain, 1), per_chain)
    audit_trail.take_checkpoint(rt, actor=AUDITOR)
    walk_cases(rt, new)
    [(total,)] = store.execute_sql("SELECT count(*) FROM audit_event")
    store.dispose()
    return {"events": total}


def measure(url: str, mode: str) -> dict:
    """One measurement in this (fresh) process: seconds, events, peak memory, and the memory before it."""
    store = Store(url)
    rt = Runtime(store, settings=settings())
    before = peak_rss_mib()

    def progress(done: int) -> None:
        print(f"    {mode}: {done:,} events checked ...", file=sys.stderr, flush=True)

    started, cpu = time.perf_counter(), time.process_time()
    if mode == "read":
        with store.transaction(write=False) as session:
            report = {"ok": True, "events": sum(1 for _ in audit_rows.stream_events(session))}
    else:
        report = audit_trail.verify_audit(rt, actor=AUDITOR, since_checkpoint=mode == "new", progress=progress)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mib()
    store.dispose()
    return {"mode": mode, "ok": report["ok"], "events": report["events"], "seconds": seconds, "cpu": cpu,
            "rss_before_mib": before, "peak_mib": peak}


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started (VmHWM: unlike ru_maxrss, not inherited from the
    parent that forked it), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(url: str, mode: str) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.verify_bench", "--measure", mode, "--url", url],
                            check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def pg_url(url: str, name: str) -> str | None:
    """A fresh scratch database beside `url` (dropped and created again), or None when PostgreSQL is away."""
    try:
        admin = Store(url, app_role=None)
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
        print(f"PostgreSQL not reachable at {url} ({type(exc).__name__}); skipping it", file=sys.stderr)
        return None
    return url.rsplit("/", 1)[0] + "/" + name


def drop_pg(url: str, name: str) -> None:
    admin = Store(url, app_role=None)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small run (smoke test of the benchmark itself)")
    parser.add_argument("--events", default="200000,1000000", help="log sizes (events), comma-separated")
    parser.add_argument("--per-chain", type=int, default=10, help="events per bulk case")
    parser.add_argument("--sample", type=int, default=20, help="cases walked through the engine before the checkpoint")
    parser.add_argument("--new", type=int, default=100, help="cases walked through the engine after the checkpoint")
    parser.add_argument("--pg", default=os.environ.get("DUEFLOW_BENCH_PG",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.url, args.measure)))
        return 0
    sizes = [2000, 10000] if args.quick else [int(size) for size in args.events.split(",")]
    if args.quick:
        args.sample, args.new = 3, 5
    rows, failed = [], False
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            targets = [] if args.no_sqlite else [("SQLite", f"sqlite:///{folder}/verify-{size}.db", None)]
            if args.pg:
                name = f"dueflow_scale14b_verify_{size}"
                url = pg_url(args.pg, name)
                if url:
                    targets.append(("PostgreSQL", url, name))
            for database, url, name in targets:
                print(f"{database}, {size:,} events: building", file=sys.stderr, flush=True)
                total = build(url, size, args.per_chain, args.sample, args.new)["events"]
                for mode in ("read", "full", "new"):
                    result = in_child(url, mode)
                    failed |= not result["ok"]
                    rows.append((database, total, result))
                if name:
                    drop_pg(args.pg, name)
    labels = {"read": "baseline: stream rows, no check", "full": "full verify", "new": "incremental (since checkpoint)"}
    print("events/s: events over wall-clock seconds; per CPU s: over the verifying process's CPU seconds (what a "
          "core gives it when the machine is busy)")
    print(f"{'database':11} {'log events':>10}  {'what':32} {'events':>9} {'seconds':>8} {'events/s':>9} "
          f"{'per CPU s':>9} {'peak MiB':>8} {'MiB before':>10}")
    for database, total, r in rows:
        rate = r["events"] / r["seconds"] if r["seconds"] else 0
        per_cpu = r["events"] / r["cpu"] if r["cpu"] else 0
        print(f"{database:11} {total:10,}  {labels[r['mode']]:32} {r['events']:9,} {r['seconds']:8.2f} {rate:9,.0f} "
              f"{per_cpu:9,.0f} {r['peak_mib']:8.0f} {r['rss_before_mib']:10.0f}")
    print(f"load: {os.getloadavg()[0]:.1f} (1-minute load average, {os.cpu_count()} cores)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
