"""Loop growth: the cost of one round of a reinspection loop (a user task sent back by an XOR gateway) at round
5, 500 and 5,000, and the stored state, for Dueflow's workflow layer (load, complete, run, prune, dump) beside
raw SpiffWorkflow with the stock serializer and no pruning (a JSON round trip every step), in the same run.

Raw SpiffWorkflow keeps every task: each round costs more, and near round 500 its task iterator stops at depth
1000, so the case has nothing ready. Run: .venv/bin/python -m bench.loop_bench [--rounds 5000] [--window 20]
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "loop.bpmn"
NOW = datetime(2026, 3, 2, tzinfo=timezone.utc)


def dueflow_rounds(rounds: int, marks: list[int], window: int) -> tuple[dict[int, float], dict[int, int], int]:
    """Milliseconds per round (median over `window` rounds from each mark) and state bytes at each mark."""
    from engine.workflow import CaseRun, parse_procedure

    procedure = parse_procedure({FIXTURE.name: FIXTURE.read_bytes()})
    run, _ = CaseRun.start(procedure, {}, NOW)
    state, costs, sizes, done = run.dump(), {}, {}, 0
    timings: list[float] = []
    for round_ in range(rounds):
        started = time.perf_counter()
        run = CaseRun.load(procedure, state)
        ready = run.ready_tasks()
        if len(ready) != 1:
            break
        run.complete(ready[0].task_id, {"fixed": False, "round": round_}, NOW)
        state = run.dump()
        timings.append((time.perf_counter() - started) * 1000)
        done = round_ + 1
        _note(round_, marks, window, timings, costs, sizes, len(state))
    return costs, sizes, done


def raw_rounds(rounds: int, marks: list[int], window: int) -> tuple[dict[int, float], dict[int, int], int]:
    """The baseline: stock SpiffWorkflow and serializer, no pruning; stops when nothing is ready any more."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = CamundaParser()
    # stock SpiffWorkflow reads timer expressions as Python: quote the duration as Dueflow's deploy does
    xml = FIXTURE.read_bytes().replace(b">P30D<", b">'P30D'<")
    parser.add_bpmn_xml(etree.fromstring(xml), filename=FIXTURE.name)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    workflow = BpmnWorkflow(parser.get_spec("reinspection_loop"))
    workflow.do_engine_steps()
    state, costs, sizes, done = serializer.serialize_json(workflow), {}, {}, 0
    timings: list[float] = []
    for round_ in range(rounds):
        started = time.perf_counter()
        try:
            workflow = serializer.deserialize_json(state)
            ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
            if len(ready) != 1:
                break
            ready[0].data.update({"fixed": False, "round": round_})
            ready[0].run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
        except RecursionError:
            break
        timings.append((time.perf_counter() - started) * 1000)
        done = round_ + 1
        _note(round_, marks, window, timings, costs, sizes, len(state))
    return costs, sizes, done


def _note(round_, marks, window, timings, costs, sizes, size) -> None:
    for mark in marks:
        if round_ == mark + window - 1:
            part = sorted(timings[mark - 1:mark - 1 + window])
            costs[mark] = part[len(part) // 2]
            sizes[mark] = size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--window", type=int, default=20, help="rounds measured from each mark (median)")
    args = parser.parse_args()
    marks = [m for m in (5, 500, 5000) if m <= args.rounds]
    total = args.rounds + args.window
    df_costs, df_sizes, df_done = dueflow_rounds(total, marks, args.window)
    raw_costs, raw_sizes, raw_done = raw_rounds(total, marks, args.window)
    print(f"reinspection loop, one round = load state, complete the task, run to the next wait, save state "
          f"(median of {args.window} rounds from each mark)")
    header = "path".ljust(50) + "".join(f"{f'round {m}: ms':>15} {'state B':>9}" for m in marks) + "  rounds run"
    print(header)
    for name, costs, sizes, done in (("raw SpiffWorkflow, stock serializer, no pruning", raw_costs, raw_sizes,
                                      raw_done),
                                     ("Dueflow CaseRun, spec-free state, pruned", df_costs, df_sizes, df_done)):
        cells = "".join((f"{costs[m]:>15.2f} {sizes[m]:>9}" if m in costs else f"{'stopped':>15} {'-':>9}")
                        for m in marks)
        print(name.ljust(50) + cells + f"  {done:>10}")
    if 5 in df_costs and max(marks) in df_costs:
        print(f"Dueflow round {max(marks)} / round 5: {df_costs[max(marks)] / df_costs[5]:.2f}x (target: at most 1.5x)")
    print(json.dumps({"dueflow": {"ms": df_costs, "bytes": df_sizes, "rounds": df_done},
                      "raw": {"ms": raw_costs, "bytes": raw_sizes, "rounds": raw_done}}))


if __name__ == "__main__":
    main()
