"""Published rules, readable by anyone without signing in: the law requires procedures, time limits and
discretion benchmarks to be public before they are used (PL 5, 34, 39)."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import RuntimeDep
from api.routers import as_json
from engine.services import publication

router = APIRouter(prefix="/api/public", tags=["public"])


@router.get("/procedures")
def published_procedures(rt: RuntimeDep):
    """The active procedures with their stages, time limits and discretion tables."""
    return as_json(publication.published_procedures(rt))
