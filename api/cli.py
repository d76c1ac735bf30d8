"""The `dueflow` command: serve, worker, demo, users, grid, lint, migrate (the schema, or plans of moving cases),
verify, export, verify-export."""
from __future__ import annotations

import argparse
import os
import sys

from engine.store import DEFAULT_URL


def _db(args) -> str:
    return args.db or os.environ.get("DUEFLOW_DB") or DEFAULT_URL


def cmd_migrate(args) -> int:
    """Without an action: create or upgrade the schema. plan|approve|run|revert: migration plans (api.migrate_cli)."""
    from engine.store import Store

    if getattr(args, "action", None):
        from api.migrate_cli import run_action

        return run_action(args, _runtime(args))
    Store(_db(args)).migrate()
    print(f"schema is current on {_db(args)}")
    return 0


def cmd_lint(args) -> int:
    from engine import policy

    return policy.main(args.rest)


def cmd_serve(args) -> int:
    from api.server import serve

    return serve(_db(args), host=args.host, port=args.port, demo=args.demo, workers=args.workers,
                 timer_interval=args.timer_interval, checkpoint_interval=args.checkpoint_interval,
                 access_log=not args.no_access_log)


def cmd_worker(args) -> int:
    from api.server import work

    return work(_db(args), interval=args.interval)


def cmd_demo(args) -> int:
    from api.walkthrough import run

    return run(args.db or "sqlite:///var/demo.db")


def _runtime(args):
    """The runtime of this installation: its database, and its keys under var/ (engine.bootstrap)."""
    from engine.bootstrap import build_runtime, settings_from_env

    return build_runtime(settings_from_env(database_url=_db(args)))


def cmd_verify(args) -> int:
    """Verify the audit log (or one case) against its tags, the newest signed checkpoint and the witness file:
    exit 0 when intact, 1 with the first problem of each chain."""
    from engine.domain import DueflowError
    from engine.services import audit_trail

    rt = _runtime(args)
    key = audit_trail.public_key(rt)
    print(f"checkpoint key (Ed25519, id {key['key_id']}): {key['public_key']}")
    if args.public_key:
        return 0

    def progress(events: int) -> None:
        print(f"  {events:,} events checked ...", file=sys.stderr, flush=True)

    try:
        report = audit_trail.verify_audit(rt, actor=_cli_actor(), case_id=args.case, progress=progress,
                                          since_checkpoint=args.since_checkpoint)
    except DueflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    signed = report["checkpoint"]
    if report["since_checkpoint"] is not None:
        print(f"only what was written since checkpoint {report['since_checkpoint']} was checked "
              "(run without --since-checkpoint to check the whole log)")
    print(f"{report['events']:,} events in {report['cases']:,} cases and the system chain checked; "
          + (f"newest signed checkpoint {signed['created_at']} over {signed['chains']} chains"
             if signed else "no signed checkpoint yet"))
    if report["ok"]:
        print("the audit log is intact")
        return 0
    first: dict[object, dict] = {}
    for problem in report["problems"]:
        where = ("checkpoint", problem["checkpoint_id"]) if problem["seq"] is None else problem["case_id"]
        first.setdefault(where, problem)
    for where, problem in first.items():
        if isinstance(where, tuple):
            name = "checkpoints"
        elif where == 0:
            name = "system chain"
        else:
            name = f"case {problem['case_no'] or '#' + str(where)}"
        print(f"{name}: {problem['problem']}")
    print(f"the audit log was tampered with: {len(first)} problem(s)", file=sys.stderr)
    return 1


