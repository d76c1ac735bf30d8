"""`dueflow lint [--policy FILE] [--lanes JSON] FILES`: print `file:line: element_id: RULE: message`, exit 1 on errors."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine import bpmn
from engine.policy.config import PolicyError, load_policy
from engine.policy.lint import lint_procedure

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _collect(paths: list[str]) -> dict[str, bytes]:
    """Read the named files; a directory stands for the .bpmn and .dmn files in it (recursively)."""
    files = {}
    for given in paths:
        path = Path(given)
        members = sorted(p for p in path.rglob("*") if p.suffix in (".bpmn", ".dmn")) if path.is_dir() else [path]
        for member in members:
            files[str(member)] = member.read_bytes()
    return files


def main(argv: list[str]) -> int:
    """Lint the files as one procedure; warnings alone exit 0, any error exits 1, bad usage exits 2."""
    parser = argparse.ArgumentParser(prog="dueflow lint", description="Due-process check of BPMN procedures.")
    parser.add_argument("--policy", help="policy TOML file (default: the bundled prc_ordinary)")
    parser.add_argument("--lanes", help='lane name -> role, as a deploy gives it: \'{"Boss": "supervisor"}\'')
    parser.add_argument("files", nargs="+", help="BPMN/DMN files or folders holding them")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on bad usage; main() returns instead
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        policy = load_policy(args.policy)
        files = _collect(args.files)
    except (PolicyError, OSError) as exc:
        print(f"dueflow lint: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return EXIT_USAGE
    counted = len(files)
    if args.lanes:
        files[bpmn.LANES_FILE] = bpmn.mapping_file(args.lanes)
    # the deploy's own checks first: every script, condition, timer and DMN cell against the safe language
    model = bpmn.read_xml(files)
    if not model.errors:
        bpmn.inspect(model)
    problems = model.problems + lint_procedure(files, policy, graphs=model.graphs)
    for problem in problems:
        # warnings say so at the head of the message, the way compilers print them
        print(problem if problem.severity == "error" else
              str(problem).replace(f": {problem.rule}: ", f": {problem.rule}: warning: ", 1))
    errors = sum(p.severity == "error" for p in problems)
    print(f"{counted} file(s), {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
    return EXIT_ERRORS if errors else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
