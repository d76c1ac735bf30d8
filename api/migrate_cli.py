"""`dueflow migrate plan|approve|run|revert`: migration plans from the command line, acting as a named staff
account (--as), so four eyes hold here too; progress and each case's outcome on the terminal."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_actions(migrate, db_help: str) -> None:
    """The plan actions under `dueflow migrate` (without one, it upgrades the schema as before)."""
    actions = migrate.add_subparsers(dest="action")
    plan = actions.add_parser("plan", help="compute and store a plan: dueflow migrate plan KEY FROM TO --as ADMIN")
    plan.add_argument("procedure")
    plan.add_argument("source_version", type=int)
    plan.add_argument("target_version", type=int)
    which = plan.add_mutually_exclusive_group()
    which.add_argument("--cases", help="case numbers, comma separated (default: every running case)")
    which.add_argument("--stage")
    which.add_argument("--department")
    plan.add_argument("--map", action="append", default=[], metavar="OLD=NEW", help="element mapping (repeatable)")
    plan.add_argument("--due", action="append", default=[], metavar="ELEMENT=ISO_INSTANT",
                      help="move a running deadline (needs --due-reason)")
    plan.add_argument("--due-reason", default="")
    plan.add_argument("--reason", required=True)
    approve = actions.add_parser("approve", help="approve a plan: another admin or a legal reviewer, with a reason")
    approve.add_argument("plan_id", type=int)
    approve.add_argument("--reason", required=True)
    run = actions.add_parser("run", help="move the cases of an approved plan, one transaction per case")
    run.add_argument("plan_id", type=int)
    revert = actions.add_parser("revert", help="move a plan's cases back (those that took no step since)")
    revert.add_argument("plan_id", type=int)
    revert.add_argument("--reason", required=True)
    for action in (plan, approve, run, revert):
        action.add_argument("--as", dest="username", required=True, help="the staff account acting")
        action.add_argument("--db", default=argparse.SUPPRESS, help=db_help)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    found = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise SystemExit(f"error: {what} '{item}' is not OLD=NEW")
        found[key.strip()] = value.strip()
    return found


def run_action(args, rt) -> int:
    """One plan action; prints the plan case by case. Exit 1 on a refusal, naming it."""
    from engine.domain import DueflowError
    from engine.services import migration, users

    actor = users.current_actor(rt, username=args.username)
    if actor is None:
        print(f"error: no active account '{args.username}'", file=sys.stderr)
        return 1
    try:
        if args.action == "plan":
            case_filter: dict[str, Any] = {"all": True}
            if args.cases:
                case_filter = {"cases": [c.strip() for c in args.cases.split(",") if c.strip()]}
            elif args.stage or args.department:
                case_filter = {"stage": args.stage} if args.stage else {"department": args.department}
            due = {k: {"due_at": v, "reason": args.due_reason} for k, v in _pairs(args.due, "--due").items()}
            print(f"planning {args.procedure} {args.source_version} -> {args.target_version} ...", file=sys.stderr)
            view = migration.propose_migration(rt, procedure=args.procedure, source_version=args.source_version,
                                               target_version=args.target_version, case_filter=case_filter,
                                               mapping=_pairs(args.map, "--map"), due_changes=due,
                                               reason=args.reason, actor=actor)
        elif args.action == "approve":
            view = migration.approve_migration(rt, plan_id=args.plan_id, reason=args.reason, actor=actor)
        elif args.action == "run":
            print(f"moving the cases of plan {args.plan_id}, one at a time ...", file=sys.stderr)
            view = migration.run_migration(rt, plan_id=args.plan_id, actor=actor)
        else:
            view = migration.revert_migration(rt, plan_id=args.plan_id, reason=args.reason, actor=actor)
    except DueflowError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for detail in exc.details:
            print(f"  {detail.get('field')}: {detail.get('message')}", file=sys.stderr)
        return 1
    for case in view.cases:
        after = case.preview.get("after", {})
        where = ", ".join(after.get("positions", [])) or "-"
        print(f"{case.case_no:14} {case.status:9} {where}" + (f"  ({'; '.join(case.reasons)})" if case.reasons else ""))
    print(json.dumps(migration.summary(view)))
    return 0