def cmd_export(args) -> int:
    """Write one case's verifiable file (procedure, audit events, documents, custody, signed checkpoint)."""
    from engine.domain import DueflowError
    from engine.services import case_export

    def progress(done: int, total: int, name: str) -> None:
        print(f"  [{done}/{total}] {name}", file=sys.stderr, flush=True)

    rt = _runtime(args)
    try:
        with open(args.out, "wb") as out:
            summary = case_export.export_case(rt, out=out, actor=_cli_actor(), case_no=args.case_no,
                                              progress=progress)
    except DueflowError as exc:
        os.unlink(args.out)
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"case {summary.case_no}: {summary.files} files, {summary.events} audit events, {summary.documents} "
          f"documents -> {args.out}"
          + (f" (signed checkpoint {summary.checkpoint_id})" if summary.checkpoint_id else ""))
    print(f"check it anywhere: dueflow verify-export {args.out}   (or: python3 engine/audit/offline.py {args.out})")
    return 0


def cmd_verify_export(args) -> int:
    """Check an export with no database and no server (the standalone verifier, engine/audit/offline.py)."""
    from engine.audit import offline

    return offline.main([args.file] + (["--public-key", args.public_key] if args.public_key else []))


def _cli_actor():
    import getpass

    from engine.domain import Actor

    return Actor.system(f"cli:{getpass.getuser()}")  # the audit chain names who ran the command


def cmd_users(args) -> int:
    from engine.domain import DueflowError
    from engine.services import users

    rt = _runtime(args)
    try:
        if args.action == "add":
            password = args.password or os.environ.get("DUEFLOW_PASSWORD") or _ask_password()
            user = users.add_user(rt, username=args.username, password=password, role=args.role,
                                  department=args.department, display_name=args.name or "", actor=_cli_actor(),
                                  topics=[t for t in (args.topics or "").split(",") if t.strip()] or None)
            print(f"added {user.username} ({user.role}{', ' + user.department if user.department else ''})")
        elif args.action == "disable":
            user = users.disable_user(rt, username=args.username, actor=_cli_actor())
            print(f"disabled {user.username}")
        else:
            for user in users.list_users(rt, actor=_cli_actor()):
                state = "active" if user.active else "disabled"
                print(f"{user.username:20} {user.role:15} {user.department or '-':15} {state}")
    except DueflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for detail in exc.details:
            print(f"  {detail.get('field')}: {detail.get('message')}", file=sys.stderr)
        return 1
    return 0


