"""External tasks over HTTP, shaped like Camunda 7's REST API: workers fetch and lock by topic, then complete,
report a failure or throw a BPMN error (docs/external-tasks.md)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import TaskId, as_json, errors
from api.schemas import (ExternalBpmnError, ExternalComplete, ExternalFailure, ExternalFetch,
                         LockedExternalTaskView)
from engine.services import external_tasks

router = APIRouter(prefix="/api/external-tasks", tags=["external tasks"])


@router.post("/fetch-and-lock", response_model=list[LockedExternalTaskView], responses=errors(401, 403, 422))
async def fetch_and_lock(body: ExternalFetch, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Lock up to maxTasks waiting tasks of the named topics for this worker; each with its case's variables.
    An empty list when none waits (poll again later)."""
    locked = await writes.run(external_tasks.fetch_and_lock, rt=rt, actor=actor, worker_id=body.workerId,
                              max_tasks=body.maxTasks,
                              topics=[(t.topicName, t.lockDuration) for t in body.topics],
                              variables={t.topicName: t.variables for t in body.topics if t.variables is not None})
    return as_json(locked)


@router.post("/{task_id}/complete", status_code=204, responses=errors(401, 403, 404, 409, 422))
async def complete(task_id: TaskId, body: ExternalComplete, rt: RuntimeDep, writes: WritesDep,
                   actor: CurrentActor):
    """Finish a task this worker holds locked; its variables join the case, which runs to its next wait."""
    await writes.run(external_tasks.complete, rt=rt, actor=actor, task_id=task_id, worker_id=body.workerId,
                     variables=body.variables)
    return Response(status_code=204)


@router.post("/{task_id}/failure", status_code=204, responses=errors(401, 403, 404, 409, 422))
async def failure(task_id: TaskId, body: ExternalFailure, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """The worker could not do it: fetchable again after retryTimeout ms while retries are left; retries 0
    opens an incident."""
    await writes.run(external_tasks.failure, rt=rt, actor=actor, task_id=task_id, worker_id=body.workerId,
                     error_message=body.errorMessage, retries=body.retries, retry_timeout_ms=body.retryTimeout)
    return Response(status_code=204)


@router.post("/{task_id}/bpmn-error", status_code=204, responses=errors(401, 403, 404, 409, 422))
async def bpmn_error(task_id: TaskId, body: ExternalBpmnError, rt: RuntimeDep, writes: WritesDep,
                     actor: CurrentActor):
    """A business error: the task's error boundary event for errorCode takes over; uncaught, an incident."""
    await writes.run(external_tasks.bpmn_error, rt=rt, actor=actor, task_id=task_id, worker_id=body.workerId,
                     error_code=body.errorCode, error_message=body.errorMessage, variables=body.variables)
    return Response(status_code=204)
