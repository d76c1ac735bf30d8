"""Tasks: the caller's worklist, one task with its form, and completing it."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import CurrentActor, RuntimeDep
from api.routers import TaskId, as_json, errors
from api.schemas import CaseView, TaskComplete, TaskView
from engine.services import tasks

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


@router.get("", response_model=list[TaskView], responses=errors(401, 403, 422))
def worklist(request: Request, rt: RuntimeDep, actor: CurrentActor,
             case_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
             after: Annotated[str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]*$")] = None,
             limit: Annotated[int, Query(ge=1, le=200)] = 200):
    """READY tasks of the caller's lane in the departments they may see, soonest due first. A full page carries
    a `Link: <...>; rel="next"` header whose URL continues after its last task (keyset paging)."""
    page = tasks.ready_tasks(rt, actor=actor, case_id=case_id, after=after or None, limit=limit)
    response = as_json([task.as_dict() for task in page])
    cursor = tasks.next_cursor(page, limit)
    if cursor:
        more = request.url.include_query_params(after=cursor)
        response.headers["Link"] = f'<{more.path}?{more.query}>; rel="next"'
    return response


@router.get("/{task_id}", response_model=TaskView, responses=errors(401, 403, 404))
def get_task(task_id: TaskId, rt: RuntimeDep, actor: CurrentActor):
    return as_json(tasks.get_task(rt, task_id=task_id, actor=actor))


@router.post("/{task_id}/complete", response_model=CaseView, responses=errors(401, 403, 404, 409, 422))
async def complete_task(task_id: TaskId, body: TaskComplete, request: Request, actor: CurrentActor):
    """Complete a READY task with its form data: 200 with the case; 409 if not ready, done or stale; 422 with
    one entry per invalid field."""
    # The busiest route reads the runtime and the write queue from the app directly: two dependencies fewer
    # to resolve on every completion (measured with bench/http_bench.py).
    state = request.app.state
    view = await state.writes.run(tasks.complete_task, rt=state.runtime, task_id=task_id, data=body.data,
                                  actor=actor, expected_version=body.expected_version)
    return as_json(view)