def cmd_grid(args) -> int:
    """dueflow grid import FILE: GeoJSON polygons (properties code, name, community, street) into the grid,
    with progress on stderr; nothing is imported when a feature is wrong."""
    from pathlib import Path

    from engine.domain import DueflowError
    from engine.services import grid

    try:
        cells = grid.parse_geojson(Path(args.file).read_bytes())
        print(f"{len(cells)} cells read from {args.file}", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            print(f"\rimported {done}/{total} cells ({100 * done // total}%)", end="", file=sys.stderr, flush=True)
        count = grid.import_cells(_runtime(args), cells=cells, actor=_cli_actor(), progress=progress)
        print(file=sys.stderr)
        print(f"imported {count} cells")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DueflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for detail in exc.details:
            print(f"  {detail.get('field')}: {detail.get('message')}", file=sys.stderr)
        return 1
    return 0


def _ask_password() -> str:
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("the passwords differ")
    return first


COMMANDS = {"migrate": cmd_migrate, "lint": cmd_lint, "serve": cmd_serve, "worker": cmd_worker, "users": cmd_users,
            "demo": cmd_demo, "verify": cmd_verify, "grid": cmd_grid,
            "export": cmd_export, "verify-export": cmd_verify_export}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dueflow", description="Dueflow: enforcement procedures, case by case.")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate = sub.add_parser("migrate", help="create or upgrade the database schema; or move running cases to "
                                             "another procedure version: migrate plan|approve|run|revert")
    migrate.add_argument("--db", help=f"database URL (default $DUEFLOW_DB or {DEFAULT_URL})")
    from api.migrate_cli import add_actions

    add_actions(migrate, f"database URL (default $DUEFLOW_DB or {DEFAULT_URL})")
    lint = sub.add_parser("lint", help="due-process check of BPMN files: dueflow lint [--policy FILE] FILES",
                          add_help=False)
    lint.add_argument("rest", nargs=argparse.REMAINDER)
    db_help = f"database URL, e.g. postgresql://user@host/dueflow (default $DUEFLOW_DB or {DEFAULT_URL})"
    serve = sub.add_parser("serve", help="migrate, deploy processes/, and serve the HTTP API with the timer loop")
    serve.add_argument("--db", help=db_help)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="add a demo department, one user per role, cases")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (use PostgreSQL for >1)")
    serve.add_argument("--timer-recheck", "--timer-interval", dest="timer_interval", type=float, default=30.0,
                       help="the timer loop sleeps until the next deadline and wakes on new ones; this is only its "
                            "longest sleep, for a missed notification (seconds); 0 leaves timers to `dueflow worker`")
    serve.add_argument("--checkpoint-interval", type=float, default=5.0,
                       help="seconds between signed audit checkpoints while events arrive (0: none)")
    serve.add_argument("--no-access-log", action="store_true", help="no line per request (benchmarks)")
    verify = sub.add_parser("verify", help="check the audit log: exit 0 when intact, 1 naming each chain's first "
                                           "problem")
    verify.add_argument("--db", help=db_help)
    verify.add_argument("--case", type=int, help="verify one case's chain only (by case id)")
    verify.add_argument("--public-key", action="store_true", help="only print the checkpoint public key")
    verify.add_argument("--since-checkpoint", action="store_true",
                        help="check only the events written since the newest signed checkpoint (fast; the whole "
                             "log when there is no checkpoint yet)")
    export = sub.add_parser("export", help="write one case's file that anyone can verify offline (a zip)")
    export.add_argument("case_no", help="the case number, e.g. 2026-000123")
    export.add_argument("--out", required=True, help="the .zip to write")
    export.add_argument("--db", help=db_help)
    verify_export = sub.add_parser("verify-export", help="check an exported case file offline: exit 0 when intact, "
                                                         "1 naming the first mismatch (needs no database)")
    verify_export.add_argument("file")
    verify_export.add_argument("--public-key", help="the agency's public key (hex) from GET /api/public/keys")
    verify_export.add_argument("--db", help="ignored: verifying an export needs no database")
    demo = sub.add_parser("demo", help="walk one case through the ordinary procedure and print its timeline")
    demo.add_argument("--db", help="database URL (default sqlite:///var/demo.db)")
    worker = sub.add_parser("worker", help="run only the timer loop (several may share one PostgreSQL)")
    worker.add_argument("--db", help=db_help)
    worker.add_argument("--recheck", "--interval", dest="interval", type=float, default=30.0,
                        help="longest sleep of the timer loop, for a missed notification (seconds); it sleeps "
                             "until the next deadline and wakes on new ones by itself")
    users = sub.add_parser("users", help="staff accounts: add, list, disable")
    users.add_argument("--db", help=db_help)
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an account (password from --password, $DUEFLOW_PASSWORD or a prompt)")
    add.add_argument("username")
    add.add_argument("--role", required=True,
                     choices=["admin", "officer", "supervisor", "legal_reviewer", "dispatcher", "auditor", "worker",
                              "coordinator", "inspector"])
    add.add_argument("--department", help="required for officer, supervisor, legal_reviewer; created if new")
    add.add_argument("--topics", help="a worker's external-task topics, comma separated (docs/external-tasks.md)")
    add.add_argument("--name", help="display name")
    add.add_argument("--password")
    listing = actions.add_parser("list", help="every account with its role, department and state")
    disable = actions.add_parser("disable", help="switch an account off (it stays on record)")
    disable.add_argument("username")
    for action in (add, listing, disable):
        action.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    grid_ = sub.add_parser("grid", help="the urban-management grid: import cells from GeoJSON")
    grid_.add_argument("--db", help=db_help)
    grid_actions = grid_.add_subparsers(dest="action", required=True)
    grid_import = grid_actions.add_parser("import", help="dueflow grid import FILE (GeoJSON polygons with "
                                                          "properties code, name, community, street)")
    grid_import.add_argument("file")
    grid_import.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
