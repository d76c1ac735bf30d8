"""The `dueflow` command: serve, worker, demo, users, lint, migrate."""
from __future__ import annotations

import argparse
import os
import sys

from engine.store import DEFAULT_URL


def _db(args) -> str:
    return args.db or os.environ.get("DUEFLOW_DB") or DEFAULT_URL


def cmd_migrate(args) -> int:
    from engine.store import Store

    Store(_db(args)).migrate()
    print(f"schema is current on {_db(args)}")
    return 0


def cmd_lint(args) -> int:
    from engine import policy

    return policy.main(args.rest)


COMMANDS = {"migrate": cmd_migrate, "lint": cmd_lint}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dueflow", description="Dueflow: enforcement procedures, case by case.")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.add_argument("--db", help=f"database URL (default $DUEFLOW_DB or {DEFAULT_URL})")
    lint = sub.add_parser("lint", help="due-process check of BPMN files: dueflow lint [--policy FILE] FILES",
                          add_help=False)
    lint.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
