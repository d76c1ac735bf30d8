"""Moving cases to a new version, per case: the in-memory rebuild of a case's task tree on the target spec
(engine.workflow.migration.rebuild, what a plan computes for each case) beside the baseline of loading and
saving the same case on its own version (what any step costs before it runs anything), in the same run.
Cases stand at the four positions of features/migration.feature.

Run: .venv/bin/python -m bench.migration_bench [--rounds 300]
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from engine.workflow import CaseRun, parse_procedure
from engine.workflow.migration import rebuild

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "migration"
MAPPING = {"inspect_site": "inspect_premises"}


def _positions(v1) -> dict[str, str]:
    """Saved states of one case at the acceptance timer, the parallel gateway, inside the subprocess (half
    joined) and waiting for the statement period."""
    now = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)

    def complete(run, element, data=None):
        [task] = [t for t in run.ready_tasks() if t.element_id == element]
        run.complete(task.task_id, data or {}, now)
    run, _ = CaseRun.start(v1, {}, now)
    complete(run, "register_case", {"violation": "stall"})
    states = {"timer": run.dump()}
    run.step(now + timedelta(days=4))
    states["parallel"] = run.dump()
    complete(run, "inspect_site")
    states["subprocess"] = run.dump()
    complete(run, "request_records")
    complete(run, "serve_rights_notice", {"proposed_fine": 100})
    states["statement"] = run.dump()
    return states


def _per_case_us(action, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)
    v1, v2 = (parse_procedure({"street_order.bpmn": (FIXTURES / f"street_order_v{n}.bpmn").read_bytes()})
              for n in (1, 2))
    print(f"{'position':12} {'state kB':>9} {'load+save µs':>13} {'rebuild µs':>11} {'ratio':>6}")
    for name, state in _positions(v1).items():
        baseline = _per_case_us(lambda: CaseRun.load(v1, state).dump(), args.rounds)
        moved = _per_case_us(lambda: rebuild(v1, v2, state, MAPPING), args.rounds)
        print(f"{name:12} {len(state) / 1024:9.1f} {baseline:13.0f} {moved:11.0f} {moved / baseline:6.1f}")


if __name__ == "__main__":
    main()
