"""Due dates of READY user tasks from their statutory time limits (engine.bpmn.time_limits): the earlier of
a boundary timer's due time and the declared limit, counted on the jurisdiction's calendar from the date
variable the limit names. A limit whose date is not set yet gives no due date."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import calendar


def add_time_limits(step: Any, due_by_task: dict[str, datetime], jurisdiction: str) -> None:
    """Fold the declared time limits of the step's READY tasks into `due_by_task` (element id -> due)."""
    ready = step.run.ready_tasks()
    elements = step.procedure.elements
    limited = [(t.element_id, elements[t.element_id].time_limit) for t in ready
               if t.element_id in elements and elements[t.element_id].time_limit is not None]
    if not limited:
        return
    data = step.run.data
    for element_id, limit in limited:
        start = data.get(limit.variable)
        if not start:
            continue
        try:
            due = datetime.fromisoformat(calendar.BPMN_HELPERS[limit.helper](start, limit.days, jurisdiction))
        except (TypeError, ValueError):
            continue  # not a date: the form validated it as one, so only hand-edited data gets here
        due_by_task[element_id] = min(due, due_by_task.get(element_id, due))
