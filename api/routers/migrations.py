"""Migration plans: an admin plans the move of running cases to another procedure version, a second admin or a
legal reviewer approves it, an admin runs it and may revert it (docs/migration.md)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentActor, RuntimeDep, WritesDep
from api.routers import as_json, errors
from api.schemas import MigrationCreate, MigrationReason
from engine.services import migration

router = APIRouter(prefix="/api/migrations", tags=["migrations"])
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the migration plan's id")]


@router.post("", status_code=201, responses=errors(401, 403, 404, 422))
async def propose(body: MigrationCreate, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Compute and store a plan (admin): per case, whether it can move, where it would stand, its deadlines."""
    view = await writes.run(migration.propose_migration, rt=rt, procedure=body.procedure,
                            source_version=body.source_version, target_version=body.target_version,
                            case_filter=body.case_filter, mapping=body.mapping, due_changes=body.due_changes,
                            reason=body.reason, actor=actor)
    return as_json(view, status=201)


@router.get("", responses=errors(401, 403, 422))
def list_plans(rt: RuntimeDep, actor: CurrentActor,
               procedure: Annotated[str | None, Query(max_length=200)] = None):
    """Migration plans, newest first (admins, legal reviewers, auditors)."""
    return as_json(migration.list_migrations(rt, actor=actor, procedure=procedure))


@router.get("/{plan_id}", responses=errors(401, 403, 404, 422))
def get_plan(plan_id: PlanId, rt: RuntimeDep, actor: CurrentActor):
    return as_json(migration.get_migration(rt, plan_id=plan_id, actor=actor))


@router.post("/{plan_id}/approve", responses=errors(401, 403, 404, 409, 422))
async def approve(plan_id: PlanId, body: MigrationReason, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Approve with a reason: a second admin or a legal reviewer, never the proposer (403 four_eyes)."""
    return as_json(await writes.run(migration.approve_migration, rt=rt, plan_id=plan_id, reason=body.reason,
                                    actor=actor))


@router.post("/{plan_id}/run", responses=errors(401, 403, 404, 409, 422))
async def run(plan_id: PlanId, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Move every movable case of an approved plan, each in its own transaction; failures are listed."""
    return as_json(await writes.run(migration.run_migration, rt=rt, plan_id=plan_id, actor=actor))


@router.post("/{plan_id}/revert", responses=errors(401, 403, 404, 409, 422))
async def revert(plan_id: PlanId, body: MigrationReason, rt: RuntimeDep, writes: WritesDep, actor: CurrentActor):
    """Move the plan's cases back, each that has taken no step since it moved."""
    return as_json(await writes.run(migration.revert_migration, rt=rt, plan_id=plan_id, reason=body.reason,
                                    actor=actor))
